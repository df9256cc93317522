"""Root lists typed by kind, and filters on a kind's own fields (issue 12, items 1 and 7).

The answers are checked against the data: each kind's list is read whole with its kind fields,
and every filter's answer must equal the entities that the unfiltered answer says qualify.
They run over HTTP on the one-statement path (a counter proves it), so this also checks that
the statement's filter and the shaped kind fields agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgapi import model
from kgapi.app import create_app
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.graphql.arguments import KIND_LISTS
from kgapi.observability import COMPILED_READS

LIST_OF = {kind: name for name, kind in KIND_LISTS.items()}
STATUSES = [status.name for status in model.Status if status is not model.Status.RETRACTED]


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings, seeded: Database) -> Iterator[TestClient]:
    with TestClient(create_app(neo4j_settings)) as client:
        yield client


def _data(client: TestClient, query: str, variables: dict[str, Any] | None = None) -> Any:
    before = COMPILED_READS.labels("one_statement")._value.get()
    body = client.post("/graphql", json={"query": query, "variables": variables or {}}).json()
    assert "errors" not in body, body
    assert COMPILED_READS.labels("one_statement")._value.get() == before + 1
    return body["data"]


def _selection(kind: model.EntityKind) -> str:
    fields = []
    for name, spec in model.KIND_FIELDS[kind].items():
        if not spec.filterable:
            continue  # currentStatus and statusHistory: tests/integration/test_current_status.py
        fields.append(name if spec.shape is model.FieldShape.STATUS else f"{name} {{ slug }}")
    return " ".join(fields)


def _whole(client: TestClient, kind: model.EntityKind) -> dict[str, dict[str, Any]]:
    """Every entity of the kind with its kind fields, read without a fragment."""
    query = f"{{ {LIST_OF[kind]}(first: 50) {{ edges {{ node {{ slug {_selection(kind)} }} }} }} }}"
    edges = _data(client, query)[LIST_OF[kind]]["edges"]
    return {edge["node"]["slug"]: edge["node"] for edge in edges}


def _filtered(client: TestClient, kind: model.EntityKind, where: dict[str, Any]) -> set[str]:
    name = LIST_OF[kind]
    query = (
        f"query($where: {kind.value}Where) {{ {name}(first: 50, where: $where) {{ totalCount "
        "edges { node { slug } } } }"
    )
    connection = _data(client, query, {"where": where})[name]
    slugs = {edge["node"]["slug"] for edge in connection["edges"]}
    assert connection["totalCount"] == len(slugs)
    return slugs


def _ends(value: Any) -> set[str]:
    if value is None:
        return set()
    return {item["slug"] for item in value} if isinstance(value, list) else {value["slug"]}


def test_every_kind_has_a_typed_root_list(client: TestClient) -> None:
    """One list per kind, whose nodes are that kind (no fragment needed, none of another)."""
    assert set(LIST_OF) == set(model.EntityKind)
    aliases = " ".join(
        f"{name}(first: 100) {{ totalCount edges {{ node {{ __typename kind }} }} }}"
        for name in KIND_LISTS
    )
    data = _data(client, "{ " + aliases + " }")
    for name, kind in KIND_LISTS.items():
        nodes = [edge["node"] for edge in data[name]["edges"]]
        assert {node["__typename"] for node in nodes} <= {kind.value}
        assert {node["kind"] for node in nodes} <= {kind.name}
        assert data[name]["totalCount"] == len(nodes)
    assert data["countries"]["totalCount"] > 0 and data["agreements"]["totalCount"] > 0


@pytest.mark.parametrize(
    "kind", [kind for kind in model.EntityKind if model.KIND_FIELDS[kind]], ids=str
)
def test_kind_field_filters_agree_with_the_kind_fields(
    client: TestClient, kind: model.EntityKind
) -> None:
    whole = _whole(client, kind)
    assert whole, f"the seed has no {kind.value}"
    checked = 0
    for name, spec in model.KIND_FIELDS[kind].items():
        if not spec.filterable:
            continue
        if spec.shape is model.FieldShape.STATUS:
            for status in STATUSES:
                expected = {slug for slug, node in whole.items() if node[name] == status}
                assert _filtered(client, kind, {name: {"eq": status}}) == expected, status
                checked += bool(expected)
            both = {"in": ["PLANNED", "EXPECTED"]}
            expected = {s for s, n in whole.items() if n[name] in both["in"]}
            assert _filtered(client, kind, {name: both}) == expected
            continue
        seen = sorted(set().union(*(_ends(node[name]) for node in whole.values())))
        for slug in [*seen, "no-such-entity"]:
            expected = {s for s, n in whole.items() if slug in _ends(n[name])}
            assert _filtered(client, kind, {name: {"includes": slug}}) == expected, slug
            checked += bool(expected)
        if len(seen) >= 2:
            pair = seen[:2]
            every = {s for s, n in whole.items() if set(pair) <= _ends(n[name])}
            some = {s for s, n in whole.items() if set(pair) & _ends(n[name])}
            assert _filtered(client, kind, {name: {"includesAll": pair}}) == every
            assert _filtered(client, kind, {name: {"includesAny": pair}}) == some
        empty = {s for s, n in whole.items() if not _ends(n[name])}
        assert _filtered(client, kind, {name: {"empty": True}}) == empty
        assert _filtered(client, kind, {name: {"empty": False}}) == set(whole) - empty
        assert _filtered(client, kind, {"NOT": {name: {"empty": True}}}) == set(whole) - empty
    assert checked > 0  # at least one filter selected something


def test_signed_agreements_only(client: TestClient) -> None:
    """The issue's example: a UI lists signed agreements with their parties, no fragment."""
    data = _data(
        client,
        """{ agreements(where: { status: { eq: SIGNED } }) {
          edges { node { slug status parties { slug } } } } }""",
    )
    nodes = [edge["node"] for edge in data["agreements"]["edges"]]
    assert nodes and all(node["status"] == "SIGNED" for node in nodes)
    assert all(len({p["slug"] for p in node["parties"]}) == len(node["parties"]) for node in nodes)


@pytest.mark.parametrize(
    ("where", "named"),
    [
        # A status outside ClaimStatus: graphql-core names the variable's path and the enum.
        (
            {"status": {"eq": "sined"}},
            "'$w' has invalid value at .status.eq: Value 'sined' does not exist in 'ClaimStatus'",
        ),
        (
            {"AND": [{"status": {"in": ["SIGNED", "signed"]}}]},
            "'$w' has invalid value at .AND[0].status.in[1]: "
            "Value 'signed' does not exist in 'ClaimStatus'",
        ),
        ({"parties": {"includesAny": [f"e{i}" for i in range(101)]}}, "parties.includesAny"),
    ],
    ids=["bad-status", "bad-status-nested", "too-many-slugs"],
)
def test_a_bad_kind_filter_names_its_argument(
    client: TestClient, where: dict[str, Any], named: str
) -> None:
    body = client.post(
        "/graphql",
        json={
            "query": "query($w: AgreementWhere) { agreements(where: $w) { totalCount } }",
            "variables": {"w": where},
        },
    ).json()
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert named in error["message"]
    assert body["data"] is None


def test_a_claim_carries_its_revision(client: TestClient) -> None:
    """Claim.revision (issue 12): the seed wrote every claim once, so each reads revision 1 or
    more, as `expectedRevision` of a later write needs it."""
    data = _data(
        client,
        """{ entity(slug: "transit-trade-agreement") { claims(first: 20) {
          edges { node { claimId revision } } } } }""",
    )
    revisions = [edge["node"]["revision"] for edge in data["entity"]["claims"]["edges"]]
    assert revisions and all(isinstance(r, int) and r >= 1 for r in revisions)


def test_claim_aggregates_count_what_the_pages_list(client: TestClient) -> None:
    """ClaimConnection.aggregate (issue 12 item 4) agrees with the claims themselves: read the
    whole list and count it here."""
    data = _data(
        client,
        """{ entity(slug: "pakistan") {
          all: claims(first: 100) { totalCount edges { node { status predicate } } }
          counts: claims(first: 0) { aggregate { count byStatus { status key count }
            byPredicate { predicate key count } } }
          parties: claims(predicate: PARTY_TO, first: 0) { aggregate { count } }
          claimCount } }""",
    )["entity"]
    nodes = [edge["node"] for edge in data["all"]["edges"]]
    assert len(nodes) == data["all"]["totalCount"] > 0
    aggregate = data["counts"]["aggregate"]
    assert aggregate["count"] == len(nodes) == data["claimCount"]
    for key, field in (("status", "byStatus"), ("predicate", "byPredicate")):
        expected: dict[str, int] = {}
        for node in nodes:
            expected[node[key]] = expected.get(node[key], 0) + 1
        assert {c[key]: c["count"] for c in aggregate[field]} == expected
    # Statuses strongest first (ClaimStatus's order), predicates by name; the deprecated `key`
    # is the stored value of the same thing.
    order = [status.name for status in model.Status]
    statuses = [c["status"] for c in aggregate["byStatus"]]
    assert statuses == sorted(statuses, key=order.index)
    assert [model.Status(c["key"]).name for c in aggregate["byStatus"]] == statuses
    predicates = [c["predicate"] for c in aggregate["byPredicate"]]
    assert predicates == sorted(predicates)
    assert [c["key"] for c in aggregate["byPredicate"]] == predicates
    party = sum(1 for node in nodes if node["predicate"] == "PARTY_TO")
    assert data["parties"]["aggregate"]["count"] == party
