"""Claims as a first-class list (issue 13 item 3, begun): `claims(where:)` over the whole
graph, checked against the claims each entity lists, through both read engines (byte-identical
bodies, the planner in one statement)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgapi.config import Settings
from kgapi.db import Database
from tests.integration.graphql_helpers import SEED_DOCUMENT, both_engines, engine_clients

NODE = "claimId predicate status subject { slug } object { slug } evidence { document { slug } }"
LIST = (
    "query($where: ClaimWhere, $first: Int, $after: String, $last: Int, $before: String) { "
    "claims(where: $where, first: $first, after: $after, last: $last, before: $before) { "
    "totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } "
    "aggregate { count byStatus { status count } byPredicate { predicate count } } "
    "edges { cursor node { " + NODE + " } } } }"
)


@pytest.fixture(scope="module")
def clients(neo4j_settings: Settings, seeded: Database) -> Iterator[tuple[TestClient, TestClient]]:
    with engine_clients(neo4j_settings) as pair:
        yield pair


def _claims(clients: tuple[TestClient, TestClient], **variables: Any) -> dict[str, Any]:
    return dict(both_engines(clients, LIST, variables)["claims"])


def _nodes(page: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in page["edges"]]


@pytest.fixture(scope="module")
def everything(clients: tuple[TestClient, TestClient]) -> list[dict[str, Any]]:
    page = _claims(clients, first=100, where={"statusIn": None})
    nodes = _nodes(page)
    while page["pageInfo"]["hasNextPage"]:
        page = _claims(clients, first=100, after=page["pageInfo"]["endCursor"])
        nodes += _nodes(page)
    assert len(nodes) == page["totalCount"] >= 90  # the seed's claims, none retracted
    assert [n["claimId"] for n in nodes] == sorted(n["claimId"] for n in nodes)
    return nodes


@pytest.mark.parametrize(
    ("where", "keep"),
    [
        ({"statusIn": ["PLANNED", "EXPECTED"]}, lambda n: n["status"] in {"PLANNED", "EXPECTED"}),
        ({"predicateIn": ["PARTY_TO"]}, lambda n: n["predicate"] == "PARTY_TO"),
        ({"subject": "pakistan"}, lambda n: n["subject"]["slug"] == "pakistan"),
        (
            {"object": "transit-trade-agreement"},
            lambda n: n["object"]["slug"] == "transit-trade-agreement",
        ),
        (
            {"about": "kazakhstan", "statusIn": ["SIGNED"]},
            lambda n: (
                "kazakhstan" in {n["subject"]["slug"], n["object"]["slug"]}
                and n["status"] == "SIGNED"
            ),
        ),
        (
            {"document": SEED_DOCUMENT},
            lambda n: SEED_DOCUMENT in {e["document"]["slug"] for e in n["evidence"]},
        ),
        ({"document": "no-such-document"}, lambda n: False),
    ],
    ids=["status", "predicate", "subject", "object", "about-and-status", "document", "none"],
)
def test_each_filter_keeps_exactly_the_claims_it_names(
    clients: tuple[TestClient, TestClient],
    everything: list[dict[str, Any]],
    where: dict[str, Any],
    keep: Any,
) -> None:
    page = _claims(clients, where=where, first=100)
    expected = [n for n in everything if keep(n)]
    assert _nodes(page) == expected and page["totalCount"] == len(expected)
    aggregate = page["aggregate"]
    assert aggregate["count"] == len(expected)
    by_status: dict[str, int] = {}
    for node in expected:
        by_status[node["status"]] = by_status.get(node["status"], 0) + 1
    assert {c["status"]: c["count"] for c in aggregate["byStatus"]} == by_status


def test_what_is_planned_agreed_and_done_is_one_aggregate(
    clients: tuple[TestClient, TestClient], everything: list[dict[str, Any]]
) -> None:
    """The issue's question, without a nested query grouped by hand: counts per status of
    every claim, apart from the page."""
    page = _claims(clients, first=0)
    assert page["edges"] == [] and page["aggregate"]["count"] == len(everything)
    statuses = {c["status"] for c in page["aggregate"]["byStatus"]}
    assert {"SIGNED", "IN_PROGRESS", "PLANNED"} <= statuses and "RETRACTED" not in statuses


def test_the_list_pages_backward_too(
    clients: tuple[TestClient, TestClient], everything: list[dict[str, Any]]
) -> None:
    tail = _claims(clients, last=3)
    assert _nodes(tail) == everything[-3:]
    assert tail["pageInfo"]["hasPreviousPage"] and not tail["pageInfo"]["hasNextPage"]
    before = _claims(clients, last=2, before=tail["pageInfo"]["startCursor"])
    assert _nodes(before) == everything[-5:-3]


def test_a_bad_filter_is_refused_before_anything_runs(
    clients: tuple[TestClient, TestClient],
) -> None:
    for client in clients:
        body = client.post(
            "/graphql",
            json={"query": LIST, "variables": {"where": {"statusIn": ["DONE"]}}},
        ).json()
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
        assert "ClaimStatus" in body["errors"][0]["message"]


ORDERED = (
    "query($order: ClaimOrder, $first: Int, $after: String, $last: Int, $before: String) { "
    "claims(orderBy: $order, first: $first, after: $after, last: $last, before: $before) { "
    "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } "
    "edges { node { claimId effectiveDate } } } }"
)


@pytest.mark.parametrize("field", ["ID", "EFFECTIVE_DATE"])
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_the_list_sorts_both_ways_and_pages_in_its_order(
    clients: tuple[TestClient, TestClient],
    everything: list[dict[str, Any]],
    field: str,
    direction: str,
) -> None:
    order = {"field": field, "direction": direction}
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        variables = {"order": order, "first": 40, "after": after}
        page = both_engines(clients, ORDERED, variables)["claims"]
        seen += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    key = (
        (lambda n: n["claimId"])
        if field == "ID"
        else (lambda n: (n["effectiveDate"] or "", n["claimId"]))
    )
    assert seen == sorted(seen, key=key, reverse=direction == "DESC")
    assert len(seen) == len(everything)
    back = both_engines(clients, ORDERED, {"order": order, "last": 5})["claims"]
    assert [edge["node"] for edge in back["edges"]] == seen[-5:]
    # A cursor of one order is refused by another, never read as if it were its own.
    other = {"field": field, "direction": "ASC" if direction == "DESC" else "DESC"}
    for client in clients:
        body = client.post(
            "/graphql",
            json={
                "query": ORDERED,
                "variables": {"order": other, "after": back["pageInfo"]["startCursor"]},
            },
        ).json()
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body


ENTITY_CLAIMS = (
    "query($slug: String!, $where: ClaimWhere, $direction: Direction!, $predicate: Predicate) { "
    "entity(slug: $slug) { claims(where: $where, direction: $direction, predicate: $predicate, "
    "first: 100) { totalCount aggregate { count byStatus { status count } } "
    "edges { node { " + NODE + " } } } } }"
)


@pytest.mark.parametrize(
    ("where", "direction", "predicate"),
    [
        ({"statusIn": ["PLANNED", "EXPECTED"]}, "BOTH", None),
        ({"predicateIn": ["PARTY_TO", "PLANS"]}, "OUT", None),
        ({"document": SEED_DOCUMENT, "rankIn": ["NORMAL"]}, "IN", None),
        ({"asOf": "2026-01-01"}, "BOTH", "PARTY_TO"),
        ({"predicateIn": ["HOLDS_OFFICE"]}, "BOTH", "PARTY_TO"),  # disjoint: nothing
        ({"retracted": True}, "BOTH", None),  # the seed retracts nothing
    ],
    ids=[
        "status",
        "predicates-out",
        "document-rank-in",
        "as-of-predicate",
        "disjoint",
        "retracted",
    ],
)
def test_an_entitys_claims_take_the_lists_filters(
    clients: tuple[TestClient, TestClient],
    everything: list[dict[str, Any]],
    where: dict[str, Any],
    direction: str,
    predicate: str | None,
) -> None:
    """`Entity.claims(where:)` is the graph's list kept to the entity's claims in `direction`
    (issue 13 item 3: "the same filters on an entity's claims")."""
    slug = "pakistan"
    variables = {"slug": slug, "where": where, "direction": direction, "predicate": predicate}
    page = both_engines(clients, ENTITY_CLAIMS, variables)["entity"]["claims"]
    roles = {"OUT": ("subject",), "IN": ("object",), "BOTH": ("subject", "object")}[direction]
    listed = {n["claimId"] for n in _nodes(_claims(clients, where=where, first=100))}
    expected = [
        n
        for n in everything
        if any(n[role]["slug"] == slug for role in roles)
        and (predicate is None or n["predicate"] == predicate)
        and n["claimId"] in listed
    ]
    assert _nodes(page) == expected
    assert page["totalCount"] == page["aggregate"]["count"] == len(expected)
    if where.get("statusIn") or where.get("predicateIn") == ["PARTY_TO", "PLANS"]:
        assert expected  # the filter is not vacuous on the seed


ENTITY_FACETS = (
    "query($where: EntityWhere) { entities(where: $where, first: 100) { totalCount "
    "aggregate { count byKind { kind key count } } edges { node { slug kind } } } }"
)
KIND_FACETS = (
    "{ agreements(first: 0, where: {status: {eq: IN_PROGRESS}}) { aggregate { count byKind "
    "{ kind count } } } }"
)


@pytest.mark.parametrize(
    "where",
    [None, {"kindIn": ["COUNTRY", "CITY", "GOAL"]}, {"name": {"contains": "pakistan"}}],
    ids=["all", "kinds", "name"],
)
def test_an_entity_list_counts_its_matches_per_kind(
    clients: tuple[TestClient, TestClient], where: dict[str, Any] | None
) -> None:
    """EntityConnection.aggregate (issue 12 item 4): the facets of a list, apart from its page,
    against the list itself; in both engines alike, the planner in one statement."""
    data = both_engines(clients, ENTITY_FACETS, {"where": where})
    nodes = [edge["node"] for edge in data["entities"]["edges"]]
    assert len(nodes) == data["entities"]["totalCount"] > 0  # the seed fits one page of 100
    aggregate = data["entities"]["aggregate"]
    assert aggregate["count"] == len(nodes)
    per_kind: dict[str, int] = {}
    for node in nodes:
        per_kind[node["kind"]] = per_kind.get(node["kind"], 0) + 1
    assert {c["kind"]: c["count"] for c in aggregate["byKind"]} == per_kind
    assert [c["key"] for c in aggregate["byKind"]] == sorted(c["key"] for c in aggregate["byKind"])
    in_progress = both_engines(clients, KIND_FACETS, {})["agreements"]["aggregate"]
    assert in_progress["count"] >= 1
    assert in_progress["byKind"] == [{"kind": "AGREEMENT", "count": in_progress["count"]}]
