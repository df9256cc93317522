"""Every query of the README's cookbook runs over HTTP against the real graph, and so do the
writing examples (with an editor key, cleaned up afterwards)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgapi.app import create_app
from kgapi.auth import new_api_key
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.observability import COMPILED_READS
from kgapi.queries.keys import create_key
from tests.integration.graphql_helpers import recount_claims

README = Path(__file__).resolve().parents[2] / "README.md"
TEXT = README.read_text("utf-8")


def _section(title: str) -> str:
    start = TEXT.index(title)
    end = TEXT.find("\n## ", start + len(title))
    return TEXT[start : end if end != -1 else len(TEXT)]


QUERIES = re.findall(r"```graphql\n(.*?)```", _section("### Query cookbook"), re.S)
WRITES = re.findall(r"```graphql\n(.*?)```", _section("## Writing:"), re.S)


def _has_data(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_data(v) for v in value.values())
    if isinstance(value, list):
        return bool(value) and any(_has_data(v) for v in value)
    return value is not None


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings, seeded: Database) -> Iterator[TestClient]:
    with TestClient(create_app(neo4j_settings)) as test_client:
        yield test_client


def test_the_cookbook_has_at_least_ten_queries() -> None:
    assert len(QUERIES) >= 10
    assert len(WRITES) >= 3


@pytest.mark.parametrize("query", QUERIES, ids=[f"recipe-{i + 1}" for i in range(len(QUERIES))])
def test_each_recipe_answers_with_data(client: TestClient, query: str) -> None:
    one = COMPILED_READS.labels("one_statement")._value.get()
    response = client.post("/graphql", json={"query": query})
    # Every read is answered by the read planner in one statement (issue 12), none field by field.
    assert COMPILED_READS.labels("one_statement")._value.get() == one + 1
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    for field, value in body["data"].items():
        assert _has_data(value), f"{field} came back empty"


async def test_the_writing_examples_work_with_an_editor_key(
    client: TestClient, seeded: Database
) -> None:
    key_id, token, hashed = new_api_key()
    await create_key(seeded, key_id, "test-readme", "editor", hashed)
    try:
        for mutation in WRITES:
            response = client.post(
                "/graphql", json={"query": mutation}, headers={"authorization": f"Bearer {token}"}
            )
            body = response.json()
            assert "errors" not in body, body
            payload = next(iter(body["data"].values()))
            assert payload["userErrors"] == [], payload
    finally:
        await seeded.write(
            "MATCH (n) WHERE (n:Entity OR n:Document) AND n.slug STARTS WITH 'readme-' "
            "OPTIONAL MATCH (c:Claim)-[:SUBJECT|OBJECT]->(n) "
            "OPTIONAL MATCH (s:Sentence)-[:PART_OF]->(n) DETACH DELETE c, s, n"
        )
        await seeded.write(
            "MATCH (x) WHERE (x:ChangeEvent AND x.target_id STARTS WITH 'readme-') "
            "OR (x:ApiKey AND x.id = $id) DETACH DELETE x",
            {"id": key_id},
        )
        await recount_claims(seeded)
