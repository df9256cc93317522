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

from kgapi import model
from kgapi.graphql.context import Info
from kgapi.graphql.enums import ChangeOperation, ChangeTarget, EntityKind, Predicate
from kgapi.graphql.errors import BadUserInput, KgapiError
from kgapi.graphql.pagination import PageInfo
from kgapi.graphql.permissions import CanReadAuditTrail

__all__ = [
    "ChangeConnection",
    "ChangeEdge",
    "ChangeEvent",
    "FeedSlot",
    "FeedSlots",
    "TooManySubscriptions",
    "change_from_row",
    "follow_changes",
    "start_feed",
]

FEED_BATCH = 100


@strawberry.type(description="One write: who, when, which operation, and what changed.")
class ChangeEvent:
    id: str = strawberry.field(description="Unique id of the event.")
    seq: int = strawberry.field(description="Commit order: every later commit has a larger seq.")
    at: datetime = strawberry.field(description="When it was committed.")
    actor: str = strawberry.field(
        description="`key:<id>` or `jwt:<sub>` of the writer. Part of the audit trail: it "
        "needs a token with the reader role unless KGAPI_AUDIT_TRAIL_PUBLIC opens it, on the "
        "change feed as in `changes`.",
        permission_classes=[CanReadAuditTrail],
    )
    operation: ChangeOperation = strawberry.field(description="The write, e.g. RETRACT_CLAIM.")
    target_type: ChangeTarget = strawberry.field(description="What it changed.")
    target_id: str = strawberry.field(description="Slug or claim id of what changed.")
    kinds: list[EntityKind] = strawberry.field(description="Entity kinds involved.")
    predicates: list[Predicate] = strawberry.field(description="Predicates involved.")
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
        operation=model.WriteOperation(row["operation"]),
        target_type=model.TargetType(row["target_type"]),
        target_id=row["target_id"],
        kinds=[model.EntityKind(k) for k in row.get("kinds") or []],
        predicates=[model.Predicate(p) for p in row.get("predicates") or []],
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


class TooManySubscriptions(KgapiError):
    code = "TOO_MANY_SUBSCRIPTIONS"


class FeedSlots:
    """The per-process cap on open change feeds (KGAPI_MAX_SUBSCRIPTIONS).

    Each feed polls Neo4j every KGAPI_FEED_POLL_INTERVAL, so open feeds, not sockets, are what
    a process has to ration. One instance per app, shared by its WebSocket connections; a
    process's event loop is single-threaded, so a plain counter is exact.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open = 0

    def take(self) -> FeedSlot:
        if self.open >= self.limit:
            raise TooManySubscriptions(
                f"this server already has {self.limit} change feeds open (KGAPI_MAX_SUBSCRIPTIONS);"
                " try again later or another server",
                limit=self.limit,
            )
        self.open += 1
        return FeedSlot(self)


class FeedSlot:
    """One taken slot. Given back when its feed ends; if the feed is never started (the
    operation cancelled between the resolver and the first event), when it is collected."""

    def __init__(self, slots: FeedSlots) -> None:
        self._slots: FeedSlots | None = slots

    def give_back(self) -> None:
        if self._slots is not None:
            self._slots.open -= 1
            self._slots = None

    def __del__(self) -> None:
        self.give_back()


async def start_feed(info: Info, after_seq: int | None) -> int:
    """Where a feed begins: after `after_seq` if given (checked), else after the latest change."""
    from kgapi.queries.writes import latest_seq

    latest = await latest_seq(info.context.db)
    if after_seq is None:
        return latest
    if after_seq < 0:
        raise BadUserInput(f"afterSeq must be 0 or more, got {after_seq}", argument="afterSeq")
    if after_seq > latest:
        raise BadUserInput(
            f"afterSeq {after_seq} is beyond the latest change ({latest}); "
            "a seq from another database?",
            argument="afterSeq",
        )
    return after_seq


async def follow_changes(
    info: Info,
    after: int,
    kinds: list[str] | None,
    predicates: list[str] | None,
    slot: FeedSlot | None = None,
) -> AsyncGenerator[ChangeEvent, None]:
    """Committed change events with a seq above `after`, in seq order, filtered: first the
    backlog from the audit trail (in batches, without waiting), then new ones as they commit.
    Replay and live are one loop over one cursor, so the switch can neither repeat nor miss."""
    from kgapi.queries.writes import feed_after

    db = info.context.db
    interval = info.context.settings.feed_poll_interval
    try:
        while True:
            batch = await feed_after(db, after, FEED_BATCH)
            after = batch.cursor
            for row in batch.rows:
                event = change_from_row(row)
                if kinds and not set(kinds) & set(event.kinds):
                    continue
                if predicates and not set(predicates) & set(event.predicates):
                    continue
                yield event
            if len(batch.rows) < FEED_BATCH:
                await asyncio.sleep(interval)
    finally:
        if slot is not None:
            slot.give_back()
