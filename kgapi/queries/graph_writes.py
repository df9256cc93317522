"""Writing a validated bundle (documents, sentences, entities, mentions, claims) idempotently.

Every node carries a `content_hash` of what the seed says about it; a statement only SETs when
the hash differs, so a second identical run reports zero changes in Neo4j's own counters.
Relationships are MERGEd on their identity. Labels for entity kinds and relationship types for
predicates come from `kgapi.model` (validated before these rows are built) and reach Cypher
through 5.26's dynamic `$(...)` syntax, still as parameters.
"""

from __future__ import annotations

from typing import Any, LiteralString

from kgapi.queries.entities import claim_count_of, store_claim_counts, store_sort_name

__all__ = ["SEEDED", "SEED_STEPS", "seed_steps"]

# The property that marks a claim the seed wrote (a curated fact: kgapi.writes lets only a
# curator change or retract it). Set once, never by the write API, so a curator's edit keeps it.
SEEDED = "seeded"

UPSERT_DOCUMENTS: LiteralString = """
UNWIND $rows AS row
MERGE (d:Document {slug: row.slug})
WITH d, row WHERE d.content_hash IS NULL OR d.content_hash <> row.hash
SET d += row.props, d.content_hash = row.hash
"""

UPSERT_SENTENCES: LiteralString = """
UNWIND $rows AS row
MATCH (d:Document {slug: row.document})
MERGE (s:Sentence {key: row.key})
WITH d, s, row WHERE s.content_hash IS NULL OR s.content_hash <> row.hash
SET s += row.props, s.content_hash = row.hash
MERGE (s)-[:PART_OF]->(d)
"""

UPSERT_SOURCES: LiteralString = """
UNWIND $rows AS row
MATCH (article:Document {slug: row.listed_by})
MERGE (src:Document {slug: row.slug})
WITH article, src, row WHERE src.content_hash IS NULL OR src.content_hash <> row.hash
SET src += row.props, src.content_hash = row.hash
MERGE (article)-[r:LISTS_SOURCE]->(src)
SET r += row.evidence
"""

# An entity's stored sort keys (kgapi.queries.entities) are set with its names; a new entity is
# the subject or object of no claim yet (the CASE counts only for one written before the keys).
UPSERT_ENTITIES: LiteralString = (
    """
UNWIND $rows AS row
MERGE (e:Entity {slug: row.slug})
WITH e, row WHERE e.content_hash IS NULL OR e.content_hash <> row.hash
CALL (e, row) {
  // a changed kind moves the entity to its new label
  WITH e, row WHERE e.kind IS NOT NULL AND e.kind <> row.kind
  REMOVE e:$(e.kind)
}
SET e += row.props, e.content_hash = row.hash, e.revision = coalesce(e.revision, 0) + 1
// names in other languages are absent from the row when there are none: clear the old ones
SET e.names_other = row.props.names_other, e.names_other_text = row.props.names_other_text
SET e:$(row.kind)
"""
    + store_sort_name("e")
    + "SET e.claim_count = CASE WHEN e.claim_count IS NULL THEN "
    + claim_count_of("e")
    + " ELSE e.claim_count END"
)

MERGE_MENTIONS: LiteralString = """
UNWIND $rows AS row
MATCH (s:Sentence {key: row.sentence_key}), (e:Entity {slug: row.entity})
MERGE (s)-[r:MENTIONS {start: row.start, end: row.end}]->(e)
ON CREATE SET r.quote = row.quote
"""

MERGE_EDITORS: LiteralString = """
UNWIND $rows AS row
MATCH (d:Document {slug: row.document}), (p:Entity {slug: row.editor})
MERGE (d)-[r:EDITED_BY]->(p)
ON CREATE SET r += row.evidence
"""

# A written claim may change its ends or its status, so the claim counts of its ends before and
# after are recounted once per statement, at its end (a batch's hub is counted once, not per row).
UPSERT_CLAIMS: LiteralString = """
UNWIND $rows AS row
MATCH (subject:Entity {slug: row.subject}), (object:Entity {slug: row.object})
MERGE (c:Claim {id: row.id})
WITH c, subject, object, row WHERE c.content_hash IS NULL OR c.content_hash <> row.hash
SET c += row.props, c.content_hash = row.hash, c.revision = coalesce(c.revision, 0) + 1
WITH c, subject, object, row
CALL (c, row) {
  // a changed claim first leaves the traversal shortcut it was part of
  MATCH (c)-[:SUBJECT]->(old_subject), (c)-[:OBJECT]->(old_object)
  MATCH (old_subject)-[shortcut]->(old_object)
  WHERE row.id IN coalesce(shortcut.claim_ids, [])
  SET shortcut.claim_ids = [x IN shortcut.claim_ids WHERE x <> row.id]
  WITH shortcut WHERE size(shortcut.claim_ids) = 0
  DELETE shortcut
}
CALL (c) {
  OPTIONAL MATCH (c)-[:SUBJECT|OBJECT]->(old_end)
  RETURN collect(old_end) AS old_ends
}
CALL (c) {
  MATCH (c)-[old:SUBJECT|OBJECT|SUPPORTED_BY]->()
  DELETE old
}
MERGE (c)-[:SUBJECT]->(subject)
MERGE (c)-[:OBJECT]->(object)
WITH c, subject, object, row, old_ends
CALL (c, row) {
  UNWIND row.evidence AS ev
  MATCH (s:Sentence {key: ev.sentence_key})
  CREATE (c)-[r:SUPPORTED_BY]->(s)
  SET r += ev.props
}
CALL (subject, object, row) {
  WITH subject, object, row WHERE row.traversable
  MERGE (subject)-[shortcut:$(row.predicate)]->(object)
  SET shortcut.claim_ids = coalesce(shortcut.claim_ids, []) + row.id
}
UNWIND old_ends + [subject, object] AS touched
""" + store_claim_counts("touched")

MARK_SEEDED: LiteralString = """
UNWIND $rows AS row
MATCH (c:Claim {id: row.id})
WHERE c.seeded IS NULL
SET c.seeded = true
"""

SEED_STEPS: tuple[tuple[str, LiteralString], ...] = (
    ("documents", UPSERT_DOCUMENTS),
    ("sentences", UPSERT_SENTENCES),
    ("sources", UPSERT_SOURCES),
    ("entities", UPSERT_ENTITIES),
    ("mentions", MERGE_MENTIONS),
    ("editors", MERGE_EDITORS),
    ("claims", UPSERT_CLAIMS),
    ("seeded", MARK_SEEDED),
)


def seed_steps(rows: dict[str, list[dict[str, Any]]]) -> list[tuple[LiteralString, dict[str, Any]]]:
    """The statements of one seed transaction, in dependency order, with their rows."""
    return [(query, {"rows": rows.get(name, [])}) for name, query in SEED_STEPS if rows.get(name)]
