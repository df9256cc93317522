"""Run GraphQL operations in-process against the real database, counting round trips."""

from __future__ import annotations

from typing import Any

from kgapi.config import Settings
from kgapi.db import Database, count_round_trips
from kgapi.graphql.context import Context
from kgapi.graphql.schema import build_schema

_schemas: dict[int, Any] = {}


async def run(db: Database, query: str, **variables: Any) -> tuple[dict[str, Any], int]:
    """(response as a client sees it, Neo4j round trips it cost)."""
    settings: Settings = db.settings
    schema = _schemas.setdefault(id(settings), build_schema(settings))
    with count_round_trips() as trips:
        result = await schema.execute(
            query,
            variable_values=variables,
            context_value=Context(db=db, settings=settings, request_id="test"),
        )
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [{"message": e.message, "extensions": e.extensions} for e in result.errors]
    return body, trips.count


async def data(db: Database, query: str, **variables: Any) -> dict[str, Any]:
    body, _ = await run(db, query, **variables)
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result
