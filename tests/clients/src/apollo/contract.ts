// Apollo Client 4 against a live kgapi: the operations of src/operations.ts, a cache configured
// as an app would configure it (possibleTypes from codegen, relayStylePagination; claims are
// Nodes, keyed by id), lists paged to their end. Prints a JSON summary; exits 1 on the first broken
// expectation. Usage: node dist/src/apollo/contract.js <server URL> [max page size]
import assert from "node:assert/strict";

import { ApolloClient, HttpLink, InMemoryCache, type OperationVariables } from "@apollo/client";
import type { TypedDocumentNode } from "@apollo/client";
import { relayStylePagination } from "@apollo/client/utilities";
import { filter, firstValueFrom, throwError, timeout } from "rxjs";

import type { EntityCardFragment } from "../gql/graphql.js";
import possibleTypesResult from "../gql/possible-types.js";
import {
  AgreementList,
  EntityCard,
  EntityList,
  EntityPage,
  Neighbourhood,
  NodeById,
  SearchBox,
  ShortestPath,
} from "../operations.js";
import { graphElements, renderAgreementRow, renderEntityPage, renderPath, renderSearch } from "../views.js";

const PAGE_SIZE = 3;
const HANG_GUARD_MS = 120_000;
const SMALL_LIST_PAGE_SIZE = 2; // agreements are few: two a page still takes more than one

interface Connection {
  totalCount: number;
  edges: readonly { cursor: string; node: { slug: string } | { claimId: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

interface Paged {
  name: string;
  pageSize: number;
  pages: number;
  items: number;
  totalCount: number;
}

function newClient(uri: string): ApolloClient {
  return new ApolloClient({
    link: new HttpLink({ uri }),
    cache: new InMemoryCache({
      // Without these, a fragment on Entity does not match an Agreement in the cache.
      possibleTypes: possibleTypesResult.possibleTypes,
      typePolicies: {
        Query: {
          fields: {
            entities: relayStylePagination(["kind", "where", "orderBy"]),
            agreements: relayStylePagination(["where", "orderBy"]),
          },
        },
        // A policy on the interface reaches every kind through possibleTypes.
        Entity: { fields: { claims: relayStylePagination(["predicate", "direction"]) } },
        // A Claim is a Node: its cache id is `Claim:<id>` with no keyFields to write.
      },
    }),
  });
}

function operationName(document: TypedDocumentNode<unknown, never>): string {
  const operation = document.definitions.find((d) => d.kind === "OperationDefinition");
  return operation?.name?.value ?? "anonymous operation";
}

/** One query; Apollo throws on GraphQL errors (errorPolicy "none"), so data is there. */
async function ask<TData, TVars extends OperationVariables>(
  client: ApolloClient,
  query: TypedDocumentNode<TData, TVars>,
  variables: TVars,
  fetchPolicy: "cache-first" | "no-cache" = "cache-first",
): Promise<TData> {
  const options = { query, variables, fetchPolicy } as ApolloClient.QueryOptions<TData, TVars>;
  try {
    const result = await client.query<TData, TVars>(options);
    assert.ok(result.data, "a query without errors answers with data");
    return result.data;
  } catch (error) {
    throw new Error(`${operationName(query)} ${JSON.stringify(variables)} failed`, { cause: error });
  }
}

function keyOf(node: { slug: string } | { claimId: string }): string {
  return "slug" in node ? node.slug : node.claimId;
}

/** Page a connection with fetchMore (as a "load more" button does) and compare the pages, and
 * the list the cache merged from them, with one page of `max` rows. */
async function pageToEnd<TData, TVars extends OperationVariables>(
  name: string,
  client: ApolloClient,
  reference: ApolloClient,
  query: TypedDocumentNode<TData, TVars>,
  variables: TVars,
  afterVariable: string,
  pageSize: number,
  max: TVars,
  connection: (data: TData) => Connection,
): Promise<Paged> {
  const all = connection(await ask(reference, query, max, "no-cache"));
  assert.equal(all.pageInfo.hasNextPage, false, `${name}: one page of the maximum size must hold the list`);
  const expected = all.edges.map((e) => keyOf(e.node));
  assert.equal(expected.length, all.totalCount, `${name}: totalCount equals the rows of the full page`);

  // network-only: the list view opens afresh although the cache may hold the list already (the
  // cursorless first page must replace what relayStylePagination merged before, not extend it).
  const options = { query, variables, fetchPolicy: "network-only" };
  const observable = client.watchQuery(options as ApolloClient.WatchQueryOptions<TData, TVars>);
  const watching = observable.subscribe(() => undefined);
  try {
    const first = await firstValueFrom(observable.pipe(filter((r) => r.dataState === "complete")));
    let page = connection(first.data as TData);
    const seen: string[] = page.edges.map((e) => keyOf(e.node));
    let pages = 1;
    while (page.pageInfo.hasNextPage) {
      assert.ok(page.pageInfo.endCursor, `${name}: a page with more after it has an endCursor`);
      assert.equal(page.edges.length, pageSize, `${name}: a page before the last is full`);
      const more = await observable.fetchMore({
        variables: { [afterVariable]: page.pageInfo.endCursor } as Partial<TVars>,
      });
      page = connection(more.data);
      assert.ok(page.edges.length > 0, `${name}: page ${pages + 1} is empty although hasNextPage was true`);
      seen.push(...page.edges.map((e) => keyOf(e.node)));
      pages += 1;
      assert.ok(pages <= expected.length + 1, `${name}: paging does not end`);
    }
    assert.equal(new Set(seen).size, seen.length, `${name}: no row appears on two pages`);
    assert.deepEqual(seen, expected, `${name}: the pages, in order, are the full list (no gap)`);
    const read = { query, variables } as ApolloClient.ReadQueryOptions<TData, TVars>;
    const cached = client.readQuery<TData, TVars>(read);
    assert.ok(cached, `${name}: the list is in the cache`);
    const merged = connection(cached);
    assert.deepEqual(
      merged.edges.map((e) => keyOf(e.node)),
      expected,
      `${name}: the list relayStylePagination merged in the cache is the full list`,
    );
    assert.equal(merged.pageInfo.hasNextPage, false);
    // What the list view renders: the watched query emits the merged list once Apollo has
    // broadcast the cache write (asynchronously). The time limit only turns a hang into a message.
    const hang = new Error(`${name}: the watched list never grew to the full list`);
    const full = await firstValueFrom(
      observable.pipe(
        filter((r) => r.dataState === "complete" && connection(r.data as TData).edges.length >= expected.length),
        timeout({ first: HANG_GUARD_MS, with: () => throwError(() => hang) }),
      ),
    );
    assert.deepEqual(
      connection(full.data as TData).edges.map((e) => keyOf(e.node)),
      expected,
      `${name}: the watched list is the full list`,
    );
    assert.equal(pages, Math.max(1, Math.ceil(expected.length / pageSize)));
    return { name, pageSize, pages, items: seen.length, totalCount: all.totalCount };
  } finally {
    watching.unsubscribe();
  }
}

/** Every entity object in a result, however deep. */
function entitiesIn(value: unknown, found: EntityCardFragment[] = []): EntityCardFragment[] {
  if (Array.isArray(value)) {
    for (const item of value) entitiesIn(item, found);
  } else if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (typeof record["__typename"] === "string" && typeof record["id"] === "string" && "slug" in record) {
      if (record["__typename"] !== "Document") found.push(record as unknown as EntityCardFragment);
    }
    for (const child of Object.values(record)) entitiesIn(child, found);
  }
  return found;
}

async function main(): Promise<void> {
  const base = process.argv[2] ?? process.env["KGAPI_URL"];
  assert.ok(base, "usage: contract.js <server URL> [max page size]");
  const max = Number(process.argv[3] ?? process.env["KGAPI_MAX_PAGE_SIZE"] ?? "100");
  const uri = `${base.replace(/\/$/, "")}/graphql`;
  const client = newClient(uri);
  const reference = newClient(uri);
  const results: unknown[] = [];

  // The entity page: kind fields, facts, evidence.
  const page = await ask(client, EntityPage, { slug: "transit-trade-agreement", relationsFirst: 10 });
  results.push(page);
  const agreement = page.entity;
  assert.ok(agreement, "the Transit Trade Agreement exists");
  assert.equal(agreement.__typename, "Agreement");
  if (agreement.__typename !== "Agreement") throw new Error("unreachable");
  assert.notEqual(agreement.status, "SIGNED", "a plan is never shown as signed");
  assert.ok(agreement.parties.length >= 2, "the agreement has parties");
  const spans = agreement.claims.edges.flatMap((e) => e.node.evidence);
  assert.ok(spans.length > 0 && spans.every((s) => s.quote.length > 0), "facts carry quotes");
  const rendered = renderEntityPage(page);
  assert.ok(rendered.includes("Transit Trade Agreement") && rendered.includes(spans[0]!.quote));

  // A list of one kind with its own fields.
  const agreements = await ask(client, AgreementList, { first: max });
  results.push(agreements);
  const rows = agreements.agreements.edges.map((e) => renderAgreementRow(e.node));
  assert.ok(rows.length > 0 && rows.every((r) => r.startsWith("Agreement: ")));
  assert.ok(agreements.agreements.edges.some((e) => e.node.slug === agreement.slug));

  // The search box, in Bengali and in English.
  const searches: Record<string, number> = {};
  for (const text of ["ট্রানজিট", "tanners"]) {
    const hits = await ask(client, SearchBox, { text, first: 10 });
    results.push(hits);
    assert.ok(renderSearch(hits).length > 0, `search finds ${text}`);
    searches[text] = hits.entitySearch.edges.length;
    assert.ok(hits.entitySearch.totalCount >= hits.entitySearch.edges.length);
  }

  // The path finder.
  const [from, to] = ["kazakhstan-leather-association", "pakistan-tanners-association"];
  const path = await ask(client, ShortestPath, { from, to, maxHops: 6 });
  results.push(path);
  const found = path.shortestPath;
  assert.ok(found, "a path exists");
  assert.equal(found.nodes[0]?.slug, from);
  assert.equal(found.nodes.at(-1)?.slug, to);
  assert.equal(found.claims.length, found.length);
  assert.ok(renderPath(path).startsWith(`${found.length} hop(s)`));

  // A neighbourhood for the graph view.
  const centre = "joint-action-plan-2025-2026";
  const around = await ask(client, Neighbourhood, { slug: centre, hops: 1 });
  results.push(around);
  const elements = graphElements(around);
  assert.equal(elements.nodes[0]?.id, centre, "the centre comes first");
  const ids = new Set(elements.nodes.map((n) => n.id));
  assert.ok(elements.edges.length > 0 && elements.edges.every((e) => ids.has(e.source) && ids.has(e.target)));

  // Lists paged to their end, three at a time.
  const paged = [
    await pageToEnd(
      "entities",
      client,
      reference,
      EntityList,
      { first: PAGE_SIZE },
      "after",
      PAGE_SIZE,
      { first: max },
      (d) => d.entities,
    ),
    await pageToEnd(
      "agreements",
      client,
      reference,
      AgreementList,
      { first: SMALL_LIST_PAGE_SIZE },
      "after",
      SMALL_LIST_PAGE_SIZE,
      { first: max },
      (d) => d.agreements,
    ),
    await pageToEnd(
      "pakistan.relations",
      client,
      reference,
      EntityPage,
      { slug: "pakistan", relationsFirst: PAGE_SIZE },
      "relationsAfter",
      PAGE_SIZE,
      { slug: "pakistan", relationsFirst: max },
      (d) => {
        assert.ok(d.entity);
        return d.entity.claims;
      },
    ),
  ];
  results.push(await ask(reference, EntityList, { first: max }, "no-cache"));

  // Cache ids: one id per entity, whichever query brought it, and fragments on the interface
  // read back from the cache (possibleTypes at work).
  const bySlug = new Map<string, Set<string>>();
  for (const entity of entitiesIn(results)) {
    const id = client.cache.identify(entity);
    assert.ok(id, `${entity.slug} has a cache id`);
    assert.equal(id, `${entity.__typename}:${entity.id}`);
    bySlug.set(entity.slug, (bySlug.get(entity.slug) ?? new Set()).add(id));
  }
  const unstable = [...bySlug].filter(([, set]) => set.size !== 1).map(([slug]) => slug);
  assert.deepEqual(unstable, [], "every entity has one cache id across queries");
  let fragmentsRead = 0;
  for (const [slug, set] of bySlug) {
    const card = client.cache.readFragment({ id: [...set][0]!, fragment: EntityCard });
    assert.equal(card?.slug, slug, `the fragment on Entity reads ${slug} back from the cache`);
    fragmentsRead += 1;
  }
  const relationId = client.cache.identify(agreement.claims.edges[0]!.node);
  assert.equal(relationId, `Claim:${agreement.claims.edges[0]!.node.id}`);

  // Relay's refetch path: node(id:) gives back the same object under the same cache id.
  const again = (await ask(client, NodeById, { id: agreement.id })).node;
  assert.ok(again && again.__typename === "Agreement");
  assert.equal(again.slug, agreement.slug);
  assert.equal(client.cache.identify(again), client.cache.identify(agreement));

  console.log(
    JSON.stringify({
      server: base,
      maxPageSize: max,
      entityPage: {
        slug: agreement.slug,
        status: agreement.status,
        facts: agreement.claims.totalCount,
        spans: spans.length,
      },
      agreements: rows.length,
      searches,
      path: { from, to, length: found.length },
      neighbourhood: { nodes: elements.nodes.length, edges: elements.edges.length },
      paged,
      cache: { entities: bySlug.size, stableIds: unstable.length === 0, fragmentsRead, relationId },
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
