"""Relay both ways (issue 12 item 5): `last`/`before` on every connection.

Each list is read whole forward, then walked backward from its end a few rows at a time; the
pages put together must be the forward list, with pageInfo saying what lies on either side. Both
read engines answer every request (byte-identical bodies), and the planner in one statement.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgapi.app import create_app
from kgapi.auth import Principal, Role
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.model import EntityKind
from kgapi.writes import EvidenceInput, upsert_entity
from tests.integration.graphql_helpers import (
    SEED_DOCUMENT,
    both_engines,
    delete_written,
    entity_input,
)

PREFIX = "test-backward-"
ACTOR = f"test:backward-{uuid.uuid4().hex[:8]}"

# (name, query with $first/$after/$last/$before, path to the connection)
LISTS = [
    (
        "entities-by-name-desc",
        """query($first: Int, $after: String, $last: Int, $before: String) {
          c: entities(orderBy: {field: NAME, direction: DESC}, first: $first, after: $after,
            last: $last, before: $before) { %s } }""",
    ),
    (
        "entities-by-claim-count",
        """query($first: Int, $after: String, $last: Int, $before: String) {
          c: entities(orderBy: {field: RELATION_COUNT}, where: {kindIn: [COUNTRY, CITY, GOAL]},
            first: $first, after: $after, last: $last, before: $before) { %s } }""",
    ),
    (
        "countries",
        """query($first: Int, $after: String, $last: Int, $before: String) {
          c: countries(first: $first, after: $after, last: $last, before: $before) { %s } }""",
    ),
    (
        "claims",
        """query($first: Int, $after: String, $last: Int, $before: String) {
          e: entity(slug: "pakistan") { c: claims(first: $first, after: $after, last: $last,
            before: $before) { %s } } }""",
    ),
    (
        "entity-search",
        """query($first: Int, $after: String, $last: Int, $before: String) {
          c: entitySearch(text: "pakistan", first: $first, after: $after, last: $last,
            before: $before) { %s } }""",
    ),
    (
        "documents",
        """query($first: Int, $after: String, $last: Int, $before: String) {
          c: documents(first: $first, after: $after, last: $last, before: $before) { %s } }""",
    ),
    (
        "documents-by-title-desc",
        """query($first: Int, $after: String, $last: Int, $before: String) {
          c: documents(orderBy: {field: TITLE, direction: DESC}, where: {slug: {contains: "-"}},
            first: $first, after: $after, last: $last, before: $before) { %s } }""",
    ),
    (
        "changes",
        """query($first: Int, $after: String, $last: Int, $before: String) {
          c: changes(actor: "ACTOR", first: $first, after: $after, last: $last,
            before: $before) { %s } }""".replace("ACTOR", ACTOR),
    ),
]
PAGE = "totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor }"


@pytest.fixture(scope="module")
async def written(seeded: Database) -> AsyncIterator[None]:
    """Five change events by one actor, for the audit trail's connection."""
    editor = Principal(ACTOR, Role.EDITOR)
    for i in range(5):
        data = entity_input(f"{PREFIX}{i}")
        mentions = [EvidenceInput(**m) for m in data.pop("mentions")]
        data["kind"] = EntityKind.INITIATIVE.value  # the write layer takes stored values
        await upsert_entity(seeded, editor, data, mentions)
    yield
    await delete_written(seeded, PREFIX)


@pytest.fixture(scope="module")
def clients(neo4j_settings: Settings, written: None) -> Iterator[tuple[TestClient, TestClient]]:
    public = {"audit_trail_public": True}
    fast = neo4j_settings.model_copy(update={"compiled_reads": True, **public})
    slow = neo4j_settings.model_copy(update={"compiled_reads": False, **public})
    with TestClient(create_app(fast)) as one, TestClient(create_app(slow)) as other:
        yield one, other


def _connection(
    clients: tuple[TestClient, TestClient], query: str, **variables: Any
) -> dict[str, Any]:
    """The connection's answer, the same from both engines, the planner's in one statement."""
    data = both_engines(clients, query, variables)
    return dict(data["e"]["c"] if "e" in data else data["c"])


@pytest.mark.parametrize(("name", "query"), LISTS, ids=[name for name, _ in LISTS])
def test_paging_backward_gives_the_forward_list(
    clients: tuple[TestClient, TestClient], name: str, query: str
) -> None:
    text = query % PAGE
    whole = _connection(clients, text, first=100)
    cursors = [edge["cursor"] for edge in whole["edges"]]
    assert len(cursors) == whole["totalCount"] >= 5, name
    assert not whole["pageInfo"]["hasNextPage"]

    seen: list[str] = []
    before: str | None = None
    pages = 0
    while True:
        page = _connection(clients, text, last=3, before=before)
        got = [edge["cursor"] for edge in page["edges"]]
        info = page["pageInfo"]
        assert got and len(got) <= 3
        assert info["startCursor"] == got[0] and info["endCursor"] == got[-1]
        assert info["hasNextPage"] is (before is not None)  # rows follow the `before` cursor
        seen = got + seen
        pages += 1
        if not info["hasPreviousPage"]:
            break
        before = info["startCursor"]
    assert seen == cursors and pages == -(-len(cursors) // 3)

    # A window: the two rows before the fourth, and the page after them going forward again.
    window = _connection(clients, text, last=2, before=cursors[3])
    assert [edge["cursor"] for edge in window["edges"]] == cursors[1:3]
    assert window["pageInfo"]["hasPreviousPage"] and window["pageInfo"]["hasNextPage"]
    onward = _connection(clients, text, first=2, after=window["pageInfo"]["endCursor"])
    assert [edge["cursor"] for edge in onward["edges"]] == cursors[3:5]
    assert window["totalCount"] == onward["totalCount"] == whole["totalCount"]


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"first": 2, "last": 2}, "not both"),
        ({"after": "x", "last": 2}, "not both"),
        ({"first": 2, "before": "x"}, "not both"),
        ({"last": 100000}, "`last` must be between"),
        ({"last": 2, "before": "not-a-cursor"}, "`before` is not a cursor"),
    ],
)
def test_mixed_or_bad_backward_arguments_are_refused(
    clients: tuple[TestClient, TestClient], variables: dict[str, Any], named: str
) -> None:
    for client in clients:
        body = client.post(
            "/graphql", json={"query": LISTS[2][1] % PAGE, "variables": variables}
        ).json()
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", body
        assert named in error["message"], body


def test_a_cursor_of_one_order_is_refused_by_another_backward_too(
    clients: tuple[TestClient, TestClient],
) -> None:
    by_name = _connection(clients, LISTS[0][1] % PAGE, first=2)
    cursor = by_name["edges"][0]["cursor"]
    body = (
        clients[0]
        .post(
            "/graphql",
            json={"query": LISTS[1][1] % PAGE, "variables": {"last": 2, "before": cursor}},
        )
        .json()
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert re.search(r"`before` is a cursor for another list", body["errors"][0]["message"])


def test_search_hits_come_best_first_with_their_scores(
    clients: tuple[TestClient, TestClient],
) -> None:
    """entitySearch (issue 12 item 5): the hits of the old list, as a connection with a total;
    a cursor of one search is refused by another."""
    search = dict(LISTS)["entity-search"]
    page = _connection(clients, search % "totalCount edges { cursor score node { slug } }", first=5)
    old = (
        clients[0]
        .post(
            "/graphql",
            json={"query": '{ search(text: "pakistan", first: 5) { score entity { slug } } }'},
        )
        .json()["data"]["search"]
    )
    assert [(e["score"], e["node"]["slug"]) for e in page["edges"]] == [
        (hit["score"], hit["entity"]["slug"]) for hit in old
    ]
    scores = [e["score"] for e in page["edges"]]
    assert scores == sorted(scores, reverse=True) and page["totalCount"] > 5
    other = (
        clients[0]
        .post(
            "/graphql",
            json={
                "query": 'query($a: String) { entitySearch(text: "kazakhstan", after: $a) { '
                "totalCount } }",
                "variables": {"a": page["edges"][0]["cursor"]},
            },
        )
        .json()
    )
    assert other["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", other
    assert "another list" in other["errors"][0]["message"]
    nothing = _connection(
        clients,
        '{ c: entitySearch(text: "!!") { totalCount edges { cursor } pageInfo { hasNextPage } } }',
    )
    assert nothing == {"totalCount": 0, "edges": [], "pageInfo": {"hasNextPage": False}}


def test_the_seed_document_is_among_the_documents(clients: tuple[TestClient, TestClient]) -> None:
    """The documents list above pages real documents: the article and the sources it lists."""
    documents = dict(LISTS)["documents"]
    page = _connection(clients, documents % "edges { node { slug } }", last=100)
    assert SEED_DOCUMENT in [edge["node"]["slug"] for edge in page["edges"]]


def test_documents_filter_by_what_they_are_and_what_they_discuss(
    clients: tuple[TestClient, TestClient],
) -> None:
    """documents(where:, orderBy:) (issue 12 item 5), checked against the whole list."""
    fields = "totalCount edges { node { slug title titleEn language listedOnly published } }"
    query = (
        "query($where: DocumentWhere, $order: DocumentOrder) { c: documents(first: 100, "
        "where: $where, orderBy: $order) { " + fields + " } }"
    )

    def listed(**variables: Any) -> list[dict[str, Any]]:
        page = _connection(clients, query, **variables)
        nodes = [edge["node"] for edge in page["edges"]]
        assert page["totalCount"] == len(nodes)
        return nodes

    whole = listed()
    assert [d["slug"] for d in whole] == sorted(d["slug"] for d in whole)
    assert listed(where={"listedOnly": True}) == [d for d in whole if d["listedOnly"]]
    stored = [d for d in whole if not d["listedOnly"]]
    assert stored and listed(where={"listedOnly": False}) == stored
    for language in {d["language"] for d in whole}:
        wanted = [d for d in whole if d["language"] == language]
        assert listed(where={"languageIn": [language.upper()]}) == wanted
    titled = [d for d in whole if "pakistan" in (d["title"] + (d["titleEn"] or "")).lower()]
    assert titled and listed(where={"title": {"contains": "PAKISTAN"}}) == titled
    # Which documents discuss the Transit Trade Agreement: the article, whose sentences state
    # claims about it; none of the sources it only lists.
    discussing = listed(where={"mentions": "transit-trade-agreement"})
    assert SEED_DOCUMENT in [d["slug"] for d in discussing]
    assert not any(d["listedOnly"] for d in discussing)
    assert listed(where={"mentions": "no-such-entity"}) == []
    by_title = listed(order={"field": "TITLE", "direction": "DESC"})
    assert [d["title"].lower() for d in by_title] == sorted(
        (d["title"].lower() for d in whole), reverse=True
    )
    # Unknown publication dates stay unknown and sort before every known one, by slug.
    by_date = listed(order={"field": "PUBLISHED"})
    undated = [d["slug"] for d in by_date if d["published"] is None]
    assert undated == sorted(undated) and by_date[: len(undated)] == [
        d for d in by_date if d["published"] is None
    ]
