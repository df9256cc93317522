// The explorer's only way to the data: kgapi's public GraphQL API (POST /graphql), with
// variables (never string-built queries), exactly as any other client would use it.

const ENDPOINT = "/graphql";

/** A GraphQL error answer, with the API's extensions.code kept for the message. */
export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.name = "ApiError";
    this.code = code;
  }
}

const ENTITY_CARD = `
fragment EntityCard on Entity {
  slug
  kind
  en: name(lang: "en")
  bn: name(lang: "bn")
  description
  aliases
  ... on Agreement { status parties { slug name } }
}`;

// The view code names a claim's parts type/source/target; the API's words are
// predicate/subject/object (the old names are deprecated), so the queries alias them.
const RELATION_EDGE = `
fragment RelationEdge on Claim {
  claimId
  type: predicate
  status
  source: subject { slug }
  target: object { slug }
}`;

const SEARCH = `
query ExplorerSearch($text: String!, $first: Int!) {
  entitySearch(text: $text, first: $first) { edges { score node { ...EntityCard } } }
}
${ENTITY_CARD}`;

const ENTITY = `
query ExplorerEntity($slug: String!) { entity(slug: $slug) { ...EntityCard } }
${ENTITY_CARD}`;

const NEIGHBORHOOD = `
query ExplorerNeighborhood($slug: String!) {
  neighborhood(slug: $slug, hops: 1) {
    nodes { ...EntityCard }
    relations: claims { ...RelationEdge }
  }
}
${ENTITY_CARD}
${RELATION_EDGE}`;

const PATH = `
query ExplorerPath($from: String!, $to: String!) {
  shortestPath(from: $from, to: $to) {
    length
    nodes { ...EntityCard }
    relations: claims { ...RelationEdge }
  }
}
${ENTITY_CARD}
${RELATION_EDGE}`;

const CLAIM = `
query ExplorerClaim($id: String!) {
  claim(id: $id) {
    claimId
    type: predicate
    status
    qualifiers { key value }
    source: subject { slug kind name }
    target: object { slug kind name }
    evidence {
      quote
      translation
      sentenceIndex
      start
      end
      document { slug title titleEn language text }
    }
  }
}`;

/** POST one query; resolves to `data`, rejects with ApiError when the answer has errors. */
export async function gql(query, variables) {
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new ApiError(`the API did not answer (${error.message})`, "NETWORK");
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`the API answered ${response.status} without JSON`, "HTTP");
  }
  if (body.errors && body.errors.length > 0) {
    const first = body.errors[0];
    throw new ApiError(first.message, first.extensions?.code ?? "ERROR");
  }
  if (!response.ok || !body.data) {
    throw new ApiError(`the API answered ${response.status}`, "HTTP");
  }
  return body.data;
}

export async function searchEntities(text, first = 15) {
  // The view code takes hits as {score, entity}, as the list the API answered before.
  const { edges } = (await gql(SEARCH, { text, first })).entitySearch;
  return edges.map(({ score, node }) => ({ score, entity: node }));
}

export async function fetchEntity(slug) {
  return (await gql(ENTITY, { slug })).entity;
}

/** The entity and its 1-hop neighbourhood, or null when the slug is unknown. */
export async function fetchNeighborhood(slug) {
  return (await gql(NEIGHBORHOOD, { slug })).neighborhood;
}

/** The shortest chain of facts between two slugs, or null when none is found. */
export async function fetchPath(from, to) {
  return (await gql(PATH, { from, to })).shortestPath;
}

/** One claim with its evidence and the full text of each source document. */
export async function fetchClaim(id) {
  return (await gql(CLAIM, { id })).claim;
}
