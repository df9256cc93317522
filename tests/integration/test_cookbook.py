"""Every query of the README's cookbook runs over HTTP against the real graph."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgapi.app import create_app
from kgapi.config import Settings
from kgapi.db import Database

README = Path(__file__).resolve().parents[2] / "README.md"
QUERIES = re.findall(r"```graphql\n(.*?)```", README.read_text("utf-8"), re.S)


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


@pytest.mark.parametrize("query", QUERIES, ids=[f"recipe-{i + 1}" for i in range(len(QUERIES))])
def test_each_recipe_answers_with_data(client: TestClient, query: str) -> None:
    response = client.post("/graphql", json={"query": query})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    for field, value in body["data"].items():
        assert _has_data(value), f"{field} came back empty"
