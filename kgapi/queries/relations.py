"""Relations (one per claim) with their evidence; related entities; paths and neighbourhoods.

A relation is a Claim seen from an entity: predicate, status, qualifiers, both ends and every
evidence span, fetched together so that a GraphQL request never asks again per relation.
Traversals (shortest path, neighbourhood) walk the direct `(:Entity)-[:PREDICATE]->(:Entity)`
shortcuts, whose types come only from kgapi.model, then return the claims behind each hop.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, LiteralString

from kgapi import model
from kgapi.db import Database
from kgapi.queries import trusted
from kgapi.queries.entities import ENTITY_MAP, EntityRow, Params, entity_map

__all__ = [
    "CLAIM_MAP",
    "CLAIM_TIME",
    "MAX_NEIGHBORHOOD_HOPS",
    "MAX_PATH_HOPS",
    "ClaimFilter",
    "ClaimSort",
    "EvidenceRow",
    "RelationPage",
    "RelationRequest",
    "RelationRow",
    "aggregate_counts",
    "claim_aggregate",
    "claim_aggregate_expression",
    "claim_conditions",
    "claim_count",
    "claim_count_expression",
    "claim_list",
    "claim_list_page",
    "claim_scan",
    "claim_sort_value",
    "claims_by_id",
    "neighborhood",
    "neighborhood_body",
    "path_body",
    "related_entities",
    "relation_pages",
    "shortest_path",
]

MAX_PATH_HOPS = 10
MAX_NEIGHBORHOOD_HOPS = 3
MAX_NEIGHBORHOOD_NODES = 500

# The claim projection: `c` is the claim; subject, object and evidence come with it.
# A claim's time as stored by the writers (kgapi.current_status.claim_time), `{v}` the claim
# (a template of the planner's claim properties; CLAIM_MAP spells it out for `c`).
CLAIM_TIME: LiteralString = (
    "valid_from: {v}.valid_from, valid_to: {v}.valid_to, effective: {v}.effective, "
    "dated_by: {v}.dated_by, date_source: {v}.date_source"
)
CLAIM_MAP: LiteralString = (
    "{id: c.id, predicate: c.predicate, status: c.status, rank: c.rank, "
    "revision: coalesce(c.revision, 0), "
    "qualifiers_json: c.qualifiers_json, valid_from: c.valid_from, valid_to: c.valid_to, "
    "effective: c.effective, dated_by: c.dated_by, date_source: c.date_source, "
    "subject: [(c)-[:SUBJECT]->(subj) | subj " + entity_map("subj") + "][0], "
    "object: [(c)-[:OBJECT]->(obj) | obj " + entity_map("obj") + "][0], "
    "evidence: [(c)-[ev:SUPPORTED_BY]->(s:Sentence) | {document: s.document, "
    "sentence_index: s.index, start: ev.start, end: ev.end, quote: ev.quote, "
    "translation: ev.translation_en}]}"
)

_TRAVERSABLE: LiteralString = trusted("|".join(p.value for p in model.Predicate))


# The claims one `relations(type, direction)` request asks for, around entity `e`.
_REQUESTED_CLAIMS: LiteralString = (
    "OPTIONAL MATCH (c:Claim)-[role:SUBJECT|OBJECT]->(e) "
    "WHERE c.status <> 'retracted' AND (req.type IS NULL OR c.predicate = req.type) "
    "AND (req.direction = 'BOTH' OR (req.direction = 'OUT' AND type(role) = 'SUBJECT') "
    "OR (req.direction = 'IN' AND type(role) = 'OBJECT'))"
)


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    document: str
    sentence_index: int
    start: int
    end: int
    quote: str
    translation: str  # the validator requires one of every claim's evidence


@dataclass(frozen=True, slots=True)
class RelationRow:
    claim_id: str
    type: str
    status: str
    rank: str
    qualifiers: dict[str, Any]
    source: EntityRow
    target: EntityRow
    evidence: list[EvidenceRow]
    revision: int = 0
    valid_from: str | None = None
    valid_to: str | None = None
    effective: str | None = None
    dated_by: str | None = None  # the document its date comes from (else its first document)
    date_source: str | None = None

    @classmethod
    def from_map(cls, row: dict[str, Any]) -> RelationRow:
        evidence = sorted(
            (EvidenceRow(**ev) for ev in row["evidence"]),
            key=lambda ev: (ev.document, ev.start, ev.end),
        )
        return cls(
            claim_id=row["id"],
            type=row["predicate"],
            status=row["status"],
            rank=row.get("rank") or "normal",
            qualifiers=json.loads(row.get("qualifiers_json") or "{}"),
            source=EntityRow.from_map(row["subject"]),
            target=EntityRow.from_map(row["object"]),
            evidence=evidence,
            revision=int(row.get("revision") or 0),
            valid_from=row.get("valid_from"),
            valid_to=row.get("valid_to"),
            effective=row.get("effective"),
            dated_by=row.get("dated_by"),
            date_source=row.get("date_source"),
        )

    def time_map(self) -> dict[str, Any]:
        """What kgapi.current_status.ClaimTime reads, as the planner's claim maps give it."""
        return {
            "id": self.claim_id,
            "status": self.status,
            "rank": self.rank,
            "effective": self.effective,
            "valid_to": self.valid_to,
        }


@dataclass(frozen=True, slots=True)
class RelationPage:
    rows: list[RelationRow]
    has_next: bool
    total: int


@dataclass(frozen=True, slots=True)
class RelationRequest:
    """One `relations(...)` field of one entity; many are answered in one round trip."""

    slug: str
    type: str | None
    direction: str  # OUT, IN or BOTH
    first: int
    after: str | None  # claim id: the page starts strictly beyond it
    descending: bool = False  # read from the last claim id down (a backward page)

    def key(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "type": self.type,
            "direction": self.direction,
            "limit": self.first + 1,
            "after": self.after,
            "descending": self.descending,
        }


async def relation_pages(db: Database, requests: list[RelationRequest]) -> list[RelationPage]:
    """Pages of relations for many (entity, arguments) at once, ordered by claim id (keyset)."""
    records = await db.read(
        "UNWIND range(0, size($requests) - 1) AS i "
        "WITH i, $requests[i] AS req "
        "OPTIONAL MATCH (e:Entity {slug: req.slug}) "
        "CALL (e, req) { " + _REQUESTED_CLAIMS + " "
        "  WITH DISTINCT c WHERE c IS NOT NULL RETURN count(c) AS total } "
        "OPTIONAL CALL (e, req) { " + _REQUESTED_CLAIMS + " "
        "  AND (req.after IS NULL OR CASE WHEN req.descending THEN c.id < req.after "
        "    ELSE c.id > req.after END) "
        # One text for both directions (the requests of one trip may differ): a null sorts
        # last ascending and first descending, so each request's key is the one that varies.
        "  WITH DISTINCT req, c WHERE c IS NOT NULL "
        "  ORDER BY CASE WHEN req.descending THEN c.id END DESC, "
        "    CASE WHEN NOT req.descending THEN c.id END "
        "  WITH req, collect(c) AS claims "
        "  RETURN [c IN claims[..req.limit] | c " + CLAIM_MAP + "] AS page } "
        "RETURN i, total, coalesce(page, []) AS page ORDER BY i",
        {"requests": [r.key() for r in requests]},
    )
    pages = []
    for request, record in zip(requests, records, strict=True):
        rows = [RelationRow.from_map(item) for item in record["page"]]
        pages.append(
            RelationPage(rows[: request.first], len(rows) > request.first, int(record["total"]))
        )
    return pages


async def related_entities(
    db: Database, keys: list[tuple[str, str, str]]
) -> list[list[tuple[RelationRow, EntityRow]]]:
    """For each (slug, predicate, direction): the claims and the entities at their other end.

    Serves typed fields such as Agreement.parties or Corridor.route, batched across a page.
    """
    records = await db.read(
        """
        UNWIND range(0, size($keys) - 1) AS i
        WITH i, $keys[i] AS k
        CALL (k) {
          OPTIONAL MATCH (x:Entity {slug: k[0]})
          OPTIONAL MATCH (c:Claim {predicate: k[1]})-[role:SUBJECT|OBJECT]->(x)
          WHERE c.status <> 'retracted'
            AND ((k[2] = 'OUT' AND type(role) = 'SUBJECT')
                 OR (k[2] = 'IN' AND type(role) = 'OBJECT'))
          WITH c WHERE c IS NOT NULL
          ORDER BY c.id
          RETURN collect(c """
        + CLAIM_MAP
        + """) AS claims
        }
        RETURN i, claims ORDER BY i
        """,
        {"keys": [list(k) for k in keys]},
    )
    results: list[list[tuple[RelationRow, EntityRow]]] = []
    for (_, _, direction), record in zip(keys, records, strict=True):
        group = []
        for item in record["claims"]:
            row = RelationRow.from_map(item)
            group.append((row, row.target if direction == "OUT" else row.source))
        results.append(group)
    return results


def path_body(
    max_hops: int,
    claim_map: LiteralString = CLAIM_MAP,
    source: LiteralString = "$from",
    target: LiteralString = "$to",
) -> LiteralString:
    """Finds the path `p` from the entity whose slug is the parameter `source` to `target`
    and collects the claims behind its hops (projected by `claim_map` on `c`, with `m` and `o`
    its subject and object) as `claims`; the caller returns `nodes(p)` as it needs them. No
    path: no row."""
    # The hop bound cannot be a Cypher parameter; it comes from the caller's checked integer.
    bound = trusted(str(int(max_hops)))
    return (
        "MATCH (a:Entity {slug: " + source + "}), (b:Entity {slug: " + target + "}) "
        "MATCH p = shortestPath((a)-[:" + _TRAVERSABLE + "*.." + bound + "]-(b)) "
        "WITH p, relationships(p) AS rels "
        "UNWIND range(0, size(rels) - 1) AS hop "
        "WITH p, hop, rels[hop] AS r "
        "MATCH (c:Claim) WHERE c.id IN r.claim_ids AND c.status <> 'retracted' "
        "WITH p, hop, c, startNode(r) AS m, endNode(r) AS o ORDER BY hop, c.id "
        "WITH p, collect(c " + claim_map + ") AS claims"
    )


def _path_query(max_hops: int) -> LiteralString:
    return path_body(max_hops) + " RETURN [e IN nodes(p) | e " + ENTITY_MAP + "] AS nodes, claims"


_PATH_QUERIES: dict[int, LiteralString] = {n: _path_query(n) for n in range(1, MAX_PATH_HOPS + 1)}


async def shortest_path(
    db: Database, source: str, target: str, max_hops: int
) -> tuple[list[EntityRow], list[RelationRow]] | None:
    """The shortest chain of claims linking two entities (any direction), or None."""
    if source == target:
        rows = await db.read(
            "MATCH (e:Entity {slug: $slug}) RETURN e " + ENTITY_MAP + " AS row", {"slug": source}
        )
        return ([EntityRow.from_map(rows[0]["row"])], []) if rows else None
    records = await db.read(_PATH_QUERIES[max_hops], {"from": source, "to": target})
    if not records:
        return None
    nodes = [EntityRow.from_map(n) for n in records[0]["nodes"]]
    relations = [RelationRow.from_map(c) for c in records[0]["claims"]]
    return nodes, relations


def neighborhood_body(
    hops: int,
    types: Sequence[model.Predicate] | None,
    claim_map: LiteralString = CLAIM_MAP,
    slug: LiteralString = "$slug",
) -> LiteralString:
    """Collects the entities within `hops` of the entity whose slug is the parameter `slug`
    as `members` (the centre first) and the
    claims among them (projected by `claim_map` on `c`, with `m` and `o` its subject and
    object: a shortcut points from a claim's subject to its object) as `claims`, walking only
    the shortcut types in `types` (all when None). Unknown centre: no row.

    The types are spliced as relationship types (they are kgapi.model's predicates): a typed
    expansion is what lets Neo4j walk only those relationships, where a filter on `type(r)`
    would walk them all first."""
    if types is not None and not types:  # no type to walk: the centre alone
        return "MATCH (center:Entity {slug: " + slug + "}) WITH [center] AS members, [] AS claims"
    bound = trusted(str(int(hops)))
    walk: LiteralString = _TRAVERSABLE
    if types:
        walk = trusted("|".join(sorted({t.value for t in types})))
    return (
        "MATCH (center:Entity {slug: " + slug + "}) "
        "CALL (center) { "
        "  MATCH (center)-[:" + walk + "*1.." + bound + "]-(n:Entity) WHERE n <> center "
        "  RETURN DISTINCT n LIMIT $max_nodes "
        "} "
        "WITH center, collect(n) AS others "
        "WITH [center] + others AS members "
        "CALL (members) { "
        "  UNWIND members AS m "
        "  MATCH (m)-[r:" + walk + "]->(o) WHERE o IN members "
        "  UNWIND r.claim_ids AS claim_id "
        "  MATCH (c:Claim {id: claim_id}) WHERE c.status <> 'retracted' "
        "  WITH DISTINCT c, m, o "
        "  RETURN collect(c " + claim_map + ") AS claims "
        "} "
        "WITH members, claims"
    )


async def neighborhood(
    db: Database, slug: str, hops: int, types: list[model.Predicate] | None
) -> tuple[list[EntityRow], list[RelationRow]] | None:
    """Entities within `hops` of one entity and every claim among them, or None if unknown."""
    records = await db.read(
        neighborhood_body(hops, types)
        + " RETURN [e IN members | e "
        + ENTITY_MAP
        + "] AS nodes, claims",
        {"slug": slug, "max_nodes": MAX_NEIGHBORHOOD_NODES},
    )
    if not records:
        return None
    nodes = [EntityRow.from_map(n) for n in records[0]["nodes"]]
    relations = sorted(
        (RelationRow.from_map(c) for c in records[0]["claims"]), key=lambda r: r.claim_id
    )
    return nodes, relations


async def claims_by_id(db: Database, claim_ids: list[str]) -> list[RelationRow]:
    """Claims by id, retracted ones included (a client that wrote one may read it back)."""
    records = await db.read(
        "UNWIND $ids AS id MATCH (c:Claim {id: id}) RETURN c " + CLAIM_MAP + " AS row",
        {"ids": claim_ids},
    )
    return [RelationRow.from_map(r["row"]) for r in records]


# An entity's role in a claim, by direction.
_CLAIM_ROLES: dict[str, LiteralString] = {
    "OUT": "SUBJECT",
    "IN": "OBJECT",
    "BOTH": "SUBJECT|OBJECT",
}


def _entity_claims(
    claim: LiteralString, entity: LiteralString, direction: str, predicate: LiteralString
) -> LiteralString:
    """MATCH … WHERE of an entity's non-retracted claims (`predicate`: a parameter name, its
    value null for any)."""
    return (
        "MATCH (" + claim + ":Claim)-[:" + _CLAIM_ROLES[direction] + "]->(" + entity + ") "
        "WHERE "
        + claim
        + ".status <> 'retracted' AND ("
        + predicate
        + " IS NULL OR "
        + claim
        + ".predicate = "
        + predicate
        + ") "
    )


def claim_count_expression(
    entity: LiteralString, predicate: LiteralString, direction: str, status: LiteralString
) -> LiteralString:
    """COUNT of an entity's non-retracted claims; `predicate` and `status`: parameter names
    (a null parameter: any). Read from the entity's claims, never a collected list."""
    return (
        "COUNT { "
        + _entity_claims("qk", entity, direction, predicate)
        + "AND ("
        + status
        + " IS NULL OR qk.status = "
        + status
        + ") RETURN DISTINCT qk }"
    )


async def claim_count(
    db: Database, slug: str, predicate: str | None, direction: str, status: str | None
) -> int:
    records = await db.read(
        "MATCH (e:Entity {slug: $slug}) RETURN "
        + claim_count_expression("e", "$predicate", direction, "$status")
        + " AS count",
        {"slug": slug, "predicate": predicate, "status": status},
    )
    return int(records[0]["count"]) if records else 0


def claim_aggregate_expression(
    entity: LiteralString, predicate: LiteralString, direction: str
) -> LiteralString:
    """`[[status, predicate], …]` of an entity's non-retracted claims, each claim once
    (`predicate`: a parameter name, null for any); `aggregate_counts` turns it into counts. (An
    aggregation inside an expression subquery would group by the entity it is nested in, which
    Neo4j refuses; two short strings per claim are what is sent instead.)"""
    return (
        "COLLECT { "
        + _entity_claims("qa", entity, direction, predicate)
        + "WITH DISTINCT qa RETURN [qa.status, qa.predicate] }"
    )


_STATUS_INDEX = {status.value: index for index, status in enumerate(model.Status)}


def aggregate_counts(pairs: list[list[str]]) -> dict[str, Any]:
    """`{count, byStatus, byPredicate}` from claim_aggregate_expression's pairs: statuses in the
    model's order (strongest first), predicates by name."""
    by_status = Counter(pair[0] for pair in pairs)
    by_predicate = Counter(pair[1] for pair in pairs)
    return {
        "count": len(pairs),
        "byStatus": [
            {"key": k, "count": n}
            for k, n in sorted(by_status.items(), key=lambda kv: _STATUS_INDEX[kv[0]])
        ],
        "byPredicate": [{"key": k, "count": n} for k, n in sorted(by_predicate.items())],
    }


async def claim_aggregate(
    db: Database, slug: str, predicate: str | None, direction: str
) -> dict[str, Any]:
    records = await db.read(
        "MATCH (e:Entity {slug: $slug}) RETURN "
        + claim_aggregate_expression("e", "$predicate", direction)
        + " AS pairs",
        {"slug": slug, "predicate": predicate},
    )
    return aggregate_counts(list(records[0]["pairs"]) if records else [])


# -- claims as a first-class list --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClaimFilter:
    """Conditions on claims; all given ones must hold. Without `statuses`, retracted claims
    are left out, as everywhere else; asking for RETRACTED lists them."""

    predicates: list[str] | None = None
    statuses: list[str] | None = None
    subject: str | None = None  # slug
    object: str | None = None  # slug
    about: str | None = None  # slug of either end
    document: str | None = None  # slug of a document a span of its evidence is in
    ranks: list[str] | None = None
    as_of: str | None = None  # YYYY-MM-DD: claims that hold on it (kgapi.current_status)
    retracted: bool | None = None  # True: only retracted ones; False or None: none of them
    anchor: tuple[str, str] | None = None  # (slug, OUT|IN|BOTH): one entity's claims


def claim_conditions(
    params: Params, where: ClaimFilter | None, var: LiteralString = "c"
) -> list[LiteralString]:
    """The filter's conditions on claim `var` (its `anchor` aside: see claim_scan), shared by
    both read engines and by the root list and an entity's claims alike."""
    where = where or ClaimFilter()
    conditions: list[LiteralString] = []
    if where.statuses is not None:
        conditions.append(var + ".status IN " + params.add(where.statuses))
    elif where.retracted is not True:
        conditions.append(var + ".status <> 'retracted'")
    if where.retracted is True:
        conditions.append(var + ".status = 'retracted'")
    elif where.retracted is False and where.statuses is not None:
        conditions.append(var + ".status <> 'retracted'")
    if where.predicates is not None:
        conditions.append(var + ".predicate IN " + params.add(where.predicates))
    if where.ranks is not None:
        conditions.append(var + ".rank IN " + params.add(where.ranks))
    if where.as_of is not None:
        as_of = params.add(where.as_of)
        conditions.append(
            "(" + var + ".effective IS NULL OR " + var + ".effective <= " + as_of + ") "
            "AND (" + var + ".valid_to IS NULL OR " + as_of + " < " + var + ".valid_to)"
        )
    for slug, role in (
        (where.subject, "SUBJECT"),
        (where.object, "OBJECT"),
        (where.about, "SUBJECT|OBJECT"),
    ):
        if slug is not None:
            conditions.append(
                "EXISTS { ("
                + var
                + ")-[:"
                + trusted(role)
                + "]->(:Entity {slug: "
                + params.add(slug)
                + "}) }"
            )
    if where.document is not None:
        conditions.append(
            "EXISTS { ("
            + var
            + ")-[:SUPPORTED_BY]->(:Sentence)-[:PART_OF]->(:Document {slug: "
            + params.add(where.document)
            + "}) }"
        )
    return conditions


def claim_scan(params: Params, where: ClaimFilter | None) -> LiteralString:
    """`MATCH (c:Claim) WHERE ...`: the claims of the list, shared by both read engines
    (`params` collects the values, kgapi.queries.entities.Params). With an `anchor`, only the
    claims of that entity in that direction (an entity's `claims(where:)`)."""
    conditions = claim_conditions(params, where)
    if where is not None and where.anchor is not None:
        slug, direction = where.anchor
        return (
            "MATCH (c:Claim)-[:"
            + _CLAIM_ROLES[direction]
            + "]->(:Entity {slug: "
            + params.add(slug)
            + "}) WHERE "
            + " AND ".join(conditions)
            + " WITH DISTINCT c "
        )
    return "MATCH (c:Claim) WHERE " + " AND ".join(conditions) + " "


class ClaimSort(StrEnum):
    """What the claims list can be sorted by; ties (and ID itself) by claim id."""

    ID = "ID"
    EFFECTIVE_DATE = "EFFECTIVE_DATE"  # unknown dates sort before every known one


def claim_sort_value(sort: ClaimSort, var: LiteralString = "c") -> LiteralString:
    if sort is ClaimSort.EFFECTIVE_DATE:
        return "coalesce(" + var + ".effective, '')"
    return var + ".id"


def claim_list_page(
    params: Params,
    where: ClaimFilter | None,
    descending: bool,
    after: list[Any] | None,
    limit: int,
    sort: ClaimSort = ClaimSort.ID,
) -> LiteralString:
    """The clauses keeping one keyset page of the list as `c`, in `sort` order (descending
    when the list is read downward: a DESC list, or a backward page of an ASC one), strictly
    beyond the cursor key `after` ([id], or [sort value, id])."""
    compare: LiteralString = "<" if descending else ">"
    order: LiteralString = "DESC" if descending else "ASC"
    keyset: LiteralString = ""
    if after is not None and sort is ClaimSort.ID:
        keyset = "WITH c WHERE c.id " + compare + " " + params.add(after[0]) + " "
    elif after is not None:
        value, claim_id = params.add(after[0]), params.add(after[1])
        key = claim_sort_value(sort)
        keyset = (
            "WITH c WHERE "
            + key
            + " "
            + compare
            + " "
            + value
            + " OR ("
            + key
            + " = "
            + value
            + " AND c.id "
            + compare
            + " "
            + claim_id
            + ") "
        )
    terms: LiteralString = "c.id " + order
    if sort is not ClaimSort.ID:
        terms = claim_sort_value(sort) + " " + order + ", " + terms
    return (
        claim_scan(params, where)
        + keyset
        + "WITH c ORDER BY "
        + terms
        + " LIMIT "
        + params.add(limit)
        + " "
    )


async def claim_list(
    db: Database,
    where: ClaimFilter | None,
    descending: bool,
    after: list[Any] | None,
    first: int,
    sort: ClaimSort = ClaimSort.ID,
) -> tuple[RelationPage, list[list[str]]]:
    """One page of claims (first + 1 read, in the reading direction), the total, and the
    `[status, predicate]` pairs of every matching claim (for the aggregate)."""
    params = Params()
    page = claim_list_page(params, where, descending, after, first + 1, sort)
    scan = claim_scan(params, where)
    records = await db.read(
        "CALL () { " + scan + "RETURN count(c) AS total } "
        "CALL () { " + scan + "RETURN collect([c.status, c.predicate]) AS pairs } "
        "CALL () { " + page + "RETURN collect(c " + CLAIM_MAP + ") AS rows } "
        "RETURN total, pairs, rows",
        params.values,
    )
    record = records[0]
    rows = [RelationRow.from_map(item) for item in record["rows"]]
    found = RelationPage(rows[:first], len(rows) > first, int(record["total"]))
    return found, [list(pair) for pair in record["pairs"]]
