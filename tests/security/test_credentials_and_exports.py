"""Hostile input, round 2 (issue 15): credentials are checked for every operation, the audit
trail is not public, JWT lifetimes and key checks are bounded, refusals log quietly, and
exports are safe to open in a spreadsheet or a graph tool."""

from __future__ import annotations

import csv
import io
import json
import logging
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from starlette.testclient import TestClient

import kgapi.auth
from kgapi.app import create_app
from kgapi.auth import AuthenticationFailed, new_api_key, verify_jwt
from kgapi.authenticate import authenticate
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.export import _csv_bytes, _graphml_edge, _graphml_node
from kgapi.queries.export import ExportClaim, ExportEntity, ExportEvidence
from kgapi.queries.keys import create_key
from kgapi.validation import DocumentIn
from tests.integration.live import running_server

SECRET = "test-secret-that-is-long-enough-for-hs256"
BAD_TOKEN = {"authorization": "Bearer kgapi_000000000000_wrong"}


@pytest.fixture(scope="module")
async def reader_token(seeded: Database) -> str:
    key_id, token, hashed = new_api_key()
    await create_key(seeded, key_id, "test-credentials-reader", "reader", hashed)
    return token


@pytest.fixture(scope="module")
def server(neo4j_settings: Settings, seeded: Database) -> Iterator[str]:
    with running_server(neo4j_settings, KGAPI_LOG_LEVEL="critical") as url:
        yield url


def _codes(response: httpx.Response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json().get("errors", [])]


# --- credentials -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "{ __typename }",
        "{ __schema { queryType { name } } }",
        '{ __type(name: "Entity") { name } }',
        '{ entity(slug: "pakistan") { __typename } }',
    ],
)
def test_an_invalid_credential_is_refused_for_every_operation(server: str, query: str) -> None:
    response = httpx.post(f"{server}/graphql", json={"query": query}, headers=BAD_TOKEN)
    assert _codes(response) == ["UNAUTHENTICATED"]
    assert response.json().get("data") is None
    # without a credential, where anonymous reads are on, the same query is answered
    assert "errors" not in httpx.post(f"{server}/graphql", json={"query": query}).json()


def test_introspection_follows_the_anonymous_read_setting(
    neo4j_settings: Settings, reader_token: str
) -> None:
    closed = neo4j_settings.model_copy(update={"allow_anonymous_reads": False})
    query = {"query": "{ __schema { queryType { name } } }"}
    with TestClient(create_app(closed)) as client:
        anonymous = client.post("/graphql", json=query).json()
        assert [e["extensions"]["code"] for e in anonymous["errors"]] == ["UNAUTHENTICATED"]
        typed = client.post("/graphql", json={"query": '{ __type(name: "Query") { name } }'})
        assert typed.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        signed_in = client.post(
            "/graphql", json=query, headers={"authorization": f"Bearer {reader_token}"}
        ).json()
        assert signed_in["data"]["__schema"]["queryType"]["name"] == "Query"


AUDIT_QUERIES = [
    "{ changes(first: 1) { totalCount } }",
    '{ entity(slug: "pakistan") { relations(first: 1) { edges { node { history { actor } } } } } }',
]


@pytest.mark.parametrize("query", AUDIT_QUERIES, ids=["changes", "history"])
def test_the_audit_trail_needs_the_reader_role(
    neo4j_settings: Settings, reader_token: str, query: str
) -> None:
    with TestClient(create_app(neo4j_settings)) as client:
        anonymous = client.post("/graphql", json={"query": query}).json()
        assert "UNAUTHENTICATED" in [e["extensions"]["code"] for e in anonymous["errors"]]
        assert "audit trail" in anonymous["errors"][0]["message"]
        reader = client.post(
            "/graphql", json={"query": query}, headers={"authorization": f"Bearer {reader_token}"}
        ).json()
        assert "errors" not in reader, reader
    opened = neo4j_settings.model_copy(update={"audit_trail_public": True})
    with TestClient(create_app(opened)) as client:
        assert "errors" not in client.post("/graphql", json={"query": query}).json()


def _jwt_settings(**update: Any) -> Settings:
    return Settings(jwt_secret=SECRET, **update)


def _token(**claims: Any) -> str:
    return jwt.encode({"sub": "someone", **claims}, SECRET, algorithm="HS256")


def test_a_jwt_that_lives_too_long_is_refused() -> None:
    settings = _jwt_settings(jwt_max_lifetime=3600)
    now = int(time.time())
    with pytest.raises(AuthenticationFailed, match="KGAPI_JWT_MAX_LIFETIME"):
        verify_jwt(_token(exp=253402300799), settings)  # the year 9999, no iat
    with pytest.raises(AuthenticationFailed, match="lives longer"):
        verify_jwt(_token(iat=now, exp=now + 2 * 86_400), settings)
    assert verify_jwt(_token(iat=now, exp=now + 1800), settings).actor == "jwt:someone"
    assert verify_jwt(_token(exp=now + 1800), settings).actor == "jwt:someone"


async def test_a_key_is_checked_alike_whether_or_not_its_id_exists(
    seeded: Database, neo4j_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same work in both cases: the secret is hashed and compared, against a dummy hash
    when the id is unknown (no timing tells a caller which key ids exist)."""
    key_id, _, hashed = new_api_key()
    await create_key(seeded, key_id, "test-constant-time", "reader", hashed)
    hashed_secrets: list[str] = []
    original = kgapi.auth.hash_secret

    def counting(secret: str) -> str:
        hashed_secrets.append(secret)
        return original(secret)

    monkeypatch.setattr(kgapi.auth, "hash_secret", counting)
    for token in (f"kgapi_{key_id}_wrong-secret", "kgapi_ffffffffffff_wrong-secret"):
        hashed_secrets.clear()
        with pytest.raises(AuthenticationFailed, match="unknown API key"):
            await authenticate(f"Bearer {token}", neo4j_settings, seeded)
        assert hashed_secrets == ["wrong-secret"], token


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_refusals_are_logged_as_warnings_without_tracebacks(neo4j_settings: Settings) -> None:
    with TestClient(create_app(neo4j_settings)) as client:
        records = _Records()
        loggers = [logging.getLogger(name) for name in ("kgapi", "strawberry")]
        for logger in loggers:
            logger.addHandler(records)
        try:
            client.post("/graphql", json={"query": "{ stats { entities } }"}, headers=BAD_TOKEN)
            client.post("/graphql", json={"query": "{ entities(first: 5000) { totalCount } }"})
        finally:
            for logger in loggers:
                logger.removeHandler(records)
    refusals = [r for r in records.records if r.name != "kgapi.access"]
    assert refusals, "a refusal leaves a line in the log"
    assert all(r.levelno == logging.WARNING for r in refusals), [
        (r.name, r.levelname, r.getMessage()) for r in refusals
    ]
    assert not any(r.exc_info for r in refusals)
    assert {getattr(r, "code", None) for r in refusals} >= {"UNAUTHENTICATED", "BAD_USER_INPUT"}


# --- exports and URLs ------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised() -> None:
    rows = [("slug", formula, 3, None, "plain, with a comma") for formula in FORMULAS]
    data = _csv_bytes(rows).decode()
    for formula in FORMULAS:
        quoted = '"' + ("'" + formula).replace('"', '""') + '"'
        assert quoted in data, formula  # prefixed with a quote, and quoted
    parsed = list(csv.reader(io.StringIO(data, newline="")))
    assert [row[1] for row in parsed] == ["'" + f for f in FORMULAS]
    assert parsed[0][2:] == ["3", "", "plain, with a comma"]
    assert _csv_bytes([("a", "b=c", "x-y")]) == b"a,b=c,x-y\r\n"  # only leading characters


def _graphml_values(fragment: str) -> dict[str, Any]:
    root = ET.fromstring(f"<g>{fragment}</g>")  # noqa: S314 (our own output)
    return {el.get("key"): el.text for el in root.iter("data")}


def test_graphml_lists_round_trip_whatever_they_hold() -> None:
    aliases = ["a | b", "c", "|", '"quoted" \\ back', "বাংলা"]
    node = _graphml_node(ExportEntity("x", "Goal", "X", None, aliases, None))
    assert json.loads(_graphml_values(node)["n_aliases"]) == aliases
    quotes = ["one | two", "three"]
    edge = _graphml_edge(
        ExportClaim(
            id="c",
            predicate="AIMS_AT",
            status="planned",
            rank="normal",
            qualifiers={},
            subject="x",
            object="x",
            evidence=[ExportEvidence("d", "bn", 0, 0, 3, q, None) for q in quotes],
        )
    )
    values = _graphml_values(edge)
    assert json.loads(values["e_evidence"]) == quotes
    assert json.loads(values["e_evidence_en"]) == [None, None]


BASE_DOCUMENT = {
    "slug": "doc-x",
    "file": "x.txt",
    "sha256": "0" * 64,
    "language": "en",
    "title": "X",
}


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:text/html,<b>x</b>", "file:///etc/passwd", "//x", "http://"],
)
def test_a_document_url_must_be_http_or_https(url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        DocumentIn.model_validate({**BASE_DOCUMENT, "url": url})
    assert DocumentIn.model_validate({**BASE_DOCUMENT, "url": "https://x.example/a"}).url


async def test_the_write_api_refuses_a_url_that_is_not_http(
    seeded: Database, neo4j_settings: Settings
) -> None:
    key_id, token, hashed = new_api_key()
    await create_key(seeded, key_id, "test-url-editor", "editor", hashed)
    slug = f"test-unsafe-url-{uuid.uuid4().hex[:8]}"  # its own slug: nothing to clean
    mutation = """mutation($input: DocumentInput!) { addDocument(input: $input) {
      document { slug } userErrors { field message } } }"""
    document = {
        "text": "A short text.",
        "language": "en",
        "title": "Unsafe link",
        "slug": slug,
        "url": "javascript:alert(document.cookie)",
    }
    with TestClient(create_app(neo4j_settings)) as client:
        response = client.post(
            "/graphql",
            json={"query": mutation, "variables": {"input": document}},
            headers={"authorization": f"Bearer {token}"},
        ).json()
    payload = response["data"]["addDocument"]
    assert payload["document"] is None
    assert any("http" in e["message"] and "url" in json.dumps(e) for e in payload["userErrors"])
    assert not await seeded.read("MATCH (d:Document {slug: $slug}) RETURN d", {"slug": slug})
