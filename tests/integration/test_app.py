"""The HTTP surface: /graphql documents (Relay), /health, /ready, predictable errors."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgapi.app import create_app
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.seed import DEFAULT_SEED_DIR

ARTICLE = DEFAULT_SEED_DIR / "documents" / "000_a2bfdf3df2dbf4a8.txt"

DOCUMENTS = """
query Docs($first: Int!, $after: String) {
  documents(first: $first, after: $after) {
    edges { cursor node { id slug title language text listedOnly } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
    totalCount
  }
}
"""


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings, seeded: Database) -> Iterator[TestClient]:
    with TestClient(create_app(neo4j_settings)) as test_client:
        yield test_client


def _gql(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_documents_returns_the_article_verbatim(client: TestClient) -> None:
    # Pages of 10: a page of documents *with their text* is bounded by the response limit
    # (KGAPI_MAX_RESPONSE_BYTES / KGAPI_MAX_DOCUMENT_BYTES texts; see the next test).
    nodes: dict[str, dict[str, Any]] = {}
    after = None
    while True:
        body = _gql(client, DOCUMENTS, first=10, after=after)
        assert "errors" not in body, body
        connection = body["data"]["documents"]
        nodes.update({edge["node"]["slug"]: edge["node"] for edge in connection["edges"]})
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    article = nodes["pk-kz-economic-ties-2025"]
    assert article["text"] == ARTICLE.read_text("utf-8")
    assert article["language"] == "bn"
    assert article["title"].startswith("পাকিস্তান ও কাজাখস্তান")
    assert not article["listedOnly"]
    # the article and the six sources it lists (other tests may add documents of their own)
    assert connection["totalCount"] >= 7
    assert sum(1 for n in nodes.values() if n["listedOnly"]) == 6


def test_keyset_pages_cover_the_list_once_in_order(client: TestClient) -> None:
    slugs: list[str] = []
    after = None
    while True:
        page = _gql(client, DOCUMENTS, first=3, after=after)["data"]["documents"]
        slugs += [edge["node"]["slug"] for edge in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert slugs == sorted(slugs)
    total = _gql(client, DOCUMENTS, first=1)["data"]["documents"]["totalCount"]
    assert len(slugs) == len(set(slugs)) == total


def test_node_resolves_a_documents_global_id(client: TestClient) -> None:
    first = _gql(client, DOCUMENTS, first=1)["data"]["documents"]["edges"][0]["node"]
    body = _gql(
        client, "query($id: ID!) { node(id: $id) { id ... on Document { slug } } }", id=first["id"]
    )
    assert body["data"]["node"] == {"id": first["id"], "slug": first["slug"]}
    unknown = _gql(client, 'query { node(id: "bm9wZTpub3Bl") { id } }')
    assert unknown["data"]["node"] is None


def test_a_page_of_many_texts_is_refused_before_reading(client: TestClient) -> None:
    body = _gql(client, DOCUMENTS, first=100)
    assert body["data"] is None
    error = body["errors"][0]
    # Refused by the cost model: over the anonymous budget, or over the response limit.
    assert error["extensions"]["code"] in ("QUERY_TOO_COMPLEX", "RESPONSE_TOO_LARGE")
    assert "budget" in error["message"] or "KGAPI_MAX_RESPONSE_BYTES" in error["message"]


def test_a_page_too_large_is_bad_user_input(client: TestClient) -> None:
    body = _gql(client, DOCUMENTS, first=1000)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "`first` must be between 0 and 100" in error["message"]


def test_a_foreign_cursor_is_bad_user_input(client: TestClient) -> None:
    body = _gql(client, DOCUMENTS, first=2, after="garbage")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "after" in body["errors"][0]["message"]


def test_validation_errors_have_a_code(client: TestClient) -> None:
    body = _gql(client, "{ documents { edges { nope } } }")
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_graphiql_is_served_to_browsers(client: TestClient) -> None:
    response = client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_when_neo4j_is_down_ready_is_503_and_graphql_says_so() -> None:
    settings = Settings(
        neo4j_uri=f"bolt://127.0.0.1:{_closed_port()}", connect_timeout=2, query_timeout=2
    )
    with TestClient(create_app(settings)) as down:
        assert down.get("/health").status_code == 200
        ready = down.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["status"] == "unavailable"
        assert "cannot reach Neo4j" in ready.json()["reason"]
        body = _gql(down, DOCUMENTS, first=1)
        assert body["data"] is None
        error = body["errors"][0]
        assert error["extensions"] == {"code": "DATABASE_UNAVAILABLE"}
        assert error["message"] == "The database is unavailable; try again shortly."


def test_bengali_leaves_as_utf8_not_escapes(client: TestClient) -> None:
    """Answers are encoded by orjson: Bengali is sent as UTF-8 (three bytes a letter), not as
    six-byte \\uXXXX escapes."""
    response = client.post(
        "/graphql", json={"query": '{ entity(slug: "pakistan") { name(lang: "bn") } }'}
    )
    assert response.status_code == 200
    assert "পাকিস্তান".encode() in response.content
    assert b"\\u09" not in response.content
