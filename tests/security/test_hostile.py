"""Hostile input: injection is data, cost attacks are refused before Neo4j is asked, malformed
bodies get a clear 4xx, and production settings hide the schema."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from kgapi.app import create_app
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.observability import NEO4J_QUERIES
from tests.integration.live import running_server

NASTY = [
    "' OR 1=1 //",
    '") DETACH DELETE n //',
    "`) MATCH (n) DETACH DELETE n //",
    "}) WITH 1 AS x MATCH (n) DETACH DELETE n //",
    "$slug",
    "\\u0027; DROP",
    "/* comment */",
    "*",
    "~",
    "AND",
    "OR NOT",
    '"unbalanced',
    "\\",
    "a:b^2",
    "[1 TO 9]",
    "(((",
    "?*",
    "\u202epakistan",
    "pak\u0000istan",
    "পাকিস্তান\u200d",
    "\ufeffKarachi",
    "𝐏𝐚𝐤𝐢𝐬𝐭𝐚𝐧",
    "A" * 150,
    "CALL db.clearQueryCaches()",
    "LOAD CSV FROM 'file:///etc/passwd' AS l",
]

STRING_ARGUMENTS = [
    ("query($v: String!) { entity(slug: $v) { slug } }", {}),
    ("query($v: String!) { search(text: $v) { entity { slug } } }", {}),
    ("query($v: String!) { shortestPath(from: $v, to: $v) { length } }", {}),
    ('query($v: String!) { shortestPath(from: "pakistan", to: $v) { length } }', {}),
    ("query($v: String!) { neighborhood(slug: $v) { nodes { slug } } }", {}),
    ("query($v: String!) { claim(id: $v) { claimId } }", {}),
    ("query($v: ID!) { node(id: $v) { id } }", {}),
    ("query($v: String!) { changes(actor: $v) { totalCount } }", {}),
    # Enums and language tags: a hostile string is refused as the variable is coerced.
    (
        'query($v: Predicate!) { entity(slug: "pakistan") { claims(predicate: $v) { totalCount } } }',  # noqa: E501
        {},
    ),
    ("query($v: String!) { entities(where: {name: {eq: $v}}) { totalCount } }", {}),
    ("query($v: String!) { entities(where: {name: {contains: $v}}) { totalCount } }", {}),
    ("query($v: String!) { entities(where: {slug: {startsWith: $v}}) { totalCount } }", {}),
    ("query($v: String!) { entities(where: {slug: {in: [$v]}}) { totalCount } }", {}),
    ("query($v: String!) { entities(where: {some: {other: $v}}) { totalCount } }", {}),
    ("query($v: Predicate!) { entities(where: {some: {predicate: $v}}) { totalCount } }", {}),
    ("query($v: ClaimStatus!) { agreements(where: {status: {eq: $v}}) { totalCount } }", {}),
    ("query($v: String!) { entities(after: $v) { totalCount } }", {}),
    ('query($v: LanguageTag!) { entity(slug: "pakistan") { name(lang: $v) } }', {}),
]


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings, seeded: Database) -> Iterator[TestClient]:
    # The audit trail opened to anonymous callers, so injection is tried through `changes` too.
    opened = neo4j_settings.model_copy(update={"audit_trail_public": True})
    with TestClient(create_app(opened)) as test_client:
        yield test_client


async def _fingerprint(db: Database) -> tuple[Any, ...]:
    records = await db.read(
        "CALL () { MATCH (n) RETURN count(n) AS nodes } "
        "CALL () { MATCH ()-[r]->() RETURN count(r) AS rels } "
        "CALL () { MATCH (e:Entity) RETURN collect(e.slug + ':' + toString(e.revision)) AS es } "
        "RETURN nodes, rels, es"
    )
    return (records[0]["nodes"], records[0]["rels"], sorted(records[0]["es"]))


async def test_injection_is_always_data(client: TestClient, seeded: Database) -> None:
    before = await _fingerprint(seeded)
    tried = 0
    for query, extra in STRING_ARGUMENTS:
        for value in NASTY:
            response = client.post(
                "/graphql", json={"query": query, "variables": {"v": value, **extra}}
            )
            assert response.status_code == 200, response.text
            for error in response.json().get("errors", []):
                assert error["extensions"]["code"] in {"BAD_USER_INPUT"}, (query, value, error)
            tried += 1
    assert tried == len(STRING_ARGUMENTS) * len(NASTY)
    assert await _fingerprint(seeded) == before


def _refused_without_asking_neo4j(
    client: TestClient, body: Any, status: int = 200
) -> dict[str, Any]:
    asked = NEO4J_QUERIES._value.get()
    response = client.post(
        "/graphql", content=json.dumps(body), headers={"content-type": "application/json"}
    )
    assert response.status_code == status, response.text[:300]
    assert NEO4J_QUERIES._value.get() == asked  # refused before any Cypher ran
    result: dict[str, Any] = response.json() if response.text.startswith("{") else {}
    return result


def _nested(depth: int) -> str:
    inner = "slug"
    for _ in range(depth):
        inner = f"relations {{ edges {{ node {{ source {{ {inner} }} }} }} }}"
    return f'{{ entity(slug: "pakistan") {{ {inner} }} }}'


@pytest.mark.parametrize(
    "attack",
    [
        "depth-50",
        "aliases-1000",
        "tokens-10000",
        "batch-100",
        "body-5mb",
        "variables-5mb",
        "first-1000000",
        "maxhops-1000",
        "hops-50",
    ],
)
def test_cost_attacks_are_refused(client: TestClient, attack: str) -> None:
    aliases = " ".join(f'a{i}: entity(slug: "pakistan") {{ slug }}' for i in range(1000))
    body: Any = {
        "depth-50": {"query": _nested(13)},  # 13 levels of 4 fields ≈ depth 52
        "aliases-1000": {"query": f"{{ {aliases} }}"},
        "tokens-10000": {"query": "{ " + " ".join(["__typename"] * 10_000) + " }"},
        "batch-100": [{"query": "{ stats { entities } }"}] * 100,
        "body-5mb": {"query": "{ stats { entities } }", "extra": "x" * 5_000_000},
        "variables-5mb": {
            "query": "query($v: String!) { entity(slug: $v) { slug } }",
            "variables": {"v": "x" * 5_000_000},
        },
        "first-1000000": {"query": "{ entities(first: 1000000) { totalCount } }"},
        "maxhops-1000": {"query": '{ shortestPath(from: "a", to: "b", maxHops: 1000) { length } }'},
        "hops-50": {"query": '{ neighborhood(slug: "pakistan", hops: 50) { nodes { slug } } }'},
    }[attack]
    status = {"batch-100": 400, "body-5mb": 413, "variables-5mb": 413}.get(attack, 200)
    result = _refused_without_asking_neo4j(client, body, status)
    if status == 413:
        assert result["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    elif status == 200:
        error = result["errors"][0]
        assert error["extensions"]["code"] in {
            "BAD_USER_INPUT",
            "GRAPHQL_VALIDATION_FAILED",
            "GRAPHQL_PARSE_FAILED",
            "QUERY_TOO_LARGE",  # 10,000 tokens are 110 KB: over KGAPI_MAX_QUERY_BYTES first
        }
        assert error["message"]


async def test_attacks_do_not_stop_the_server_serving_others(
    neo4j_settings: Settings, seeded: Database
) -> None:
    with running_server(neo4j_settings, workers=1) as url:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            attack = {"query": "{ " + " ".join(["__typename"] * 10_000) + " }"}
            deep = {"query": _nested(13)}
            normal = {"query": '{ entity(slug: "pakistan") { slug } }'}
            calls = [
                http.post("/graphql", json=attack if i % 3 == 0 else deep if i % 3 == 1 else normal)
                for i in range(60)
            ]
            responses = await asyncio.gather(*calls)
    served = [r.json() for i, r in enumerate(responses) if i % 3 == 2]
    assert all(r["data"] == {"entity": {"slug": "pakistan"}} for r in served)
    refused = [r.json() for i, r in enumerate(responses) if i % 3 != 2]
    assert all(r["errors"] for r in refused)


@pytest.mark.parametrize(
    "body,content_type,expected",
    [
        (b"{not json", "application/json", "Unable to parse request body as JSON"),
        (b'{"query": 5}', "application/json", "must be a string"),
        (b'{"query": "{ stats { entities } }", "variables": "x"}', "application/json", "variables"),
        (b"", "application/json", ""),
        (b"query=1", "text/plain", "Unsupported content type"),
    ],
)
def test_malformed_bodies_get_a_clear_400(
    client: TestClient, body: bytes, content_type: str, expected: str
) -> None:
    response = client.post("/graphql", content=body, headers={"content-type": content_type})
    assert response.status_code in (400, 415), response.text
    assert expected.lower() in response.text.lower()


def test_production_settings_hide_the_schema(neo4j_settings: Settings, seeded: Database) -> None:
    production = neo4j_settings.model_copy(
        update={
            "introspection": False,
            "field_suggestions": False,
            "graphiql": False,
            "cors_origins": ["https://explorer.example"],
            "allowed_hosts": ["api.example", "testserver"],
        }
    )
    with TestClient(create_app(production)) as strict:
        introspect = strict.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        assert introspect.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        typo = strict.post("/graphql", json={"query": "{ entitie { slug } }"}).json()
        assert "Did you mean" not in typo["errors"][0]["message"]
        assert strict.get("/graphql", headers={"accept": "text/html"}).status_code in (400, 404)
        allowed = strict.post(
            "/graphql",
            json={"query": "{ stats { entities } }"},
            headers={"origin": "https://explorer.example"},
        )
        assert allowed.headers["access-control-allow-origin"] == "https://explorer.example"
        other = strict.post(
            "/graphql",
            json={"query": "{ stats { entities } }"},
            headers={"origin": "https://evil.example"},
        )
        assert "access-control-allow-origin" not in other.headers
        wrong_host = strict.get("/health", headers={"host": "evil.example"})
        assert wrong_host.status_code == 400
    with TestClient(create_app(neo4j_settings)) as default:
        open_schema = default.post(
            "/graphql", json={"query": "{ __schema { queryType { name } } }"}
        )
        assert open_schema.json()["data"]["__schema"]["queryType"]["name"] == "Query"


def test_metrics_and_request_ids(client: TestClient) -> None:
    response = client.post(
        "/graphql", json={"query": "{ nope }"}, headers={"x-request-id": "trace-me-1"}
    )
    assert response.headers["x-request-id"] == "trace-me-1"
    generated = client.get("/health").headers["x-request-id"]
    assert len(generated) == 32
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    text = metrics.text
    assert 'kgapi_http_requests_total{method="POST",route="/graphql",status="200"}' in text
    assert 'kgapi_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"}' in text
    assert "kgapi_neo4j_in_flight" in text and "kgapi_http_request_seconds_bucket" in text
