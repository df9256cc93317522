// A little view code over the generated types, the way a front end touches them: tsc --strict
// checks every field it reads, so a field that disappears or turns nullable fails the build here
// (tests/integration/test_client_contract.py proves it with a broken copy of the SDL).
import type {
  AgreementListQuery,
  EntityCardFragment,
  EntityPageQuery,
  NeighbourhoodQuery,
  ClaimStatus,
  ClaimWithEvidenceFragment,
  SearchBoxQuery,
  ShortestPathQuery,
} from "./gql/graphql.js";

type PageEntity = NonNullable<EntityPageQuery["entity"]>;
type AgreementNode = AgreementListQuery["agreements"]["edges"][number]["node"];

/** "Transit Trade Agreement (ট্রানজিট বাণিজ্য চুক্তি)": the English name, then the Bengali one. */
export function label(entity: EntityCardFragment): string {
  const en = entity.name ?? entity.slug;
  return entity.bn && entity.bn !== en ? `${en} (${entity.bn})` : en;
}

/** A status as a reader sees it; IN_PROGRESS stays "in progress", never "signed". */
export function statusText(status: ClaimStatus | null): string {
  return status === null ? "status unknown" : status.toLowerCase().replaceAll("_", " ");
}

/** The lines a kind adds to its page: only some kinds have fields of their own. */
export function kindFields(entity: PageEntity): string[] {
  switch (entity.__typename) {
    case "Agreement":
      return [
        `status: ${statusText(entity.status)}`,
        `parties: ${entity.parties.map(label).join(", ") || "none named"}`,
      ];
    case "Corridor":
      return [`route: ${entity.route.map(label).join(" → ")}`];
    case "Person":
      return [`offices: ${entity.offices.map(label).join(", ")}`];
    case "Event":
      return [
        `place: ${entity.place ? label(entity.place) : "unknown"}`,
        `participants: ${entity.participants.map(label).join(", ")}`,
      ];
    default:
      return [];
  }
}

/** One fact with each span of evidence: the verbatim quote, our translation, the source. */
export function renderRelation(relation: ClaimWithEvidenceFragment): string {
  const arrow = `—${relation.predicate} [${statusText(relation.status)}]→`;
  const head = `${label(relation.subject)} ${arrow} ${label(relation.object)}`;
  const qualifiers = relation.qualifiers.map((q) => `${q.key}=${q.value}`).join(", ");
  const spans = relation.evidence.map((span) => {
    const { title, language } = span.document;
    const where = `${title} [${language}] §${span.sentenceIndex} ${span.start}–${span.end}`;
    const english = ` (“${span.translation}”)`;
    return `    “${span.quote}”${english} — ${where} (${span.quote.length} chars)`;
  });
  return [head + (qualifiers ? ` {${qualifiers}}` : ""), ...spans].join("\n");
}

/** An entity page as text: what a detail view renders. */
export function renderEntityPage(data: EntityPageQuery): string {
  const entity = data.entity;
  if (entity === null) return "not found";
  const names = entity.names.map((n) => `${n.lang}: ${n.value}`).join("; ");
  return [
    `# ${label(entity)} — ${entity.kind.toLowerCase()}`,
    entity.description ?? "",
    `names: ${names}`,
    ...(entity.aliases.length ? [`aliases: ${entity.aliases.join(", ")}`] : []),
    ...kindFields(entity),
    `facts (${entity.claims.edges.length} of ${entity.claims.totalCount}):`,
    ...entity.claims.edges.map((edge) => renderRelation(edge.node)),
  ].join("\n");
}

/** A row of the agreements table: `agreements` is typed by its kind (AgreementConnection), so
 * its nodes have the Agreement's own fields with no fragment and no type guard. */
export function renderAgreementRow(node: AgreementNode): string {
  const typename: "Agreement" = node.__typename; // tsc: the list's node is an Agreement
  return `${typename}: ` + `${label(node)} | ${statusText(node.status)} | ${node.parties.map((p) => p.slug).join(", ")}`;
}

/** Search hits, best first. */
export function renderSearch(data: SearchBoxQuery): string[] {
  const { edges, totalCount } = data.entitySearch;
  const lines = edges.map((hit) => `${hit.score.toFixed(2)} ${hit.node.kind} ${label(hit.node)}`);
  return totalCount > edges.length ? [...lines, `… ${totalCount - edges.length} more`] : lines;
}

/** The path finder's step list. */
export function renderPath(data: ShortestPathQuery): string {
  const path = data.shortestPath;
  if (path === null) return "no path";
  const steps = path.claims.map((r, i) => `${i + 1}. ${renderRelation(r)}`);
  return [`${path.length} hop(s): ${path.nodes.map((n) => n.slug).join(" → ")}`, ...steps].join("\n");
}

/** A neighbourhood as a graph view's elements (cytoscape-like). */
export function graphElements(data: NeighbourhoodQuery): {
  nodes: { id: string; label: string; kind: string }[];
  edges: { id: string; source: string; target: string; label: string }[];
} {
  const sub = data.neighborhood;
  if (sub === null) return { nodes: [], edges: [] };
  return {
    nodes: sub.nodes.map((n) => ({ id: n.slug, label: label(n), kind: n.kind })),
    edges: sub.claims.map((r) => ({
      id: r.id,
      source: r.subject.slug,
      target: r.object.slug,
      label: `${r.predicate} (${statusText(r.status)})`,
    })),
  };
}
