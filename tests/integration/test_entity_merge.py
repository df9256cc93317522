"""Merging two entities that are one, and deleting one that should not exist (issue 13 item 6),
through HTTP with an editor's token against the real Neo4j: claims, mentions and traversal
move to the kept entity, the merged slug resolves to it in both read engines, a curated fact is
a curator's to move, and an entity a claim names is never deleted. Each in the audit trail."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgapi.config import Settings
from kgapi.db import Database
from kgapi.graphql.ids import to_global_id
from tests.integration.graphql_helpers import (
    bearer,
    both_engines,
    claim_input,
    delete_written,
    engine_clients,
    entity_input,
)

PREFIX = "emt-"
SECRET = "entity-merge-test-secret-long-enough-for-hs256"
Clients = tuple[TestClient, TestClient]

UPSERT = (
    "mutation($input: UpsertEntityInput!) { upsertEntity(input: $input) { "
    "userErrors { field message } } }"
)
ADD_CLAIM = (
    "mutation($input: AddClaimInput!) { addClaim(input: $input) { claim { claimId } "
    "userErrors { field message } } }"
)
MERGE = (
    "mutation($input: MergeEntitiesInput!) { mergeEntities(input: $input) { changed "
    "claimsMoved entity { slug aliases } userErrors { field message code } } }"
)
DELETE = (
    "mutation($input: DeleteEntityInput!) { deleteEntity(input: $input) { changed slug "
    "userErrors { field message code } } }"
)
READ = (
    "query($slug: String!) { entity(slug: $slug) { slug aliases claimCount "
    "claims(first: 10) { edges { node { claimId subject { slug } } } } "
    "mentions(first: 10) { edges { node { surface entity { slug } } } } } }"
)


@pytest.fixture(scope="module")
def clients(neo4j_settings: Settings, seeded: Database) -> Iterator[Clients]:
    with engine_clients(neo4j_settings, jwt_secret=SECRET) as pair:
        yield pair


@pytest.fixture(scope="module", autouse=True)
async def _clean_up(seeded: Database) -> AsyncIterator[None]:
    yield
    await seeded.write(
        "MATCH (x:EntityRedirect) WHERE x.slug STARTS WITH $p DELETE x", {"p": PREFIX}
    )
    await delete_written(seeded, PREFIX)


def _write(client: TestClient, query: str, role: str = "editor", **variables: Any) -> Any:
    response = client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers=bearer(SECRET, "merge-test", role),
    )
    body = response.json()
    assert response.status_code == 200, body
    return body


def _payload(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    body = _write(client, query, **variables)
    assert "errors" not in body, body
    return dict(next(iter(body["data"].values())))


def _slug(what: str) -> str:
    return f"{PREFIX}{what}-{uuid.uuid4().hex[:8]}"


async def test_a_merge_moves_claims_mentions_names_and_the_slug(
    clients: Clients, seeded: Database
) -> None:
    client = clients[0]
    keep, merge = _slug("keep"), _slug("merge")
    assert _payload(client, UPSERT, input=entity_input(keep))["userErrors"] == []
    twin = entity_input(
        merge,
        names=[{"lang": "bn", "value": "যৌথ উদ্যোগ"}, {"lang": "en", "value": "JV twin"}],
        aliases=["joint venture twin"],
    )
    assert _payload(client, UPSERT, input=twin)["userErrors"] == []
    added = _payload(client, ADD_CLAIM, input=claim_input(merge))
    claim_id = added["claim"]["claimId"]

    merged = _payload(
        client, MERGE, input={"keep": keep, "merge": merge, "reason": "test: one initiative"}
    )
    assert merged["userErrors"] == [] and merged["changed"] is True
    assert merged["claimsMoved"] == [claim_id]
    assert merged["entity"]["slug"] == keep
    assert {"JV twin", "joint venture twin"} <= set(merged["entity"]["aliases"])

    for slug in (keep, merge):  # the merged slug resolves to the kept entity
        found = both_engines(clients, READ, {"slug": slug})["entity"]
        assert found["slug"] == keep
        assert found["claimCount"] == 1
        assert [e["node"] for e in found["claims"]["edges"]] == [
            {"claimId": claim_id, "subject": {"slug": keep}}
        ]
        assert {e["node"]["entity"]["slug"] for e in found["mentions"]["edges"]} == {keep}
    node = both_engines(
        clients,
        "query($id: ID!) { node(id: $id) { ... on Entity { slug } } }",
        {"id": to_global_id("Entity", merge)},
    )["node"]
    assert node == {"slug": keep}
    path = both_engines(
        clients,
        'query($a: String!) { shortestPath(from: $a, to: "transport-and-logistics") { '
        "nodes { slug } } }",
        {"a": keep},
    )["shortestPath"]
    assert [n["slug"] for n in path["nodes"]] == [keep, "transport-and-logistics"]
    events = await seeded.read(
        "MATCH (ev:ChangeEvent) WHERE ev.target_id IN $slugs AND ev.operation = 'mergeEntities' "
        "RETURN ev.target_id AS target ORDER BY ev.seq",
        {"slugs": [keep, merge]},
    )
    assert [e["target"] for e in events] == [keep, merge]
    leftovers = await seeded.read(
        "MATCH (e:Entity {slug: $slug}) RETURN count(e) AS n", {"slug": merge}
    )
    assert leftovers[0]["n"] == 0


def test_what_cannot_be_merged_is_refused_naming_why(clients: Clients) -> None:
    client = clients[0]
    one, goal = _slug("one"), _slug("goal")
    _payload(client, UPSERT, input=entity_input(one))
    _payload(client, UPSERT, input=entity_input(goal, kind="GOAL"))
    cases = [
        ({"keep": one, "merge": one, "reason": "x"}, "merge", None),
        ({"keep": one, "merge": goal, "reason": "x"}, "merge", "changeKind"),
        ({"keep": one, "merge": _slug("nobody"), "reason": "x"}, "merge", "no entity"),
        ({"keep": one, "merge": goal, "reason": " "}, "reason", None),
    ]
    for given, field, words in cases:
        refused = _payload(client, MERGE, input=given)
        assert refused["entity"] is None and refused["changed"] is False, given
        assert refused["userErrors"][0]["field"] == field, refused
        if words:
            assert words in refused["userErrors"][0]["message"], refused
    # A curated fact (the seed's) is a curator's to move: an editor may not merge pakistan.
    country = _slug("country")
    body = _write(
        client,
        MERGE,
        input={"keep": country, "merge": "pakistan", "reason": "test: refused"},
    )
    # the kept one does not exist: NOT_FOUND before curation is even considered
    assert body["data"]["mergeEntities"]["userErrors"][0]["code"] == "NOT_FOUND"
    _payload(
        client,
        UPSERT,
        input=entity_input(
            country,
            kind="COUNTRY",
            names=[{"lang": "bn", "value": "পাকিস্তান"}, {"lang": "en", "value": "Country (test)"}],
            mentions=[
                {
                    "document": "pk-kz-economic-ties-2025",
                    "start": 491,
                    "end": 532,
                    "quote": "পাকিস্তানের বাণিজ্য মন্ত্রী জাম কামাল খান",
                }
            ],
        ),
    )
    body = _write(
        client,
        MERGE,
        input={"keep": country, "merge": "pakistan", "reason": "test: refused"},
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    assert "curator" in body["errors"][0]["message"]


async def test_only_an_entity_no_claim_names_is_deleted(clients: Clients, seeded: Database) -> None:
    client = clients[0]
    named, lonely = _slug("named"), _slug("lonely")
    _payload(client, UPSERT, input=entity_input(named))
    _payload(client, UPSERT, input=entity_input(lonely))
    claim_id = _payload(client, ADD_CLAIM, input=claim_input(named))["claim"]["claimId"]
    refused = _payload(client, DELETE, input={"slug": named, "reason": "test"})
    assert refused["changed"] is False and refused["slug"] is None
    assert refused["userErrors"][0]["code"] == "CONFLICT"
    assert claim_id in refused["userErrors"][0]["message"]
    # Retracted, the claim still names it: evidence is kept, so is its subject.
    _payload(
        client,
        "mutation($input: RetractClaimInput!) { retractClaim(input: $input) { changed "
        "userErrors { field } } }",
        input={"id": claim_id, "reason": "test"},
    )
    assert _payload(client, DELETE, input={"slug": named, "reason": "test"})["userErrors"]

    deleted = _payload(client, DELETE, input={"slug": lonely, "reason": "test: a mistake"})
    assert deleted == {"changed": True, "slug": lonely, "userErrors": []}
    assert both_engines(clients, READ, {"slug": lonely})["entity"] is None
    events = await seeded.read(
        "MATCH (ev:ChangeEvent {target_id: $slug}) RETURN ev.operation AS op ORDER BY ev.seq",
        {"slug": lonely},
    )
    assert [e["op"] for e in events] == ["upsertEntity", "deleteEntity"]
    again = _payload(client, DELETE, input={"slug": lonely, "reason": "test"})
    assert again["userErrors"][0]["code"] == "NOT_FOUND"
