"""Applying schema/constraints.cypher and checking that it is in place (for /ready)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import LiteralString

from kgapi.db import Database
from kgapi.queries import trusted
from kgapi.queries.entities import store_claim_counts, store_sort_name
from kgapi.queries.search import RETIRED_INDEXES

__all__ = [
    "CONSTRAINTS_FILE",
    "apply_schema",
    "backfill_claim_times",
    "backfill_sort_keys",
    "schema_names",
    "schema_ready",
    "schema_statements",
]

CONSTRAINTS_FILE = Path(__file__).resolve().parents[2] / "schema" / "constraints.cypher"
_NAME = re.compile(r"^CREATE\s+(?:FULLTEXT\s+)?(?:CONSTRAINT|INDEX)\s+(\w+)\s+IF NOT EXISTS", re.I)


def schema_statements(path: Path = CONSTRAINTS_FILE) -> list[str]:
    """Statements of the schema file: `;` at a line end ends one, `//` lines are comments."""
    lines = [ln for ln in path.read_text("utf-8").splitlines() if not ln.strip().startswith("//")]
    statements = []
    current: list[str] = []
    for line in lines:
        current.append(line)
        if line.rstrip().endswith(";"):
            statement = "\n".join(current).strip().rstrip(";").strip()
            if statement:
                statements.append(statement)
            current = []
    if "\n".join(current).strip():
        raise ValueError(f"{path}: the last statement does not end with ';'")
    return statements


def schema_names(path: Path = CONSTRAINTS_FILE) -> list[str]:
    """Names of the constraints and indexes the schema file creates."""
    names = []
    for statement in schema_statements(path):
        match = _NAME.match(statement)
        if match is None:
            raise ValueError(f"{path}: every statement must be CREATE ... name IF NOT EXISTS")
        names.append(match.group(1))
    return names


BACKFILL_BATCH = 10_000

# Entities written before the stored sort keys existed get them here, a batch per transaction.
_BACKFILL: LiteralString = (
    "MATCH (e:Entity) WHERE e.sort_name IS NULL OR e.claim_count IS NULL "
    "WITH e LIMIT $batch "
    + store_sort_name("e")
    + store_claim_counts("e")
    + "RETURN count(e) AS done"
)


# Claims written before claims had a stored time get it here, as kgapi.current_status.claim_time
# computes it for every write since (the text's date, else the earliest evidence document's).
_BACKFILL_TIME: LiteralString = (
    "MATCH (c:Claim) WHERE c.date_source IS NULL WITH c LIMIT $batch "
    "CALL (c) { OPTIONAL MATCH (c)-[:SUPPORTED_BY]->(s:Sentence) "
    "OPTIONAL MATCH (d:Document {slug: s.document}) "
    "WITH s, d ORDER BY d.published IS NULL, d.published, s.document LIMIT 1 "
    "RETURN s.document AS first, d.published AS published } "
    "SET c.effective = coalesce(c.valid_from, published), c.dated_by = first, "
    "c.date_source = CASE WHEN c.valid_from IS NOT NULL THEN 'text' "
    "WHEN published IS NOT NULL THEN 'document' ELSE 'unknown' END "
    "RETURN count(c) AS done"
)


async def apply_schema(db: Database, path: Path = CONSTRAINTS_FILE) -> int:
    """Run every schema statement (idempotent), then the backfill; return how many ran."""
    statements = schema_statements(path)
    for statement in statements:
        # The schema file is part of the repository, not input: safe to run as query text.
        await db.write(trusted(statement))
    for retired in RETIRED_INDEXES:  # names from the code, never from input
        await db.write("DROP INDEX " + retired + " IF EXISTS")
    await backfill_sort_keys(db)
    await backfill_claim_times(db)
    return len(statements)


async def backfill_sort_keys(db: Database, batch: int = BACKFILL_BATCH) -> int:
    """Give every entity that lacks them its stored sort keys (`sort_name`, `claim_count`,
    kept from then on by every write); return how many entities got them. Idempotent: a
    database that has them all costs one scan of the entities. Why here rather than in
    constraints.cypher: the schema file holds only named `CREATE ... IF NOT EXISTS`
    statements (/ready checks each name), and a large graph needs the work in batches."""
    return await _in_batches(db, _BACKFILL, batch)


async def backfill_claim_times(db: Database, batch: int = BACKFILL_BATCH) -> int:
    """Give every claim that lacks it its stored time (see _BACKFILL_TIME); return how many."""
    return await _in_batches(db, _BACKFILL_TIME, batch)


async def _in_batches(db: Database, statement: LiteralString, batch: int) -> int:
    done = 0
    while True:
        records = await db.write(statement, {"batch": batch})
        count = int(records[0]["done"])
        done += count
        if count < batch:
            return done


async def schema_ready(db: Database, path: Path = CONSTRAINTS_FILE) -> list[str]:
    """Names from the schema file that are missing or not ONLINE yet (empty when ready)."""
    expected = schema_names(path)
    records = await db.read_once(
        "SHOW INDEXES YIELD name, state WHERE name IN $names RETURN name, state",
        {"names": expected},
    )
    online = {r["name"] for r in records if r["state"] == "ONLINE"}
    return [name for name in expected if name not in online]
