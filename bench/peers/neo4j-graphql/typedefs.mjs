// Type definitions for @neo4j/graphql 7 that mirror kgapi's graph model (kgapi/model.py and
// kgapi/queries/graph_writes.py), so that the peer reads the very nodes and relationships kgapi
// reads. Every entity kind is a type over the kind label next to :Entity (`@node(labels:)`);
// `Entity` reads every entity. Claims, their evidence (SUPPORTED_BY properties), sentences and
// documents are generated types. Where the library has no generated equivalent of a kgapi query
// (shortest path, traversal over the typed shortcuts, relation counts), a `@cypher` field holds
// the hand-written Cypher; BENCHMARKS.md lists those places.

// The kinds of kgapi.model.EntityKind, in its order (tests/bench checks the two agree).
export const KINDS = [
  "Country",
  "City",
  "Region",
  "Person",
  "Office",
  "Ministry",
  "Association",
  "Agreement",
  "Corridor",
  "Commodity",
  "Sector",
  "Capability",
  "Event",
  "Initiative",
  "Goal",
];

// The traversal shortcut types (kgapi.model.Predicate), for the @cypher traversals.
export const PREDICATES = [
  "HOLDS_OFFICE", "HEADS", "OFFICE_OF", "MINISTRY_OF", "ASSOCIATION_OF", "PARTY_TO", "AIMS_AT",
  "COMMITTED_TO", "EMPHASIZES", "COOPERATES_IN", "EXPORTS", "OFFERS", "WILL_CONTACT",
  "ROUTE_INCLUDES", "DEVELOPS", "FACILITATES_TRADE_WITH", "PLANS", "AGREED_TO_HOLD", "HELD_IN",
  "PARTICIPATED_IN", "VISITS", "EXPECTED_AT", "STRENGTHENS", "MAY_MEET_DEMAND_OF", "CONCERNS",
];
const TRAVERSABLE = PREDICATES.join("|");

const ENTITY_FIELDS = `
  slug: String!
  kind: String!
  name_en: String
  name_bn: String
  aliases: [String!]
  description: String
  revision: Int
  "Claims with this entity as subject (kgapi: relations(direction: OUT))."
  subjectOf: [Claim!]! @relationship(type: "SUBJECT", direction: IN)
  "Claims with this entity as object (kgapi: relations(direction: IN))."
  objectOf: [Claim!]! @relationship(type: "OBJECT", direction: IN)
  "Entities one traversal shortcut away, either direction (no generated equivalent: @cypher)."
  neighbours: [Entity!]!
    @cypher(
      statement: "MATCH (this)-[:${TRAVERSABLE}]-(n:Entity) RETURN DISTINCT n"
      columnName: "n"
    )
  "Claims about it that are not retracted (no generated equivalent: @cypher)."
  relationCount: Int!
    @cypher(
      statement: "RETURN COUNT { (this)<-[:SUBJECT|OBJECT]-(c:Claim) WHERE c.status <> 'retracted' } AS n"
      columnName: "n"
    )
`;

const kindTypes = KINDS.map(
  (kind) => `type ${kind} @node(labels: ["${kind}", "Entity"]) {${ENTITY_FIELDS}}`,
).join("\n\n");

export const typeDefs = /* GraphQL */ `
type Entity
  @node(labels: ["Entity"])
  @fulltext(
    indexes: [
      {
        indexName: "entity_search"
        queryName: "searchEntities"
        # The index (schema/constraints.cypher) also covers aliases; the library accepts only
        # String fields here, and uses the list only to validate: queries name the index.
        fields: ["name_en", "name_bn", "description"]
      }
    ]
  ) {${ENTITY_FIELDS}}

${kindTypes}

type Claim @node {
  id: String!
  predicate: String!
  status: String!
  rank: String
  qualifiers_json: String
  subject: [Entity!]! @relationship(type: "SUBJECT", direction: OUT)
  object: [Entity!]! @relationship(type: "OBJECT", direction: OUT)
  evidence: [Sentence!]! @relationship(type: "SUPPORTED_BY", direction: OUT, properties: "Evidence")
}

type Evidence @relationshipProperties {
  start: Int!
  end: Int!
  quote: String!
  translation_en: String
  document: String
  sentence_index: Int
}

type Sentence @node {
  key: String!
  index: Int!
  start: Int!
  end: Int!
  text: String!
  document: String!
  partOf: [Document!]! @relationship(type: "PART_OF", direction: OUT)
}

type Document @node {
  slug: String!
  title: String!
  title_en: String
  language: String!
  text: String
  url: String
  published: String
  sha256: String
  listed_only: Boolean
}

type Query {
  "The entities of the shortest chain of shortcuts between two entities (no generated equivalent: @cypher)."
  shortestPath(from: String!, to: String!): [Entity!]!
    @cypher(
      statement: """
      MATCH (a:Entity {slug: $from}), (b:Entity {slug: $to})
      MATCH p = shortestPath((a)-[:${TRAVERSABLE}*..6]-(b))
      UNWIND nodes(p) AS n
      RETURN n
      """
      columnName: "n"
    )
}
`;
