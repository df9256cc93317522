"""Cypher of merging two entities that are one, and of deleting an entity no claim names.

Run inside the caller's transaction (kgapi.entity_lifecycle), after both entities are locked.
Relationship types come from the model (the traversal shortcuts) or are fixed words.
"""

from __future__ import annotations

from typing import Any, LiteralString

from kgapi import model
from kgapi.db import Tx
from kgapi.queries import trusted
from kgapi.queries.entities import store_claim_counts

__all__ = ["delete_entity", "entity_references", "merge_entity"]

_SHORTCUTS: LiteralString = trusted("|".join(p.value for p in model.Predicate))

# Each step of a merge, in order, with $keep and $merge the two slugs (and $actor, $reason).
_MERGE_STEPS: tuple[LiteralString, ...] = (
    # The claims of the merged entity now name the kept one (their ids stay: ids are keys).
    "MATCH (m:Entity {slug: $merge}), (k:Entity {slug: $keep}) "
    "MATCH (c:Claim)-[r:SUBJECT]->(m) CREATE (c)-[:SUBJECT]->(k) DELETE r "
    "SET c.subject_slug = $keep, c.revision = coalesce(c.revision, 0) + 1",
    "MATCH (m:Entity {slug: $merge}), (k:Entity {slug: $keep}) "
    "MATCH (c:Claim)-[r:OBJECT]->(m) CREATE (c)-[:OBJECT]->(k) DELETE r "
    "SET c.object_slug = $keep, c.revision = coalesce(c.revision, 0) + 1",
    # A claim between the two would relate the kept entity to itself: it is retracted, kept.
    "MATCH (c:Claim)-[:SUBJECT]->(k:Entity {slug: $keep})<-[:OBJECT]-(c) "
    "WHERE c.status <> 'retracted' "
    "SET c.asserted_status = c.status, c.status = 'retracted', c.retracted_at = datetime(), "
    "c.retracted_by = $actor, c.retracted_reason = 'merged: ' + $reason",
    # The traversal shortcuts of the merged entity go; its claims' are drawn again.
    "MATCH (m:Entity {slug: $merge})-[r:" + _SHORTCUTS + "]-() DELETE r",
    "MATCH (c:Claim)-[:SUBJECT|OBJECT]->(k:Entity {slug: $keep}) "
    "WHERE c.id IN $moved AND c.status <> 'retracted' "
    "MATCH (c)-[:SUBJECT]->(s), (c)-[:OBJECT]->(o) "
    "MERGE (s)-[r:$(c.predicate)]->(o) "
    "SET r.claim_ids = [x IN coalesce(r.claim_ids, []) WHERE x <> c.id] + c.id",
    # Where documents name it, they name the kept one; its editor links and history follow.
    "MATCH (m:Entity {slug: $merge}), (k:Entity {slug: $keep}) "
    "MATCH (s:Sentence)-[r:MENTIONS]->(m) "
    "MERGE (s)-[n:MENTIONS {start: r.start, end: r.end}]->(k) ON CREATE SET n.quote = r.quote "
    "DELETE r",
    "MATCH (m:Entity {slug: $merge}), (k:Entity {slug: $keep}) "
    "MATCH (d:Document)-[r:EDITED_BY]->(m) "
    "MERGE (d)-[n:EDITED_BY]->(k) ON CREATE SET n += properties(r) DELETE r",
    "MATCH (m:Entity {slug: $merge}), (k:Entity {slug: $keep}) "
    "MATCH (ev:ChangeEvent)-[r:CHANGED]->(m) MERGE (ev)-[:CHANGED]->(k) DELETE r",
    # The merged slug resolves to the kept entity from now on (and so do slugs merged into it).
    "MATCH (x:EntityRedirect {target: $merge}) SET x.target = $keep",
    "MERGE (x:EntityRedirect {slug: $merge}) "
    "SET x.target = $keep, x.at = datetime(), x.by = $actor, x.reason = $reason",
    "MATCH (m:Entity {slug: $merge}) DETACH DELETE m",
    # Claim counts of the kept entity and of every other end of a moved claim.
    "MATCH (c:Claim)-[:SUBJECT|OBJECT]->(end:Entity) WHERE c.id IN $moved "
    + store_claim_counts("end"),
)


async def entity_references(tx: Tx, slug: str) -> dict[str, Any]:
    """What names an entity: its claims (any status, by id) and the documents it edited."""
    records = await tx.run(
        "MATCH (e:Entity {slug: $slug}) "
        "RETURN COLLECT { MATCH (c:Claim)-[:SUBJECT|OBJECT]->(e) RETURN c.id ORDER BY c.id } "
        "AS claims, COLLECT { MATCH (d:Document)-[:EDITED_BY]->(e) RETURN d.slug } AS edited, "
        "COLLECT { MATCH (c:Claim)-[:SUBJECT|OBJECT]->(e) WHERE c.seeded RETURN c.id } "
        "AS seeded",
        {"slug": slug},
    )
    return dict(records[0]) if records else {"claims": [], "edited": [], "seeded": []}


async def merge_entity(
    tx: Tx, keep: str, merge: str, moved: list[str], actor: str, reason: str
) -> None:
    """Fold `merge` into `keep` (both locked, both of one kind): see _MERGE_STEPS."""
    params = {"keep": keep, "merge": merge, "moved": moved, "actor": actor, "reason": reason}
    for step in _MERGE_STEPS:
        await tx.run(step, params)


async def delete_entity(tx: Tx, slug: str) -> None:
    """Delete an entity no claim names, with its mentions; slugs merged into it go too."""
    await tx.run("MATCH (x:EntityRedirect {target: $slug}) DELETE x", {"slug": slug})
    await tx.run("MATCH (e:Entity {slug: $slug}) DETACH DELETE e", {"slug": slug})
