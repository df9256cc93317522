"""Cost limits answer quickly with a clear error; unexpected errors are masked and logged."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgapi.app import create_app
from kgapi.config import Settings
from kgapi.db import Database


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings, seeded: Database) -> Iterator[TestClient]:
    with TestClient(create_app(neo4j_settings)) as test_client:
        yield test_client


def _post(client: TestClient, query: str, **headers: str) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code in (200, 400), response.text
    body: dict[str, Any] = response.json()
    return body


def _nested(depth: int) -> str:
    inner = "slug"
    for _ in range(depth):
        inner = f"relations {{ edges {{ node {{ source {{ {inner} }} }} }} }}"
    return f'{{ entity(slug: "pakistan") {{ {inner} }} }}'


def test_too_deep_is_refused(client: TestClient) -> None:
    body = _post(client, _nested(10))
    assert body["data"] is None
    assert "exceeds maximum operation depth of 12" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_too_many_aliases_are_refused(client: TestClient) -> None:
    aliases = " ".join(f'a{i}: entity(slug: "pakistan") {{ slug }}' for i in range(31))
    body = _post(client, f"{{ {aliases} }}")
    assert "aliases found. Allowed: 30" in body["errors"][0]["message"]


def test_too_many_tokens_are_refused(client: TestClient) -> None:
    fields = " ".join("__typename" for _ in range(2100))
    body = _post(client, f"{{ {fields} }}")
    assert "2000 tokens" in body["errors"][0]["message"]


def test_the_server_keeps_serving_after_refusals(client: TestClient) -> None:
    body = _post(client, '{ entity(slug: "pakistan") { slug } }')
    assert body["data"] == {"entity": {"slug": "pakistan"}}


def test_unexpected_errors_are_masked_and_logged(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("internal detail that must not leak")

    # Every read fails unexpectedly: the one statement's failure is logged and the resolvers
    # answer, whose own failure is masked; neither leaks the detail.
    monkeypatch.setattr(Database, "read", broken)
    with caplog.at_level(logging.ERROR, logger="kgapi.errors"):
        body = _post(client, "{ stats { entities } }", **{"x-request-id": "req-42"})
    error = body["errors"][0]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-42"}
    assert "internal detail" not in str(body)
    assert any("internal detail" in str(r.exc_info) for r in caplog.records)
