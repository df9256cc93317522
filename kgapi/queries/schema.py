"""Applying schema/constraints.cypher and checking that it is in place (for /ready)."""

from __future__ import annotations

import re
from pathlib import Path

from kgapi.db import Database
from kgapi.queries import trusted

__all__ = ["CONSTRAINTS_FILE", "apply_schema", "schema_names", "schema_ready", "schema_statements"]

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


async def apply_schema(db: Database, path: Path = CONSTRAINTS_FILE) -> int:
    """Run every schema statement (idempotent); return how many ran."""
    statements = schema_statements(path)
    for statement in statements:
        # The schema file is part of the repository, not input: safe to run as query text.
        await db.write(trusted(statement))
    return len(statements)


async def schema_ready(db: Database, path: Path = CONSTRAINTS_FILE) -> list[str]:
    """Names from the schema file that are missing or not ONLINE yet (empty when ready)."""
    expected = schema_names(path)
    records = await db.read_once(
        "SHOW INDEXES YIELD name, state WHERE name IN $names RETURN name, state",
        {"names": expected},
    )
    online = {r["name"] for r in records if r["state"] == "ONLINE"}
    return [name for name in expected if name not in online]
