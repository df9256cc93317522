"""The seed: validated before writing, written in one transaction, idempotent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kgapi.db import Database
from kgapi.queries.schema import schema_names, schema_ready
from kgapi.seed import DEFAULT_SEED_DIR, seed_database
from kgapi.validation import SeedInvalid

ARTICLE = DEFAULT_SEED_DIR / "documents" / "000_a2bfdf3df2dbf4a8.txt"


async def test_a_second_seed_changes_nothing(seeded: Database) -> None:
    report = await seed_database(seeded)
    assert report.counters == {} or not any(report.counters.values()), report.counters
    assert not report.changed


async def test_the_document_is_stored_byte_for_byte(seeded: Database) -> None:
    records = await seeded.read(
        "MATCH (d:Document {slug: $slug}) RETURN d.text AS text, d.language AS language, "
        "d.sha256 AS sha256, count { (d)<-[:PART_OF]-(:Sentence) } AS sentences",
        {"slug": "pk-kz-economic-ties-2025"},
    )
    assert len(records) == 1
    assert records[0]["text"] == ARTICLE.read_text("utf-8")
    assert records[0]["language"] == "bn"
    assert (
        records[0]["sha256"] == "969c6968a7a8d7b759d0643c8c411cce594f9d37fc240841b77e219d0d60d29d"
    )
    assert records[0]["sentences"] == 31


async def test_the_schema_is_applied(seeded: Database) -> None:
    assert await schema_ready(seeded) == []
    records = await seeded.read("SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names")
    assert {"document_slug", "entity_slug", "claim_id", "sentence_key"} <= set(records[0]["names"])
    assert "entity_names_search" in schema_names()


async def _graph_size(db: Database) -> tuple[int, int]:
    records = await db.read(
        "CALL () { MATCH (n) RETURN count(n) AS nodes } "
        "CALL () { MATCH ()-[r]->() RETURN count(r) AS rels } RETURN nodes, rels"
    )
    return int(records[0]["nodes"]), int(records[0]["rels"])


async def test_an_invalid_seed_leaves_the_database_untouched(
    seeded: Database, tmp_path: Path
) -> None:
    seed = tmp_path / "seed"
    shutil.copytree(DEFAULT_SEED_DIR, seed)
    # A valid new entity would be written... but a claim is broken, so nothing may be.
    entities = seed / "graph" / "entities.yaml"
    entities.write_text(
        entities.read_text("utf-8")
        + """
  - slug: seed-test-new-entity
    kind: Region
    names: {bn: "পাকিস্তান", en: "A test entity"}
    description: "Exists only in this test."
    mentions:
      - {document: pk-kz-economic-ties-2025, sentence: 0, start: 0, end: 9, quote: "পাকিস্তান"}
""",
        "utf-8",
    )
    claims = seed / "graph" / "claims.yaml"
    claims.write_text(
        claims.read_text("utf-8").replace("object: kazakhstan\n", "object: nowhere\n", 1), "utf-8"
    )
    before = await _graph_size(seeded)
    with pytest.raises(SeedInvalid, match="unknown entity 'nowhere'"):
        await seed_database(seeded, seed)
    assert await _graph_size(seeded) == before
    assert await seeded.read("MATCH (e:Entity {slug: 'seed-test-new-entity'}) RETURN e") == []
