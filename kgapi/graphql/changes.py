"""The audit trail and the change feed as GraphQL: `changes`, `Relation.history`, `graphChanged`.

The feed is read from the database (change events ordered by their commit sequence), never from
one process's memory, so a client subscribed to any worker sees every worker's writes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

import strawberry

from kgapi.graphql.context import Info
from kgapi.graphql.pagination import PageInfo

__all__ = ["ChangeConnection", "ChangeEdge", "ChangeEvent", "change_from_row", "follow_changes"]

FEED_BATCH = 100


@strawberry.type(description="One write: who, when, which operation, and what changed.")
class ChangeEvent:
    id: str = strawberry.field(description="Unique id of the event.")
    seq: int = strawberry.field(description="Commit order: every later commit has a larger seq.")
    at: datetime = strawberry.field(description="When it was committed.")
    actor: str = strawberry.field(description="`key:<id>` or `jwt:<sub>` of the writer.")
    operation: str = strawberry.field(description="The mutation, e.g. `retractClaim`.")
    target_type: str = strawberry.field(description="Entity, Claim or Document.")
    target_id: str = strawberry.field(description="Slug or claim id of what changed.")
    kinds: list[str] = strawberry.field(description="Entity kinds involved.")
    predicates: list[str] = strawberry.field(description="Predicates involved.")
    before: strawberry.scalars.JSON | None = strawberry.field(
        description="The object before (null when created)."
    )
    after: strawberry.scalars.JSON | None = strawberry.field(description="The object after.")


def change_from_row(row: dict[str, Any]) -> ChangeEvent:
    def parse(raw: str | None) -> Any:
        return json.loads(raw) if raw else None

    return ChangeEvent(
        id=row["id"],
        seq=int(row["seq"]),
        at=datetime.fromisoformat(str(row["at"])),
        actor=row["actor"],
        operation=row["operation"],
        target_type=row["target_type"],
        target_id=row["target_id"],
        kinds=list(row.get("kinds") or []),
        predicates=list(row.get("predicates") or []),
        before=parse(row.get("before_json")),
        after=parse(row.get("after_json")),
    )


@strawberry.type(description="A change event in a connection, with its cursor.")
class ChangeEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this edge.")
    node: ChangeEvent = strawberry.field(description="The change.")


@strawberry.type(description="A page of change events in commit order (Relay connection).")
class ChangeConnection:
    edges: list[ChangeEdge] = strawberry.field(description="The changes of this page.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")
    total_count: int = strawberry.field(description="Changes matching, across all pages.")


async def follow_changes(
    info: Info, kinds: list[str] | None, predicates: list[str] | None
) -> AsyncGenerator[ChangeEvent, None]:
    """Poll committed change events after the moment of subscribing, filtered."""
    from kgapi.queries.writes import changes_after, latest_seq

    db = info.context.db
    interval = info.context.settings.feed_poll_interval
    last = await latest_seq(db)
    while True:
        rows = await changes_after(db, last, FEED_BATCH)
        for row in rows:
            last = max(last, int(row["seq"]))
            event = change_from_row(row)
            if kinds and not set(kinds) & set(event.kinds):
                continue
            if predicates and not set(predicates) & set(event.predicates):
                continue
            yield event
        if len(rows) < FEED_BATCH:
            await asyncio.sleep(interval)
