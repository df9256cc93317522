// View code over relay-compiler's generated types (tsc --strict checks it with the rest).
import type { EntityHeader_entity$data } from "./__generated__/EntityHeader_entity.graphql.js";
import type { EntityList_query$data } from "./__generated__/EntityList_query.graphql.js";
import type { EntityRelations_entity$data } from "./__generated__/EntityRelations_entity.graphql.js";

/** An entity header; the agreement's fields are there only when the entity is one. */
export function header(entity: EntityHeader_entity$data): string {
  const name = entity.name ?? entity.slug;
  if (entity.__typename === "Agreement" && entity.parties !== undefined) {
    const parties = entity.parties.map((p) => p.name ?? p.slug).join(", ");
    return `${name} [${entity.status ?? "status unknown"}] parties: ${parties}`;
  }
  return `${name} (${entity.kind})`;
}

/** Each fact with its first quote, as a connection's edges give them. */
export function facts(entity: EntityRelations_entity$data): string[] {
  return entity.claims.edges.map(({ node }) => {
    const quote = node.evidence[0]?.quote ?? "";
    return `${node.subject.slug} ${node.predicate} ${node.object.slug}: “${quote}”`;
  });
}

/** The ids of a list page, for a keyed React list. */
export function listKeys(query: EntityList_query$data): string[] {
  return query.entities.edges.map((edge) => edge.node.id);
}
