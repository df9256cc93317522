"""The query mix Q1-Q9, written once for each system: kgapi, @neo4j/graphql and raw Cypher.

Each query asks every system for the same answer as far as each can give it; where the peer has
no generated equivalent the closest one is used and `peer_note` says what differs (BENCHMARKS.md
prints these notes). The raw Cypher is the floor: one hand-written query per request, sent with
the Python async driver, returning the same data kgapi returns (no HTTP, no GraphQL).

Every value reaches Cypher as a parameter. The only text spliced into Cypher are labels and
relationship types taken from kgapi.model's whitelist.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, LiteralString

from kgapi.model import EntityKind, Predicate, Status
from kgapi.queries import trusted
from kgapi.queries.search import EXACT_MATCH_BONUS, lucene_query

__all__ = ["QUERY_KEYS", "Query", "Setup", "peer_offset_cursor", "query_mix"]

TRAVERSABLE: LiteralString = trusted("|".join(p.value for p in Predicate))
PAGE = 20
FIRST = 10

# Plural root fields the peer generates for each kind type (its pluralisation, not ours).
PEER_PLURALS: dict[EntityKind, str] = {
    EntityKind.COUNTRY: "countries",
    EntityKind.CITY: "cities",
    EntityKind.REGION: "regions",
    EntityKind.PERSON: "people",
    EntityKind.OFFICE: "offices",
    EntityKind.MINISTRY: "ministries",
    EntityKind.ASSOCIATION: "associations",
    EntityKind.AGREEMENT: "agreements",
    EntityKind.CORRIDOR: "corridors",
    EntityKind.COMMODITY: "commodities",
    EntityKind.SECTOR: "sectors",
    EntityKind.CAPABILITY: "capabilities",
    EntityKind.EVENT: "events",
    EntityKind.INITIATIVE: "initiatives",
    EntityKind.GOAL: "goals",
}


@dataclass(frozen=True, slots=True)
class Setup:
    """Values the query mix needs beyond the probes, found once before timing starts: the
    cursors of the deep page in each system's own format."""

    kgapi_deep_cursor: str | None
    raw_deep_key: list[Any] | None  # (sort value, slug) of the item before the deep page
    peer_deep_cursor: str | None
    kgapi_q8_id: str | None = None  # the global id of Q8's agreement, as kgapi gives it


@dataclass(frozen=True)
class Query:
    key: str
    title: str
    kgapi: str
    peer: str
    raw: LiteralString
    kgapi_vars: dict[str, Any] = field(default_factory=dict)
    peer_vars: dict[str, Any] = field(default_factory=dict)
    raw_params: dict[str, Any] = field(default_factory=dict)
    peer_note: str = ""


def peer_offset_cursor(offset: int) -> str:
    """The peer's cursors are offsets (graphql-relay's `arrayconnection:N`, base64): the cursor
    of item N (0-based). A client would page its way there; we build it, which favours the peer."""
    return base64.b64encode(f"arrayconnection:{offset}".encode()).decode()


# -- Q1: one entity with its relations two levels deep and their evidence ----------------------

_KGAPI_Q1 = """
query Q1($slug: String!) {
  entity(slug: $slug) {
    slug kind name
    relations(direction: OUT, first: 10) {
      edges { node {
        claimId type status
        evidence { quote translation start end document { slug } }
        target {
          slug kind name
          relations(direction: OUT, first: 10) {
            edges { node {
              claimId type status
              evidence { quote translation start end document { slug } }
              target { slug name }
            } }
          }
        }
      } }
    }
  }
}
"""

_PEER_Q1 = """
query Q1($slug: String!) {
  entities(where: { slug: { eq: $slug } }) {
    slug kind name_en
    subjectOf(limit: 10, sort: [{ id: ASC }], where: { NOT: { status: { eq: "retracted" } } }) {
      id predicate status
      evidenceConnection { edges { properties { quote translation_en start end document } } }
      object {
        slug kind name_en
        subjectOf(limit: 10, sort: [{ id: ASC }], where: { NOT: { status: { eq: "retracted" } } }) {
          id predicate status
          evidenceConnection { edges { properties { quote translation_en start end document } } }
          object { slug name_en }
        }
      }
    }
  }
}
"""

_EVIDENCE: LiteralString = (
    "[(c)-[ev:SUPPORTED_BY]->(s:Sentence) | {document: s.document, quote: ev.quote, "
    "translation: ev.translation_en, start: ev.start, end: ev.end}]"
)
_RAW_Q1: LiteralString = (
    "MATCH (e:Entity {slug: $slug}) "
    "CALL (e) { "
    "  MATCH (c:Claim)-[:SUBJECT]->(e) WHERE c.status <> 'retracted' "
    "  WITH c ORDER BY c.id LIMIT $first "
    "  MATCH (c)-[:OBJECT]->(t:Entity) "
    "  CALL (t) { "
    "    MATCH (c:Claim)-[:SUBJECT]->(t) WHERE c.status <> 'retracted' "
    "    WITH c ORDER BY c.id LIMIT $first "
    "    MATCH (c)-[:OBJECT]->(t2:Entity) "
    "    RETURN collect({id: c.id, type: c.predicate, status: c.status, "
    "      evidence: " + _EVIDENCE + ", target: t2 {.slug, .name_en}}) AS inner "
    "  } "
    "  RETURN collect({id: c.id, type: c.predicate, status: c.status, "
    "    evidence: " + _EVIDENCE + ", "
    "    target: t {.slug, .kind, .name_en, relations: inner}}) AS relations "
    "} "
    "RETURN e {.slug, .kind, .name_en, relations: relations} AS entity"
)

# -- Q2: a filtered, sorted list: first page and a deep page -----------------------------------

_KGAPI_Q2 = """
query Q2($kinds: [EntityKind!], $after: String) {
  entities(where: { kindIn: $kinds }, orderBy: { field: NAME, direction: ASC },
           first: 20, after: $after) {
    edges { cursor node { slug kind name } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

_PEER_Q2 = """
query Q2($kinds: [String!], $after: String) {
  entitiesConnection(where: { kind: { in: $kinds } }, sort: [{ name_en: ASC }, { slug: ASC }],
                     first: 20, after: $after) {
    edges { cursor node { slug kind name_en } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# kgapi's NAME order (case-insensitive, slug as tie-break) with a keyset, as its cursors do,
# read as kgapi reads it: from the stored `sort_name` through its index, the keyset's first
# half as an index range (an empty string: no cursor), so the page stops at its end.
RAW_Q2_SORT: LiteralString = "e.sort_name"
_RAW_Q2: LiteralString = (
    "MATCH (e:Entity) WHERE e.kind IN $kinds AND e.sort_name >= coalesce($after_value, '') "
    "  AND e.slug IS NOT NULL "
    "WITH e, " + RAW_Q2_SORT + " AS sort_value "
    "WHERE $after_value IS NULL OR sort_value > $after_value "
    "  OR (sort_value = $after_value AND e.slug > $after_slug) "
    "WITH e, sort_value ORDER BY sort_value, e.slug LIMIT $limit "
    "RETURN e {.slug, .kind, .name_en} AS row, sort_value"
)

# -- Q3: full-text search ----------------------------------------------------------------------

_KGAPI_Q3 = """
query Q3($text: String!) {
  search(text: $text, first: 10) { score entity { slug kind name } }
}
"""

_PEER_Q3 = """
query Q3($phrase: String!) {
  searchEntities(phrase: $phrase, first: 10, sort: [{ score: DESC }]) {
    edges { score node { slug kind name_en } }
  }
}
"""

_RAW_Q3: LiteralString = (
    "CALL db.index.fulltext.queryNodes('entity_names_search', $query) YIELD node AS e, score "
    "WITH e, score + CASE WHEN toLower(e.name_en) = $exact OR toLower(e.name_bn) = $exact "
    "  OR any(a IN coalesce(e.aliases, []) WHERE toLower(a) = $exact) "
    "  THEN $exact_bonus ELSE 0 END AS score "
    "RETURN e {.slug, .kind, .name_en} AS row, score ORDER BY score DESC, e.slug LIMIT $first"
)

# -- Q4: shortest path -------------------------------------------------------------------------

_KGAPI_Q4 = """
query Q4($from: String!, $to: String!) {
  shortestPath(from: $from, to: $to) { length nodes { slug kind name } }
}
"""

_PEER_Q4 = """
query Q4($from: String!, $to: String!) {
  shortestPath(from: $from, to: $to) { slug kind name_en }
}
"""

_RAW_Q4: LiteralString = (
    "MATCH (a:Entity {slug: $from}), (b:Entity {slug: $to}) "
    "MATCH p = shortestPath((a)-[:" + TRAVERSABLE + "*..6]-(b)) "
    "RETURN [n IN nodes(p) | n {.slug, .kind, .name_en}] AS nodes, length(p) AS length"
)

# -- Q5: a two-hop neighbourhood ---------------------------------------------------------------

_KGAPI_Q5 = """
query Q5($slug: String!) {
  neighborhood(slug: $slug, hops: 2) {
    nodes { slug kind name }
    relations { type status source { slug } target { slug } }
  }
}
"""

_PEER_Q5 = """
query Q5($slug: String!) {
  entities(where: { slug: { eq: $slug } }) {
    slug kind name_en
    neighbours { slug kind name_en neighbours { slug kind name_en } }
  }
}
"""

_RAW_Q5: LiteralString = (
    "MATCH (center:Entity {slug: $slug}) "
    "CALL (center) { "
    "  MATCH (center)-[:" + TRAVERSABLE + "*1..2]-(n:Entity) "
    "  RETURN collect(DISTINCT n) AS others "
    "} "
    "WITH [center] + [n IN others WHERE n <> center] AS members "
    "CALL (members) { "
    "  UNWIND members AS m "
    "  MATCH (m)-[r:" + TRAVERSABLE + "]->(o) WHERE o IN members "
    "  UNWIND r.claim_ids AS claim_id "
    "  MATCH (c:Claim {id: claim_id}) WHERE c.status <> 'retracted' "
    "  RETURN collect({type: c.predicate, status: c.status, source: m.slug, target: o.slug}) "
    "    AS relations "
    "} "
    "RETURN [m IN members | m {.slug, .kind, .name_en}] AS nodes, relations"
)

# -- Q6: counts per kind (totalCount only), and a sort by relation count ----------------------

_KGAPI_Q6A = (
    "query Q6a {\n"
    + "\n".join(
        f"  {k.name.lower()}: entities(kind: {k.name}, first: 0) {{ totalCount }}"
        for k in EntityKind
    )
    + "\n}\n"
)

_PEER_Q6A = (
    "query Q6a {\n"
    + "\n".join(
        f"  {k.name.lower()}: {PEER_PLURALS[k]}Connection {{ totalCount }}" for k in EntityKind
    )
    + "\n}\n"
)

# The floor: Neo4j's count store answers a count per label without touching a node.
_RAW_Q6A: LiteralString = (
    " ".join(
        "CALL () { MATCH (n:" + trusted(k.value) + ") RETURN count(n) AS " + trusted(k.name) + " }"
        for k in EntityKind
    )
    + " RETURN "
    + ", ".join(trusted(k.name) for k in EntityKind)
)

_KGAPI_Q6B = """
query Q6b {
  entities(orderBy: { field: RELATION_COUNT, direction: DESC }, first: 10) {
    edges { node { slug kind name } }
  }
}
"""

_PEER_Q6B = """
query Q6b {
  entities(sort: [{ relationCount: DESC }, { slug: DESC }], limit: 10) { slug kind name_en }
}
"""

# The stored count (kept by every write, see kgapi.queries.entities) through its index.
_RAW_Q6B: LiteralString = (
    "MATCH (e:Entity) WHERE e.claim_count IS NOT NULL AND e.slug IS NOT NULL "
    "WITH e, e.claim_count AS n ORDER BY n DESC, e.slug DESC LIMIT 10 "
    "RETURN e {.slug, .kind, .name_en} AS row, n"
)

# -- Q7-Q9: what a UI writes first -------------------------------------------------------------
# A typed kind list with the kind's own fields and its claims with evidence (Q7), a detail page
# reached by global id (Q8), and a list filtered on a kind field (Q9), on agreements: the kind
# with the most kind fields (status, parties) and, from the generator, dozens to thousands of
# rows at every size. kgapi's documents use no fragment on the lists: the list is typed.
# The peer has no kind fields: `status` and `parties` come from the claims they are derived
# from (PARTY_TO as object, EXPECTED_AT as subject), through its generated relationship fields
# and filters, and the client picks the strongest status and drops repeated parties. Nor has it
# a list of claims in both directions: subjectOf and objectOf are asked for separately (each
# with the page size) and the client merges them by claim id.

KIND_FIRST = 10
KIND_RELATIONS = 5
DETAIL_RELATIONS = 10
# Agreement.status: the first of these its claims reach (kgapi.model.Status's order).
STATUS_ORDER = [s.value for s in Status if s is not Status.RETRACTED]

_KGAPI_Q7 = """
query Q7 {
  agreements(first: 10) {
    edges { node {
      slug name status
      parties { slug name }
      relations(first: 5) { edges { node { type status evidence { quote } } } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

_NOT_RETRACTED = 'NOT: { status: { eq: "retracted" } }'
_PEER_STATUS_AND_PARTIES = (
    'parties: objectOf(where: { predicate: { eq: "PARTY_TO" }, ' + _NOT_RETRACTED + " }, "
    "sort: [{ id: ASC }]) { status subject { slug name_en } }\n"
    '      expected: subjectOf(where: { predicate: { eq: "EXPECTED_AT" }, '
    + _NOT_RETRACTED
    + " }) { status }"
)

_PEER_Q7 = (
    """
query Q7 {
  agreementsConnection(first: 10, sort: [{ slug: ASC }]) {
    edges { node {
      slug name_en
      """
    + _PEER_STATUS_AND_PARTIES
    + """
      out: subjectOf(limit: 5, sort: [{ id: ASC }], where: { """
    + _NOT_RETRACTED
    + """ }) {
        id predicate status evidenceConnection { edges { properties { quote } } }
      }
      in: objectOf(limit: 5, sort: [{ id: ASC }], where: { """
    + _NOT_RETRACTED
    + """ }) {
        id predicate status evidenceConnection { edges { properties { quote } } }
      }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
)

# The kind fields, as kgapi derives them: the strongest status of the PARTY_TO (in) and
# EXPECTED_AT (out) claims, and the distinct countries of the PARTY_TO claims by first claim id.
# A CALL per entity (Neo4j refuses an aggregation inside a COLLECT {} of a map projection).
_RAW_KIND_CALL: LiteralString = (
    "CALL (e) { "
    "  OPTIONAL MATCH (c:Claim)-[:OBJECT]->(e) "
    "    WHERE c.predicate = 'PARTY_TO' AND c.status <> 'retracted' "
    "  OPTIONAL MATCH (c)-[:SUBJECT]->(p:Country) "
    "  WITH p, min(c.id) AS first ORDER BY first "
    "  RETURN collect(p {.slug, .name_en}) AS parties "
    "} "
)
_RAW_KIND_FIELDS: LiteralString = (
    "status: head([s IN $status_order WHERE s IN "
    "  COLLECT { MATCH (c:Claim)-[:OBJECT]->(e) "
    "    WHERE c.predicate = 'PARTY_TO' AND c.status <> 'retracted' RETURN c.status } + "
    "  COLLECT { MATCH (c:Claim)-[:SUBJECT]->(e) "
    "    WHERE c.predicate = 'EXPECTED_AT' AND c.status <> 'retracted' RETURN c.status }]), "
    "parties: parties"
)

_RAW_Q7: LiteralString = (
    "MATCH (e:Agreement) WITH e ORDER BY e.slug LIMIT $limit "
    + _RAW_KIND_CALL
    + "RETURN e {.slug, .name_en, "
    + _RAW_KIND_FIELDS
    + ", "
    "  relations: COLLECT { MATCH (c:Claim)-[:SUBJECT|OBJECT]->(e) WHERE c.status <> 'retracted' "
    "    WITH DISTINCT c ORDER BY c.id LIMIT $relations "
    "    RETURN {id: c.id, type: c.predicate, status: c.status, "
    "      evidence: [(c)-[ev:SUPPORTED_BY]->(:Sentence) | {quote: ev.quote}]} }"
    "} AS row"
)

_KGAPI_Q8 = """
query Q8($id: ID!) {
  node(id: $id) {
    ... on Agreement {
      slug name description status
      parties { slug name }
      relations(first: 10) {
        totalCount
        edges { node {
          type status
          source { slug name }
          target { slug name }
          evidence { quote translation document { title } }
        } }
      }
    }
  }
}
"""

_PEER_CLAIM_DETAIL = """
        id predicate status
        subject { slug name_en }
        object { slug name_en }
        evidenceConnection { edges {
          properties { quote translation_en }
          node { partOf { title } }
        } }"""

_PEER_Q8 = (
    """
query Q8($slug: String!) {
  agreements(where: { slug: { eq: $slug } }) {
    slug name_en description
    """
    + _PEER_STATUS_AND_PARTIES
    + """
    out: subjectOf(limit: 10, sort: [{ id: ASC }], where: { """
    + _NOT_RETRACTED
    + " }) {"
    + _PEER_CLAIM_DETAIL
    + """
    }
    in: objectOf(limit: 10, sort: [{ id: ASC }], where: { """
    + _NOT_RETRACTED
    + " }) {"
    + _PEER_CLAIM_DETAIL
    + """
    }
    outCount: subjectOfConnection(where: { node: { """
    + _NOT_RETRACTED
    + """ } }) { totalCount }
    inCount: objectOfConnection(where: { node: { """
    + _NOT_RETRACTED
    + """ } }) { totalCount }
  }
}
"""
)

_RAW_Q8: LiteralString = (
    "MATCH (e:Entity {slug: $slug}) "
    + _RAW_KIND_CALL
    + "RETURN e {.slug, .name_en, .description, "
    + _RAW_KIND_FIELDS
    + ", "
    "  total: COUNT { MATCH (c:Claim)-[:SUBJECT|OBJECT]->(e) WHERE c.status <> 'retracted' "
    "    RETURN DISTINCT c }, "
    "  relations: COLLECT { MATCH (c:Claim)-[:SUBJECT|OBJECT]->(e) WHERE c.status <> 'retracted' "
    "    WITH DISTINCT c ORDER BY c.id LIMIT $relations "
    "    RETURN {id: c.id, type: c.predicate, status: c.status, "
    "      source: [(c)-[:SUBJECT]->(s:Entity) | s {.slug, .name_en}][0], "
    "      target: [(c)-[:OBJECT]->(t:Entity) | t {.slug, .name_en}][0], "
    "      evidence: [(c)-[ev:SUPPORTED_BY]->(s:Sentence) | {quote: ev.quote, "
    "        translation: ev.translation_en, "
    "        document: COLLECT { MATCH (d:Document {slug: s.document}) RETURN d.title }[0]}]} }"
    "} AS entity"
)

_KGAPI_Q9 = """
query Q9($country: String!) {
  agreements(where: { parties: { includes: $country } }, first: 10) {
    edges { node { slug name status parties { slug name } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

_PEER_Q9 = (
    """
query Q9($country: String!) {
  agreementsConnection(
    where: { objectOf: { some: {
      predicate: { eq: "PARTY_TO" }, """
    + _NOT_RETRACTED
    + """, subject: { some: { slug: { eq: $country } } }
    } } }
    first: 10, sort: [{ slug: ASC }]
  ) {
    edges { node {
      slug name_en
      """
    + _PEER_STATUS_AND_PARTIES
    + """
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
)

# From the country over its PARTY_TO claims (the shortcuts carry no status, the claims do).
_RAW_Q9: LiteralString = (
    "MATCH (:Country {slug: $country})<-[:SUBJECT]-(pc:Claim)-[:OBJECT]->(e:Agreement) "
    "WHERE pc.predicate = 'PARTY_TO' AND pc.status <> 'retracted' "
    "WITH DISTINCT e ORDER BY e.slug LIMIT $limit "
    + _RAW_KIND_CALL
    + "RETURN e {.slug, .name_en, "
    + _RAW_KIND_FIELDS
    + "} AS row"
)

QUERY_KEYS = ("Q1", "Q2a", "Q2b", "Q3", "Q4", "Q5", "Q6a", "Q6b", "Q7", "Q8", "Q9")


_PEER_KIND_NOTE = (
    "no kind fields: status and parties from the PARTY_TO/EXPECTED_AT claims through generated "
    "relationship fields, the strongest status and distinct parties picked by the client"
)


def query_mix(probes: dict[str, Any], setup: Setup) -> list[Query]:
    """The query mix for one graph, with the variables its probes and setup give."""
    kinds = probes["q2_kinds"]
    kind_labels = [EntityKind[k].value for k in kinds]
    text = probes["q3_text"]
    exact = " ".join(text.split()).lower()
    deep_value, deep_slug = setup.raw_deep_key or (None, None)
    return [
        Query(
            "Q1",
            "entity, relations 2 levels deep, evidence",
            _KGAPI_Q1,
            _PEER_Q1,
            _RAW_Q1,
            {"slug": probes["q1_slug"]},
            {"slug": probes["q1_slug"]},
            {"slug": probes["q1_slug"], "first": FIRST},
            "generated: subjectOf(limit, sort, where) nested twice; evidence from the "
            "relationship properties (the document as a slug, not an object)",
        ),
        Query(
            "Q2a",
            "filtered, sorted list: first page",
            _KGAPI_Q2,
            _PEER_Q2,
            _RAW_Q2,
            {"kinds": kinds, "after": None},
            {"kinds": kind_labels, "after": None},
            {"kinds": kind_labels, "after_value": None, "after_slug": None, "limit": PAGE + 1},
            "generated: entitiesConnection(where, sort, first); sorts name_en case-sensitively "
            "(kgapi sorts case-insensitively)",
        ),
        Query(
            "Q2b",
            f"same list, deep page (after item {probes['q2_deep_offset']:,})",
            _KGAPI_Q2,
            _PEER_Q2,
            _RAW_Q2,
            {"kinds": kinds, "after": setup.kgapi_deep_cursor},
            {"kinds": kind_labels, "after": setup.peer_deep_cursor},
            {
                "kinds": kind_labels,
                "after_value": deep_value,
                "after_slug": deep_slug,
                "limit": PAGE + 1,
            },
            "generated; its cursors are offsets (SKIP), kgapi's and raw's are keysets",
        ),
        Query(
            "Q3",
            "full-text search (Bengali word, prefix too)",
            _KGAPI_Q3,
            _PEER_Q3,
            _RAW_Q3,
            {"text": text},
            {"phrase": lucene_query(text)},
            {
                "query": lucene_query(text),
                "exact": exact,
                "exact_bonus": EXACT_MATCH_BONUS,
                "first": FIRST,
            },
            "generated by @fulltext; sent the same Lucene query kgapi builds from the text "
            "(the peer passes its phrase to Lucene as it is)",
        ),
        Query(
            "Q4",
            f"shortest path ({probes['q4_hops']} hops)",
            _KGAPI_Q4,
            _PEER_Q4,
            _RAW_Q4,
            {"from": probes["q4_from"], "to": probes["q4_to"]},
            {"from": probes["q4_from"], "to": probes["q4_to"]},
            {"from": probes["q4_from"], "to": probes["q4_to"]},
            "no generated equivalent: a @cypher root field with hand-written shortestPath "
            "Cypher (nodes only; kgapi's query also fetches the claims of each hop)",
        ),
        Query(
            "Q5",
            f"2-hop neighbourhood ({probes['q5_nodes']} nodes)",
            _KGAPI_Q5,
            _PEER_Q5,
            _RAW_Q5,
            {"slug": probes["q5_slug"]},
            {"slug": probes["q5_slug"]},
            {"slug": probes["q5_slug"]},
            "no generated traversal over the typed shortcuts: a @cypher `neighbours` field "
            "nested twice (a tree with repeats, no relations among the nodes)",
        ),
        Query(
            "Q6a",
            "counts per kind (totalCount only, 15 kinds)",
            _KGAPI_Q6A,
            _PEER_Q6A,
            _RAW_Q6A,
            peer_note="generated: <kinds>Connection { totalCount } for each of the 15 kinds",
        ),
        Query(
            "Q6b",
            "top 10 by relation count",
            _KGAPI_Q6B,
            _PEER_Q6B,
            _RAW_Q6B,
            peer_note="no generated sort by relation count (neo4j/graphql#1156): sort on a "
            "@cypher `relationCount` field with hand-written COUNT Cypher",
        ),
        Query(
            "Q7",
            f"typed kind list: {KIND_FIRST} agreements, kind fields, claims with evidence",
            _KGAPI_Q7,
            _PEER_Q7,
            _RAW_Q7,
            raw_params={
                "limit": KIND_FIRST + 1,
                "relations": KIND_RELATIONS,
                "status_order": STATUS_ORDER,
            },
            peer_note=_PEER_KIND_NOTE
            + "; claims in both directions as subjectOf and objectOf, 5 of each, merged by id",
        ),
        Query(
            "Q8",
            f"detail page through node(id:) ({probes['q8_relations']} claims)",
            _KGAPI_Q8,
            _PEER_Q8,
            _RAW_Q8,
            {"id": setup.kgapi_q8_id},
            {"slug": probes["q8_slug"]},
            {
                "slug": probes["q8_slug"],
                "relations": DETAIL_RELATIONS,
                "status_order": STATUS_ORDER,
            },
            "no node(id:) without @relayId: agreements(where: {slug}); "
            + _PEER_KIND_NOTE
            + "; 10 subjectOf and 10 objectOf merged by id, totalCount as the sum of "
            "two <field>Connection counts; the document title through the sentence's partOf",
        ),
        Query(
            "Q9",
            f"per-kind where on a kind field: agreements with a party "
            f"({probes['q9_agreements']} match)",
            _KGAPI_Q9,
            _PEER_Q9,
            _RAW_Q9,
            {"country": probes["q9_country"]},
            {"country": probes["q9_country"]},
            {
                "country": probes["q9_country"],
                "limit": KIND_FIRST + 1,
                "status_order": STATUS_ORDER,
            },
            "generated relationship filter: objectOf: {some: {predicate, status, subject: "
            "{some: {slug}}}}; " + _PEER_KIND_NOTE,
        ),
    ]
