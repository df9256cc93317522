"""Cypher for candidates: a machine reading's proposals, stored apart from the facts.

A :Candidate node has no relationship to anything: its document and the entities it names are
slugs in its properties. That is what keeps a proposal out of every fact query by construction
(paths, neighbourhoods, claim lists, exports and current status all walk :Claim nodes and the
relationships between entities), rather than by a filter each of them must remember.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, LiteralString

from kgapi.db import Database, Tx

__all__ = [
    "CandidatePage",
    "candidate_page",
    "candidates_by_id",
    "lock_candidate",
    "mark_accepted",
    "mark_rejected",
    "stated_in_document",
    "store_candidates",
]


_STORE: LiteralString = """
UNWIND $rows AS row
MERGE (c:Candidate {id: row.id})
ON CREATE SET c += row.props, c.state = 'pending', c.proposed_at = datetime(),
  c.proposed_by = $actor, c._new = true
WITH c, c._new IS NOT NULL AS new
REMOVE c._new
RETURN count(CASE WHEN new THEN 1 END) AS created
"""


async def store_candidates(tx: Tx, rows: list[dict[str, Any]], actor: str) -> int:
    """Queue proposals; one already queued (the same reading of the same span) keeps its state
    and its review, so reading a document again never undoes a curator's work. Returns how
    many are new."""
    if not rows:
        return 0
    records = await tx.run(_STORE, {"rows": rows, "actor": actor})
    return int(records[0]["created"])


async def lock_candidate(tx: Tx, candidate_id: str) -> dict[str, Any] | None:
    """The candidate's properties under a write lock (two curators reviewing one candidate
    queue up here), or None when there is no such candidate."""
    records = await tx.run(
        "MATCH (c:Candidate {id: $id}) SET c._lock = true REMOVE c._lock "
        "RETURN properties(c) AS props",
        {"id": candidate_id},
    )
    return dict(records[0]["props"]) if records else None


async def mark_accepted(tx: Tx, candidate_id: str, actor: str, target: str) -> dict[str, Any]:
    records = await tx.run(
        "MATCH (c:Candidate {id: $id}) "
        "SET c.state = 'accepted', c.reviewed_by = $actor, c.reviewed_at = datetime(), "
        "c.result = $target RETURN properties(c) AS props",
        {"id": candidate_id, "actor": actor, "target": target},
    )
    return dict(records[0]["props"])


async def mark_rejected(tx: Tx, candidate_id: str, actor: str, reason: str) -> dict[str, Any]:
    records = await tx.run(
        "MATCH (c:Candidate {id: $id}) "
        "SET c.state = 'rejected', c.reviewed_by = $actor, c.reviewed_at = datetime(), "
        "c.reason = $reason RETURN properties(c) AS props",
        {"id": candidate_id, "actor": actor, "reason": reason},
    )
    return dict(records[0]["props"])


_FILTER: LiteralString = (
    "($document IS NULL OR c.document = $document) AND ($state IS NULL OR c.state = $state) "
    "AND ($type IS NULL OR c.type = $type)"
)


def _page(descending: bool) -> LiteralString:
    compare: LiteralString = "<" if descending else ">"
    order: LiteralString = "DESC" if descending else "ASC"
    return (
        "CALL () { MATCH (c:Candidate) WHERE " + _FILTER + " RETURN count(c) AS total } "
        "CALL () { MATCH (c:Candidate) WHERE "
        + _FILTER
        + " AND ($after IS NULL OR [c.document, c.id] "
        + compare
        + " $after) WITH c ORDER BY c.document "
        + order
        + ", c.id "
        + order
        + " LIMIT $limit RETURN collect(properties(c)) AS page } RETURN total, page"
    )


_PAGES = {descending: _page(descending) for descending in (False, True)}


@dataclass(frozen=True, slots=True)
class CandidatePage:
    rows: list[dict[str, Any]]  # up to limit + 1, in the direction read
    total: int


async def candidate_page(
    db: Database,
    *,
    document: str | None,
    state: str | None,
    type: str | None,
    after: list[str] | None,
    limit: int,
    descending: bool = False,
) -> CandidatePage:
    """Candidates by (document, id), keyset-paged both ways, with the total matching. A
    list compares element by element in Cypher, so `[document, id] > $after` is the keyset."""
    records = await db.read(
        _PAGES[descending],
        {
            "document": document,
            "state": state,
            "type": type,
            "after": after,
            "limit": limit + 1,
        },
    )
    return CandidatePage(list(records[0]["page"]), int(records[0]["total"]))


async def candidates_by_id(db: Database, ids: list[str]) -> dict[str, dict[str, Any]]:
    records = await db.read(
        "UNWIND $ids AS id MATCH (c:Candidate {id: id}) RETURN id, properties(c) AS props",
        {"ids": ids},
    )
    return {r["id"]: dict(r["props"]) for r in records}


async def stated_in_document(db: Database, document: str) -> set[tuple[str, str, str, int]]:
    """(predicate, subject, object, sentence index) of every non-retracted claim with evidence
    in the document: what a reading of it need not propose again."""
    records = await db.read(
        "MATCH (d:Document {slug: $slug})<-[:PART_OF]-(s:Sentence)<-[:SUPPORTED_BY]-(c:Claim) "
        "WHERE c.status <> 'retracted' "
        "RETURN DISTINCT c.predicate AS predicate, c.subject_slug AS subject, "
        "c.object_slug AS object, s.index AS sentence",
        {"slug": document},
    )
    return {(r["predicate"], r["subject"], r["object"], int(r["sentence"])) for r in records}
