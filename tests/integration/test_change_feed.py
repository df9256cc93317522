"""The change feed's cursor against the real Neo4j, and graphChanged's arguments in process.

The cursor tests stage, by hand, the states a poller can meet between commits — an event not
yet visible below one that is, an event deleted from the trail — which real writers produce
only in windows too narrow to hit on purpose.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgapi.app import create_app
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.queries.writes import feed_after, latest_seq

PREFIX = "wcf-"
STAGE = """
MERGE (s:Sequence {name: 'changes'}) SET s.value = $counter
WITH s UNWIND $seqs AS seq
CREATE (:ChangeEvent {id: $prefix + toString(seq), seq: seq, at: datetime(), actor: 'test',
  operation: 'upsertEntity', target_type: 'Entity', target_id: $prefix + toString(seq),
  kinds: ['Initiative'], predicates: [], before_json: null, after_json: null})
"""


@pytest.fixture
async def stage(seeded: Database) -> AsyncIterator[tuple[int, Any]]:
    """The latest seq, and a way to set the counter and add events; removes them after."""
    high = await latest_seq(seeded)
    prefix = f"{PREFIX}{uuid.uuid4().hex[:8]}-"

    async def put(counter: int, seqs: list[int]) -> None:
        await seeded.write(STAGE, {"counter": counter, "seqs": seqs, "prefix": prefix})

    yield high, put
    await seeded.write(
        "MATCH (ev:ChangeEvent) WHERE ev.id STARTS WITH $p DETACH DELETE ev", {"p": prefix}
    )


async def test_the_cursor_never_passes_an_event_that_is_not_visible_yet(
    seeded: Database, stage: tuple[int, Any]
) -> None:
    high, put = stage
    # The counter says high+1 was allocated, but only high+2 is visible (as if high+1 were
    # still being applied): a poller that moved to the largest seq it saw would skip high+1.
    await put(high + 1, [high + 2])
    batch = await feed_after(seeded, high, 100)
    assert batch.rows == [] and batch.cursor == high
    # high+1 becomes visible and high+2 is allocated: both arrive, in order.
    await put(high + 2, [high + 1])
    batch = await feed_after(seeded, high, 100)
    assert [r["seq"] for r in batch.rows] == [high + 1, high + 2]
    assert batch.cursor == high + 2


async def test_the_cursor_passes_over_a_deleted_event_and_pages_a_backlog(
    seeded: Database, stage: tuple[int, Any]
) -> None:
    high, put = stage
    # high+1 was deleted from the trail; high+2..high+6 exist.
    await put(high + 6, list(range(high + 2, high + 7)))
    first = await feed_after(seeded, high, 2)
    assert [r["seq"] for r in first.rows] == [high + 2, high + 3] and first.cursor == high + 3
    rest = await feed_after(seeded, first.cursor, 100)
    assert [r["seq"] for r in rest.rows] == [high + 4, high + 5, high + 6]
    assert rest.cursor == high + 6
    nothing_new = await feed_after(seeded, rest.cursor, 100)
    assert nothing_new.rows == [] and nothing_new.cursor == high + 6


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings, seeded: Database) -> Iterator[TestClient]:
    with TestClient(create_app(neo4j_settings)) as test_client:
        yield test_client


def _first_message(client: TestClient, variables: dict[str, Any]) -> dict[str, Any]:
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init"})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {
                    "query": "subscription($a: Int) { graphChanged(afterSeq: $a) { seq } }",
                    "variables": variables,
                },
            }
        )
        message: dict[str, Any] = ws.receive_json()
        ws.send_json({"id": "1", "type": "complete"})
        return message


async def test_after_seq_replays_the_audit_trail_from_there(
    client: TestClient, seeded: Database, stage: tuple[int, Any]
) -> None:
    high, put = stage
    await put(high + 2, [high + 1, high + 2])
    message = _first_message(client, {"a": high})
    assert message["type"] == "next"
    assert message["payload"]["data"]["graphChanged"]["seq"] == high + 1


@pytest.mark.parametrize("after_seq", [-1, 10**9])
def test_an_after_seq_out_of_range_is_bad_user_input(client: TestClient, after_seq: int) -> None:
    message = _first_message(client, {"a": after_seq})
    assert message["type"] == "error"
    [error] = message["payload"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "afterSeq" in error["message"]
