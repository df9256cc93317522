"""Writes that keep their promises (issue 13 item 6): `upsertEntity` is a patch (a field left out
keeps its value, `aliases: []` clears), a kind changes only on request and only if the entity's
claims still fit, a request reports every problem at once, and a replay gives the first answer.
Through HTTP with an editor's token, against the real Neo4j."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgapi.app import create_app
from kgapi.config import Settings
from kgapi.db import Database
from tests.integration.graphql_helpers import bearer, claim_input, delete_written, entity_input

PREFIX = "ept-"
SECRET = "entity-patch-test-secret-long-enough-for-hs256"
UPSERT = (
    "mutation($input: UpsertEntityInput!) { upsertEntity(input: $input) { changed "
    "entity { slug kind revision aliases description names { lang value } } "
    "userErrors { field message } } }"
)


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings, seeded: Database) -> Iterator[TestClient]:
    settings = neo4j_settings.model_copy(update={"jwt_secret": SECRET})
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module", autouse=True)
async def _clean_up(seeded: Database) -> AsyncIterator[None]:
    yield
    await delete_written(seeded, PREFIX)


def _upsert(client: TestClient, **given: Any) -> dict[str, Any]:
    response = client.post(
        "/graphql",
        json={"query": UPSERT, "variables": {"input": given}},
        headers=bearer(SECRET, "patch-test"),
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return dict(body["data"]["upsertEntity"])


def _slug() -> str:
    return f"{PREFIX}{uuid.uuid4().hex[:10]}"


def test_a_field_left_out_keeps_its_value_and_an_empty_list_clears(client: TestClient) -> None:
    slug = _slug()
    made = _upsert(client, **entity_input(slug, aliases=["JV", "joint ventures"]))
    assert made["changed"] and made["entity"]["aliases"] == ["JV", "joint ventures"]

    changed = _upsert(client, slug=slug, description="Joint ventures, described anew.")
    assert changed["userErrors"] == [] and changed["changed"]
    entity = changed["entity"]
    assert entity["aliases"] == ["JV", "joint ventures"]  # kept, not wiped
    assert entity["description"] == "Joint ventures, described anew."
    assert {n["lang"]: n["value"] for n in entity["names"]} == {"bn": "যৌথ উদ্যোগ", "en": slug}
    assert entity["revision"] == made["entity"]["revision"] + 1

    same = _upsert(client, slug=slug, description="Joint ventures, described anew.")
    assert same["changed"] is False  # nothing to change: the patch equals what is stored

    cleared = _upsert(client, slug=slug, aliases=[])
    assert cleared["changed"] and cleared["entity"]["aliases"] == []
    assert cleared["entity"]["description"] == "Joint ventures, described anew."


def test_a_kind_changes_only_on_request(client: TestClient) -> None:
    slug = _slug()
    _upsert(client, **entity_input(slug))
    refused = _upsert(client, slug=slug, kind="GOAL")
    assert refused["entity"] is None and not refused["changed"]
    assert [e["field"] for e in refused["userErrors"]] == ["kind"]
    assert "changeKind" in refused["userErrors"][0]["message"]

    moved = _upsert(client, slug=slug, kind="GOAL", changeKind=True)
    assert moved["userErrors"] == [] and moved["entity"]["kind"] == "GOAL"
    listed = client.post(
        "/graphql",
        json={
            "query": "query($s: String!) { goals(where: {slug: {eq: $s}}) { totalCount } "
            "initiatives(where: {slug: {eq: $s}}) { totalCount } }",
            "variables": {"s": slug},
        },
    ).json()["data"]
    assert listed == {"goals": {"totalCount": 1}, "initiatives": {"totalCount": 0}}


def test_a_kind_change_that_would_break_a_claim_is_refused_naming_it(
    client: TestClient,
) -> None:
    slug = _slug()
    _upsert(client, **entity_input(slug))
    added = client.post(
        "/graphql",
        json={
            "query": "mutation($input: AddClaimInput!) { addClaim(input: $input) { "
            "claim { claimId } userErrors { field message } } }",
            "variables": {"input": claim_input(slug)},
        },
        headers=bearer(SECRET, "patch-test"),
    ).json()["data"]["addClaim"]
    assert added["userErrors"] == []
    claim_id = added["claim"]["claimId"]
    # CONCERNS takes an initiative as its subject, not a country.
    refused = _upsert(client, slug=slug, kind="COUNTRY", changeKind=True)
    assert refused["entity"] is None
    assert [e["field"] for e in refused["userErrors"]] == ["kind"]
    assert claim_id in refused["userErrors"][0]["message"]


def test_a_new_entity_reports_every_missing_field_at_once(client: TestClient) -> None:
    refused = _upsert(client, slug=_slug(), aliases=["x"])
    assert refused["entity"] is None
    fields = sorted(e["field"] for e in refused["userErrors"])
    assert fields == ["description", "kind", "mentions", "names"]


def test_a_replay_answers_as_the_first_time(client: TestClient) -> None:
    slug = _slug()
    key = f"replay-{slug}"
    first = _upsert(client, **entity_input(slug), idempotencyKey=key)
    assert first["changed"] is True
    again = _upsert(client, **entity_input(slug), idempotencyKey=key)
    assert again == first
