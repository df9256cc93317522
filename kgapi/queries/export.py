"""The Cypher behind exports: documents, entities and claims (with evidence) in keyset batches.

An export may be far larger than one response should hold, so every reader here is an async
generator of batches: each batch is one short read (`WHERE key > $after ORDER BY key LIMIT
$batch`, served by the uniqueness constraint's index), so a deep batch costs what the first one
costs and no transaction stays open while a slow client downloads. The price is that batches are
separate reads: a write landing mid-export may or may not be in it, as with any paged read.
Retracted claims are left out, as everywhere else in the read API.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, LiteralString

from kgapi import model
from kgapi.db import Database
from kgapi.queries import trusted
from kgapi.queries.entities import entity_names

__all__ = [
    "ExportClaim",
    "ExportCounts",
    "ExportDocument",
    "ExportEntity",
    "ExportEvidence",
    "claim_batches",
    "document_batches",
    "entity_batches",
    "export_counts",
]

_DOCUMENT: LiteralString = trusted(model.DOCUMENT_LABEL)
_ENTITY: LiteralString = trusted(model.ENTITY_LABEL)
_SENTENCE: LiteralString = trusted(model.SENTENCE_LABEL)
_CLAIM: LiteralString = trusted(model.CLAIM_LABEL)

COUNTS: LiteralString = (
    "CALL () { MATCH (d:" + _DOCUMENT + ") RETURN count(d) AS documents } "
    "CALL () { MATCH (e:" + _ENTITY + ") RETURN count(e) AS entities } "
    "CALL () { MATCH (c:" + _CLAIM + ") WHERE c.status <> $retracted "
    "  RETURN count(c) AS claims } "
    "RETURN documents, entities, claims"
)

DOCUMENT_BATCH: LiteralString = (
    "MATCH (d:" + _DOCUMENT + ") WHERE d.slug > $after "
    "WITH d ORDER BY d.slug LIMIT $batch "
    "RETURN d {.slug, .title, .title_en, .language, .url, .sha256, "
    "listed_only: coalesce(d.listed_only, false)} AS row"
)

ENTITY_BATCH: LiteralString = (
    "MATCH (e:" + _ENTITY + ") WHERE e.slug > $after "
    "WITH e ORDER BY e.slug LIMIT $batch "
    "RETURN e {.slug, .kind, .name_en, .name_bn, .names_other, .description, "
    "aliases: coalesce(e.aliases, [])} AS row"
)

# A claim with both ends and every evidence span; the span's document comes from the sentence it
# is attached to (the graph's structure), not from a copied property.
CLAIM_BATCH: LiteralString = (
    "MATCH (c:" + _CLAIM + ") WHERE c.id > $after AND c.status <> $retracted "
    "WITH c ORDER BY c.id LIMIT $batch "
    "RETURN c {.id, .predicate, .status, rank: coalesce(c.rank, 'normal'), "
    "qualifiers_json: coalesce(c.qualifiers_json, '{}'), .valid_from, .valid_to, .effective, "
    "subject: [(c)-[:SUBJECT]->(subj:" + _ENTITY + ") | subj.slug][0], "
    "object: [(c)-[:OBJECT]->(obj:" + _ENTITY + ") | obj.slug][0], "
    "evidence: [(c)-[ev:SUPPORTED_BY]->(s:" + _SENTENCE + ")-[:PART_OF]->(d:" + _DOCUMENT + ") | "
    "{document: d.slug, language: d.language, sentence_index: s.index, start: ev.start, "
    "end: ev.end, quote: ev.quote, translation: ev.translation_en}]} AS row"
)


@dataclass(frozen=True, slots=True)
class ExportCounts:
    """How many rows an export will hold, for progress bars and as a preflight read."""

    documents: int
    entities: int
    claims: int


@dataclass(frozen=True, slots=True)
class ExportDocument:
    slug: str
    title: str | None
    title_en: str | None
    language: str | None
    url: str | None
    sha256: str | None
    listed_only: bool


@dataclass(frozen=True, slots=True)
class ExportEntity:
    slug: str
    kind: str
    name_en: str | None
    name_bn: str | None
    aliases: list[str]
    description: str | None
    names_other: str | None = None  # JSON: tag -> name (kgapi.seed.other_name_props)

    def names(self) -> dict[str, str]:
        return entity_names(self.name_bn, self.name_en, self.names_other)


@dataclass(frozen=True, slots=True)
class ExportEvidence:
    document: str
    language: str | None
    sentence_index: int
    start: int
    end: int
    quote: str
    translation: str | None


@dataclass(frozen=True, slots=True)
class ExportClaim:
    id: str
    predicate: str
    status: str
    rank: str
    qualifiers: dict[str, Any]
    subject: str | None
    object: str | None
    evidence: list[ExportEvidence]
    valid_from: str | None = None
    valid_to: str | None = None
    effective: str | None = None  # kgapi.current_status.claim_time; None: unknown

    @classmethod
    def from_map(cls, row: dict[str, Any]) -> ExportClaim:
        evidence = sorted(
            (ExportEvidence(**ev) for ev in row["evidence"]),
            key=lambda ev: (ev.document, ev.start, ev.end),
        )
        return cls(
            id=row["id"],
            predicate=row["predicate"],
            status=row["status"],
            rank=row["rank"],
            qualifiers=json.loads(row["qualifiers_json"]) or {},
            subject=row["subject"],
            object=row["object"],
            evidence=evidence,
            valid_from=row.get("valid_from"),
            valid_to=row.get("valid_to"),
            effective=row.get("effective"),
        )


async def export_counts(db: Database) -> ExportCounts:
    """One round trip from the count store; also proves Neo4j answers before a stream starts."""
    records = await db.read(COUNTS, {"retracted": model.Status.RETRACTED.value})
    record = records[0]
    return ExportCounts(
        documents=int(record["documents"]),
        entities=int(record["entities"]),
        claims=int(record["claims"]),
    )


async def _row_batches(
    db: Database, query: LiteralString, key: str, batch_size: int, extra: dict[str, Any]
) -> AsyncIterator[list[dict[str, Any]]]:
    """Keyset batches: the next read starts after the last key seen, never with SKIP."""
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1 (got {batch_size})")
    after = ""
    while True:
        records = await db.read(query, {**extra, "after": after, "batch": batch_size})
        rows: list[dict[str, Any]] = [record["row"] for record in records]
        if rows:
            yield rows
        if len(rows) < batch_size:
            return
        after = rows[-1][key]


async def document_batches(db: Database, batch_size: int) -> AsyncIterator[list[ExportDocument]]:
    """Every document (quoted and listed-only), ordered by slug."""
    async for rows in _row_batches(db, DOCUMENT_BATCH, "slug", batch_size, {}):
        yield [ExportDocument(**row) for row in rows]


async def entity_batches(db: Database, batch_size: int) -> AsyncIterator[list[ExportEntity]]:
    """Every entity, ordered by slug."""
    async for rows in _row_batches(db, ENTITY_BATCH, "slug", batch_size, {}):
        yield [ExportEntity(**row) for row in rows]


async def claim_batches(db: Database, batch_size: int) -> AsyncIterator[list[ExportClaim]]:
    """Every claim that is not retracted, with its evidence, ordered by claim id."""
    extra = {"retracted": model.Status.RETRACTED.value}
    async for rows in _row_batches(db, CLAIM_BATCH, "id", batch_size, extra):
        yield [ExportClaim.from_map(row) for row in rows]
