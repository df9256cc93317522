"""Hostile input over the WebSocket (issue 15 items 4 and 3): what a client sends there meets
the same limits as over HTTP. graphql-transport-ws runs queries as well as subscriptions, and
strawberry hands both to `Schema.stream`, past the checks of `Schema.execute`: list variables
of any size reached graphql-core's coercion (150,000 enum values take seconds of the one event
loop), and queries skipped the read planner. Raw frames from a real server over TCP, as an
attacker sends them (the npm graphql-ws client is the users' client: test_subscriptions_live).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from kgapi.config import Settings
from kgapi.db import Database
from tests.integration.live import running_server

TIMEOUT = 120.0  # a guard against a hung server, never an assertion
PROTOCOL = [Subprotocol("graphql-transport-ws")]
HUGE = 150_000


@pytest.fixture(scope="module")
def ws_url(neo4j_settings: Settings, seeded: Database) -> Iterator[str]:
    with running_server(neo4j_settings, 1) as base:
        yield f"ws{base[4:]}/graphql"


def _ask(ws_url: str, query: str, variables: dict[str, Any]) -> list[dict[str, Any]]:
    """Subscribe once; the frames for that id up to its `complete` or `error`."""
    with connect(ws_url, subprotocols=PROTOCOL, open_timeout=TIMEOUT, max_size=None) as ws:
        _init(ws)
        ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": query, "variables": variables},
                }
            )
        )
        frames = []
        while True:
            frame = json.loads(ws.recv(timeout=TIMEOUT))
            if frame.get("id") != "1":
                continue
            frames.append(frame)
            if frame["type"] in {"complete", "error"} or len(frames) > 1:
                return frames


def _init(ws: ClientConnection) -> None:
    ws.send(json.dumps({"type": "connection_init"}))
    assert json.loads(ws.recv(timeout=TIMEOUT))["type"] == "connection_ack"


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (
            "subscription($k: [EntityKind!]) { graphChanged(kinds: $k) { seq } }",
            {"k": ["COUNTRY"] * HUGE},
        ),
        (
            "subscription($p: [Predicate!]) { graphChanged(predicates: $p) { seq } }",
            {"p": ["PARTY_TO"] * HUGE},
        ),
        (
            "query($k: [EntityKind!]) { entities(where: {kindIn: $k}) { totalCount } }",
            {"k": ["COUNTRY"] * HUGE},
        ),
    ],
    ids=["subscription-kinds", "subscription-predicates", "query-kinds"],
)
def test_a_huge_list_variable_is_refused_over_the_websocket(
    ws_url: str, query: str, variables: dict[str, Any]
) -> None:
    (frame,) = _ask(ws_url, query, variables)
    assert frame["type"] == "error", frame
    (error,) = frame["payload"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert "at most" in error["message"], error


def test_a_query_over_the_websocket_is_answered_as_over_http(ws_url: str) -> None:
    frames = _ask(
        ws_url,
        "query($k: [EntityKind!]) { entities(where: {kindIn: $k}) { totalCount } }",
        {"k": ["COUNTRY", "CITY"]},
    )
    assert [f["type"] for f in frames] == ["next", "complete"], frames
    assert frames[0]["payload"]["data"]["entities"]["totalCount"] > 5
