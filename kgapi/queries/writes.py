"""Cypher of the write API, run inside one transaction per mutation (see kgapi.writes).

Locks are taken in a fixed order — the target node first, the change sequence last — so writers
never deadlock, and the sequence number of a change is assigned while its commit is still pending
and released only by that commit: the change feed can follow `seq` without ever missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, LiteralString

from kgapi.db import Database, Tx
from kgapi.queries.entities import ENTITY_MAP, EntityRow, store_claim_counts
from kgapi.queries.graph_writes import (
    MERGE_MENTIONS,
    UPSERT_CLAIMS,
    UPSERT_DOCUMENTS,
    UPSERT_ENTITIES,
    UPSERT_SENTENCES,
)

__all__ = [
    "CHANGE_MAP",
    "FeedBatch",
    "change_page",
    "claim_histories",
    "document_conflicts",
    "document_texts",
    "entity_claim_roles",
    "entity_kinds",
    "feed_after",
    "idempotency_lookup",
    "idempotency_lookups",
    "idempotency_save",
    "idempotency_saves",
    "latest_seq",
    "link_new_mentions",
    "lock_claim",
    "lock_claims",
    "lock_entities",
    "lock_entity",
    "name_rows",
    "record_change",
    "record_changes",
    "restore",
    "retract",
    "stored_texts",
    "write_rows",
]

CHANGE_MAP: LiteralString = (
    "{id: ev.id, seq: ev.seq, at: toString(ev.at), actor: ev.actor, operation: ev.operation, "
    "target_type: ev.target_type, target_id: ev.target_id, kinds: ev.kinds, "
    "predicates: ev.predicates, before_json: ev.before_json, after_json: ev.after_json}"
)

_ROW_STATEMENTS: dict[str, LiteralString] = {
    "documents": UPSERT_DOCUMENTS,
    "sentences": UPSERT_SENTENCES,
    "entities": UPSERT_ENTITIES,
    "mentions": MERGE_MENTIONS,
    "claims": UPSERT_CLAIMS,
}


async def idempotency_lookup(tx: Tx, scoped_key: str) -> dict[str, Any] | None:
    return (await idempotency_lookups(tx, [scoped_key])).get(scoped_key)


async def idempotency_lookups(tx: Tx, scoped_keys: list[str]) -> dict[str, dict[str, Any]]:
    """The stored first answers of the keys that have one (a bulk write asks for all at once)."""
    if not scoped_keys:
        return {}
    records = await tx.run(
        "UNWIND $keys AS key MATCH (r:IdempotencyRecord {scoped_key: key}) "
        "RETURN key, r.request_hash AS request_hash, r.result AS result, "
        "coalesce(r.changed, false) AS changed",
        {"keys": scoped_keys},
    )
    return {r["key"]: dict(r) for r in records}


async def idempotency_save(
    tx: Tx,
    scoped_key: str,
    actor: str,
    operation: str,
    request_hash: str,
    result: str,
    changed: bool,
) -> None:
    """Keep the first answer (its target and whether it changed anything) for replays."""
    await idempotency_saves(
        tx,
        [
            {
                "key": scoped_key,
                "actor": actor,
                "operation": operation,
                "hash": request_hash,
                "result": result,
                "changed": changed,
            }
        ],
    )


async def idempotency_saves(tx: Tx, rows: list[dict[str, Any]]) -> None:
    """Rows of key, actor, operation, hash, result and changed, as idempotency_save takes them."""
    if rows:
        await tx.run(
            "UNWIND $rows AS row "
            "CREATE (r:IdempotencyRecord {scoped_key: row.key, actor: row.actor, "
            "operation: row.operation, request_hash: row.hash, result: row.result, "
            "changed: row.changed, created_at: datetime()})",
            {"rows": rows},
        )


async def lock_entity(tx: Tx, slug: str) -> dict[str, Any] | None:
    """The entity's properties under a write lock, or None if it does not exist yet."""
    return (await lock_entities(tx, [slug])).get(slug)


async def lock_entities(tx: Tx, slugs: list[str]) -> dict[str, dict[str, Any]]:
    """The properties of those of `slugs` that exist, each under a write lock, taken in the
    order given: callers sort the slugs, so that two bulk writers never wait on each other in
    a circle."""
    if not slugs:
        return {}
    records = await tx.run(
        "UNWIND $slugs AS slug MATCH (e:Entity {slug: slug}) SET e._lock = true REMOVE e._lock "
        "RETURN slug, properties(e) AS props",
        {"slugs": slugs},
    )
    return {r["slug"]: dict(r["props"]) for r in records}


async def entity_claim_roles(tx: Tx, slugs: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The non-retracted claims each entity takes part in: id, predicate and its role."""
    if not slugs:
        return {}
    records = await tx.run(
        "UNWIND $slugs AS slug "
        "MATCH (c:Claim)-[r:SUBJECT|OBJECT]->(:Entity {slug: slug}) "
        "WHERE c.status <> 'retracted' "
        "RETURN slug, c.id AS id, c.predicate AS predicate, type(r) AS role ORDER BY slug, id",
        {"slugs": slugs},
    )
    roles: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        roles.setdefault(record["slug"], []).append(
            {"id": record["id"], "predicate": record["predicate"], "role": record["role"]}
        )
    return roles


async def lock_claim(tx: Tx, claim_id: str) -> dict[str, Any] | None:
    return (await lock_claims(tx, [claim_id])).get(claim_id)


async def lock_claims(tx: Tx, claim_ids: list[str]) -> dict[str, dict[str, Any]]:
    """As lock_entities, for claims by id."""
    if not claim_ids:
        return {}
    records = await tx.run(
        "UNWIND $ids AS id MATCH (c:Claim {id: id}) SET c._lock = true REMOVE c._lock "
        "RETURN id, properties(c) AS props",
        {"ids": claim_ids},
    )
    return {r["id"]: dict(r["props"]) for r in records}


async def write_rows(tx: Tx, rows: dict[str, list[dict[str, Any]]]) -> None:
    """The seed's own statements, so that the seed and the write API write alike."""
    for name, statement in _ROW_STATEMENTS.items():
        if rows.get(name):
            await tx.run(statement, {"rows": rows[name]})


_RETRACT: LiteralString = (
    """
    MATCH (c:Claim {id: $id})
    SET c.asserted_status = c.status, c.status = 'retracted', c.retracted_reason = $reason,
        c.retracted_at = datetime(), c.retracted_by = $actor,
        c.revision = coalesce(c.revision, 0) + 1
    WITH c
    CALL (c) {
      MATCH (c)-[:SUBJECT]->(s), (c)-[:OBJECT]->(o), (s)-[r]->(o)
      WHERE c.id IN coalesce(r.claim_ids, [])
      SET r.claim_ids = [x IN r.claim_ids WHERE x <> c.id]
      WITH r WHERE size(r.claim_ids) = 0
      DELETE r
    }
    CALL (c) {
      // its ends count one claim fewer (kgapi.queries.entities.store_claim_counts)
      MATCH (c)-[:SUBJECT|OBJECT]->(end:Entity)
    """
    + store_claim_counts("end")
    + """
    }
    RETURN properties(c) AS props
    """
)


_RESTORE: LiteralString = (
    """
    MATCH (c:Claim {id: $id}) WHERE c.status = 'retracted' AND c.asserted_status IS NOT NULL
    SET c.status = c.asserted_status, c.restored_reason = $reason, c.restored_at = datetime(),
        c.restored_by = $actor, c.revision = coalesce(c.revision, 0) + 1
    REMOVE c.asserted_status, c.retracted_reason, c.retracted_at, c.retracted_by
    WITH c
    CALL (c) {
      // back in the traversal shortcut (its type is the stored predicate, one of the model's)
      MATCH (c)-[:SUBJECT]->(s), (c)-[:OBJECT]->(o)
      MERGE (s)-[r:$(c.predicate)]->(o)
      SET r.claim_ids = [x IN coalesce(r.claim_ids, []) WHERE x <> c.id] + c.id
    }
    CALL (c) {
      MATCH (c)-[:SUBJECT|OBJECT]->(end:Entity)
    """
    + store_claim_counts("end")
    + """
    }
    RETURN properties(c) AS props
    """
)


async def restore(tx: Tx, claim_id: str, reason: str, actor: str) -> dict[str, Any] | None:
    """Undo a retraction: the status the claim asserted before it, its shortcut and counts.
    None when the claim was never asserted (stored retracted from the start)."""
    records = await tx.run(_RESTORE, {"id": claim_id, "reason": reason, "actor": actor})
    return dict(records[0]["props"]) if records else None


async def retract(tx: Tx, claim_id: str, reason: str, actor: str) -> dict[str, Any]:
    records = await tx.run(_RETRACT, {"id": claim_id, "reason": reason, "actor": actor})
    return dict(records[0]["props"])


async def record_change(tx: Tx, event: dict[str, Any]) -> int:
    """Append a change event (after the change itself, in the same transaction)."""
    return (await record_changes(tx, [event]))[0]


def _record_changes(target: LiteralString) -> LiteralString:
    """Events get consecutive seqs from one increment of the sequence, read after the SET that
    locks it (never before: a value read before the lock could be another writer's too). Each
    is linked to its target if it exists (CREATE: the event is new, so the link cannot be)."""
    return (
        """
        MERGE (s:Sequence {name: 'changes'}) ON CREATE SET s.value = 0
        SET s.value = s.value + size($events)
        WITH s.value - size($events) AS base
        UNWIND range(0, size($events) - 1) AS i
        WITH base + i + 1 AS seq, $events[i] AS e
        CREATE (ev:ChangeEvent {id: e.id, seq: seq, at: datetime(), actor: e.actor,
          operation: e.operation, target_type: e.target_type, target_id: e.target_id,
          kinds: e.kinds, predicates: e.predicates, before_json: e.before_json,
          after_json: e.after_json})
        WITH ev
        CALL (ev) {
          """
        + target
        + """
          CREATE (ev)-[:CHANGED]->(t)
        }
        RETURN ev.seq AS seq ORDER BY seq
        """
    )


_RECORD_CHANGES: dict[str, LiteralString] = {
    "Entity": _record_changes("MATCH (t:Entity {slug: ev.target_id})"),
    "Claim": _record_changes("MATCH (t:Claim {id: ev.target_id})"),
    "Document": _record_changes("MATCH (t:Document {slug: ev.target_id})"),
    "Candidate": _record_changes("MATCH (t:Candidate {id: ev.target_id})"),
}


async def record_changes(tx: Tx, events: list[dict[str, Any]]) -> list[int]:
    """Append change events about targets of one type, in one statement, each linked to its
    target; their seqs, in the order of `events`. Called after the changes, in their
    transaction (the sequence is the last lock but the graph revision)."""
    if not events:
        return []
    types = {event["target_type"] for event in events}
    if len(types) != 1:
        raise ValueError(f"record_changes takes events about one target type, not {types}")
    records = await tx.run(_RECORD_CHANGES[types.pop()], {"events": events})
    return [int(r["seq"]) for r in records]


async def document_conflicts(tx: Tx, slug: str, sha256: str) -> list[dict[str, Any]]:
    records = await tx.run(
        "MATCH (d:Document) WHERE d.slug = $slug OR d.sha256 = $sha "
        "RETURN d.slug AS slug, d.sha256 AS sha256",
        {"slug": slug, "sha": sha256},
    )
    return [dict(r) for r in records]


async def document_texts(db: Database, slugs: list[str]) -> dict[str, tuple[str, str | None]]:
    """Each stored document's text and publication date (evidence is checked against the
    text; a claim's effective date comes from the date)."""
    records = await db.read(
        "UNWIND $slugs AS slug MATCH (d:Document {slug: slug}) WHERE d.text IS NOT NULL "
        "RETURN d.slug AS slug, d.text AS text, d.published AS published",
        {"slugs": slugs},
    )
    return {r["slug"]: (r["text"], r["published"]) for r in records}


async def entity_kinds(db: Database, slugs: list[str]) -> dict[str, str]:
    """The kind of each of `slugs` that names an entity (the validator checks kinds)."""
    records = await db.read(
        "UNWIND $slugs AS slug MATCH (e:Entity {slug: slug}) RETURN e.slug AS slug, e.kind AS kind",
        {"slugs": slugs},
    )
    return {r["slug"]: r["kind"] for r in records}


async def link_new_mentions(tx: Tx, rows: list[dict[str, Any]]) -> int:
    """Link the mentions not linked yet (as MERGE_MENTIONS would), returning how many were
    new: linking again is a no-op that says so."""
    if not rows:
        return 0
    records = await tx.run(
        "UNWIND $rows AS row "
        "MATCH (s:Sentence {key: row.sentence_key}), (e:Entity {slug: row.entity}) "
        "WHERE NOT EXISTS { (s)-[:MENTIONS {start: row.start, end: row.end}]->(e) } "
        "CREATE (s)-[r:MENTIONS {start: row.start, end: row.end}]->(e) SET r.quote = row.quote "
        "RETURN count(r) AS created",
        {"rows": rows},
    )
    return int(records[0]["created"])


async def stored_texts(db: Database, slug: str | None) -> list[tuple[str, str]]:
    """(slug, text) of every document with a stored text (or of the one named), by slug."""
    records = await db.read(
        "MATCH (d:Document) WHERE d.text IS NOT NULL AND ($slug IS NULL OR d.slug = $slug) "
        "RETURN d.slug AS slug, d.text AS text ORDER BY slug",
        {"slug": slug},
    )
    return [(r["slug"], r["text"]) for r in records]


async def name_rows(db: Database) -> list[EntityRow]:
    """Every entity's names and aliases, for linking mentions in new documents."""
    records = await db.read("MATCH (e:Entity) RETURN e " + ENTITY_MAP + " AS row")
    return [EntityRow.from_map(r["row"]) for r in records]


def _change_page(descending: bool) -> LiteralString:
    compare: LiteralString = "<" if descending else ">"
    order: LiteralString = "DESC" if descending else "ASC"
    return (
        "CALL () { MATCH (ev:ChangeEvent) WHERE ($since IS NULL OR ev.at >= datetime($since)) "
        "  AND ($actor IS NULL OR ev.actor = $actor) RETURN count(ev) AS total } "
        "CALL () { MATCH (ev:ChangeEvent) WHERE ($since IS NULL OR ev.at >= datetime($since)) "
        "  AND ($actor IS NULL OR ev.actor = $actor) AND ($after IS NULL OR ev.seq "
        + compare
        + " $after) WITH ev ORDER BY ev.seq "
        + order
        + " LIMIT $limit RETURN collect(ev "
        + CHANGE_MAP
        + ") AS page } RETURN total, page"
    )


_CHANGE_PAGES = {descending: _change_page(descending) for descending in (False, True)}


async def change_page(
    db: Database,
    since: str | None,
    actor: str | None,
    after: int | None,
    first: int,
    descending: bool = False,
) -> tuple[list[dict[str, Any]], int]:
    """Change events in commit order (keyset on seq; `descending`: from the latest, for a
    backward page), with the total matching."""
    records = await db.read(
        _CHANGE_PAGES[descending],
        {"since": since, "actor": actor, "after": after, "limit": first + 1},
    )
    return list(records[0]["page"]), int(records[0]["total"])


@dataclass(frozen=True)
class FeedBatch:
    """Committed change events after a cursor, and the cursor to poll from next.

    `cursor` is a promise: every event with a seq at or below it is in `rows` (or in an earlier
    batch) or will never exist (it was deleted). The poller moves to `cursor`, never to the
    largest seq it happened to see, so it can never skip an event.
    """

    rows: list[dict[str, Any]]
    cursor: int


FEED_PAGE: LiteralString = (
    "OPTIONAL MATCH (s:Sequence {name: 'changes'}) "
    "WITH coalesce(s.value, 0) AS high "
    "CALL (high) { MATCH (ev:ChangeEvent) WHERE ev.seq > $after AND ev.seq <= high "
    "  WITH ev ORDER BY ev.seq LIMIT $limit RETURN collect(ev " + CHANGE_MAP + ") AS rows } "
    "RETURN high, rows"
)


async def feed_after(db: Database, after: int, limit: int) -> FeedBatch:
    """The change feed's one read: the committed counter first, then the events up to it.

    Why this is gap-free: record_change allocates seq n under the Sequence node's write lock,
    held until its transaction has committed and been applied, so seq n+1 is allocated only
    once event n is visible to every reader — seqs become visible in order. Reading the counter
    first (in the same statement, so on the same cluster member) gives a high-water mark
    `high`: every event below it is already visible. Event `high` itself may still be being
    applied (the counter's record can be visible a moment before the event's index entry), so
    when the read does not show it, the cursor stops at `high - 1` and the next poll asks again.
    A rolled-back transaction rolls its seq back too, so seqs are dense and nothing waits
    for a seq that will never come; a deleted event is simply passed over.
    """
    records = await db.read(FEED_PAGE, {"after": after, "limit": limit})
    high = int(records[0]["high"])
    rows = [dict(r) for r in records[0]["rows"]]
    if len(rows) == limit:
        return FeedBatch(rows, int(rows[-1]["seq"]))  # more may follow at once
    seen_high = bool(rows) and int(rows[-1]["seq"]) == high
    return FeedBatch(rows, max(after, high if seen_high else high - 1))


async def latest_seq(db: Database) -> int:
    records = await db.read(
        "OPTIONAL MATCH (s:Sequence {name: 'changes'}) RETURN coalesce(s.value, 0) AS value"
    )
    return int(records[0]["value"])


async def claim_histories(db: Database, claim_ids: list[str]) -> list[list[dict[str, Any]]]:
    records = await db.read(
        "UNWIND range(0, size($ids) - 1) AS i "
        "CALL (i) { OPTIONAL MATCH (ev:ChangeEvent)-[:CHANGED]->(:Claim {id: $ids[i]}) "
        "  WITH ev WHERE ev IS NOT NULL ORDER BY ev.seq "
        "  RETURN collect(ev " + CHANGE_MAP + ") AS events } "
        "RETURN i, events ORDER BY i",
        {"ids": claim_ids},
    )
    return [list(r["events"]) for r in records]
