"""Hostile input, round 2 (issue 15): what a client can send at the HTTP layer never ends in a
500 or a masked error, lists are bounded, and slow or oversized clients are dealt with.

The HTTP cases run against a real uvicorn process over TCP (as `kgapi serve` runs it); the
fuzzing runs in process, where hypothesis can afford hundreds of examples.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from kgapi.app import create_app
from kgapi.auth import new_api_key
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.observability import NEO4J_QUERIES
from kgapi.queries.keys import create_key
from kgapi.slow_clients import PROTOCOL
from tests.integration.live import running_server

EXAMPLES = int(os.environ.get("KGAPI_FUZZ_EXAMPLES", "150"))
READ_TIMEOUT = 2  # seconds, for the slow-client server
GUARD = 60.0  # the most a socket test waits for the server before giving up (not a timing check)
JSON = {"content-type": "application/json"}
INTERNAL_MARKERS = ("Traceback", "neo4j.exceptions", "Cypher", 'File "')


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"1" + b"]" * depth


# (name, raw body). Each was a 500 or a masked INTERNAL_SERVER_ERROR on main before issue 15.
HOSTILE_BODIES: list[tuple[str, bytes]] = [
    (
        "deeply nested variables",
        b'{"query": "query($v: JSON) { __typename }", "variables": {"v": '
        + _nested(100_000)
        + b"}}",
    ),
    ("deeply nested junk field", b'{"query": "{ __typename }", "x": ' + _nested(5000) + b"}"),
    (
        "integer beyond the digit limit",
        b'{"query": "query($v: Int!) { entities(first: $v) { totalCount } }", '
        b'"variables": {"v": ' + b"9" * 5000 + b"}}",
    ),
    (
        "integer literal beyond the digit limit",
        b'{"query": "{ entities(first: ' + b"9" * 5000 + b') { totalCount } }"}',
    ),
    ("long first literal", b'{"query": "{ entities(first: ' + b"9" * 60 + b') { totalCount } }"}'),
    (
        "lone surrogate in a variable",
        b'{"query": "query($v: String!) { entity(slug: $v) { slug } }", '
        b'"variables": {"v": "\\ud800"}}',
    ),
    ("lone surrogate in the query", b'{"query": "{ entity(slug: \\"\\udfff\\") { slug } }"}'),
    ("invalid UTF-8 body", b'{"query": "{ entity(slug: \\"\xff\xfe\\") { slug } }"}'),
    (
        "truncated UTF-8 in a variable",
        b'{"query": "{ __typename }", "variables": {"v": "\xe0\xa6"}}',
    ),
    ("UTF-16 body", '{"query": "{ __typename }"}'.encode("utf-16")),
    ("top-level string", b'"{ __typename }"'),
    ("top-level number", b"5"),
    ("top-level null", b"null"),
    ("NaN", b'{"query": "{ __typename }", "variables": {"v": NaN}}'),
    ("subscription over HTTP", b'{"query": "subscription { graphChanged { seq } }"}'),
    (
        "two operations, no operationName",
        b'{"query": "query A { __typename } query B { stats { entities } }"}',
    ),
    ("cursor with a key Neo4j cannot hold", b""),  # filled in below: needs base64
    ("cursor with a lone surrogate", b""),
]


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


HOSTILE_BODIES[-2] = (
    HOSTILE_BODIES[-2][0],
    json.dumps(
        {
            "query": "query($c: String) { entities(after: $c) { edges { cursor } } }",
            "variables": {"c": _cursor(["Entity:SLUG:ASC", 10**30, "x"])},
        }
    ).encode(),
)
HOSTILE_BODIES[-1] = (
    HOSTILE_BODIES[-1][0],
    json.dumps(
        {
            "query": 'query($c: String) { entity(slug: "pakistan") '
            "{ relations(after: $c) { edges { cursor } } } }",
            "variables": {"c": _cursor(["Relation", "\ud800"])},
        }
    ).encode(),
)


@pytest.fixture(scope="module")
def server(neo4j_settings: Settings, seeded: Database) -> Iterator[str]:
    """The API as `kgapi serve` runs it (the read-timeout protocol), with a short timeout."""
    with running_server(
        neo4j_settings,
        uvicorn_args=("--http", PROTOCOL),
        KGAPI_REQUEST_READ_TIMEOUT=str(READ_TIMEOUT),
        KGAPI_LOG_LEVEL="critical",
    ) as url:
        yield url


def _assert_clear(response: httpx.Response, what: str) -> None:
    """A 4xx, or a 200 whose every error has a code other than INTERNAL_SERVER_ERROR."""
    assert response.status_code < 500, (what, response.status_code, response.text[:300])
    if response.status_code != 200:
        assert response.text.strip(), what  # says what is wrong
        return
    body = response.json()
    assert body.get("errors"), (what, body)
    for error in body["errors"]:
        code = (error.get("extensions") or {}).get("code")
        assert code and code != "INTERNAL_SERVER_ERROR", (what, error)
        assert not any(marker in error["message"] for marker in INTERNAL_MARKERS), (what, error)


@pytest.mark.parametrize("name,body", HOSTILE_BODIES, ids=[n for n, _ in HOSTILE_BODIES])
def test_hostile_bodies_get_a_400_or_a_coded_error(server: str, name: str, body: bytes) -> None:
    response = httpx.post(f"{server}/graphql", content=body, headers=JSON, timeout=60)
    _assert_clear(response, name)


def test_several_operations_without_a_name_get_the_specifications_error(server: str) -> None:
    query = "query A { __typename } query B { __typename }"
    unnamed = httpx.post(f"{server}/graphql", json={"query": query}).json()
    assert unnamed["errors"][0]["message"] == (
        "Must provide operation name if query contains multiple operations."
    )
    assert "data" not in unnamed or unnamed["data"] is None
    named = httpx.post(f"{server}/graphql", json={"query": query, "operationName": "B"}).json()
    assert named == {"data": {"__typename": "Query"}}


# --- fuzzing the HTTP layer ------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)
QUERIES = [
    "query($v: String!) { entity(slug: $v) { slug } }",
    "query($v: Int!) { entities(first: $v) { totalCount } }",
    'query($v: [EntityKind!]) { search(text: "pak", kinds: $v) { score } }',
    'query($v: [String!]) { neighborhood(slug: "pakistan", types: $v) { nodes { slug } } }',
    "query($v: EntityWhere) { entities(where: $v) { totalCount } }",
    "query($v: String) { documents(after: $v) { totalCount } }",
    "query($v: JSON) { __typename }",
]


def _check(client: TestClient, what: Any, **kwargs: Any) -> None:
    response = client.post("/graphql", **kwargs)
    assert response.status_code < 500, (what, response.text[:300])
    if response.status_code == 200:
        for error in response.json().get("errors", []):
            code = (error.get("extensions") or {}).get("code")
            assert code and code != "INTERNAL_SERVER_ERROR", (what, error)


FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


@FUZZ
@given(body=st.binary(max_size=300))
def test_fuzzed_raw_bodies(client: TestClient, body: bytes) -> None:
    _check(client, body, content=body, headers=JSON)


@FUZZ
@given(shape=json_values)
def test_fuzzed_json_shapes(client: TestClient, shape: Any) -> None:
    _check(client, shape, content=json.dumps(shape).encode(), headers=JSON)


@FUZZ
@given(
    query=st.sampled_from(QUERIES),
    variables=st.dictionaries(st.sampled_from(["v", "w"]), json_values, max_size=2),
    operation=st.none() | st.text(max_size=5) | st.integers(),
    extensions=st.none() | json_values,
)
def test_fuzzed_variables_and_fields(
    client: TestClient, query: str, variables: Any, operation: Any, extensions: Any
) -> None:
    body = {"query": query, "variables": variables, "operationName": operation}
    if extensions is not None:
        body["extensions"] = extensions
    _check(client, body, json=body)


@FUZZ
@given(
    content_type=st.sampled_from(
        [
            "application/json",
            "application/json; charset=latin-1",
            "application/graphql-response+json",
            "text/plain",
            "multipart/form-data",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded",
            "",
        ]
    ),
    body=st.binary(max_size=80) | st.just(b'{"query": "{ __typename }"}'),
)
def test_fuzzed_content_types(client: TestClient, content_type: str, body: bytes) -> None:
    _check(client, (content_type, body), content=body, headers={"content-type": content_type})


# --- cursors of every list ---------------------------------------------------------------------

CURSOR_LISTS = {
    "Entity:SLUG:ASC": "entities(after: $c) { edges { cursor } }",
    "Entity:NAME:DESC": "entities(after: $c, orderBy: {field: NAME, direction: DESC}) "
    "{ edges { cursor } }",
    "Entity:RELATION_COUNT:ASC": "entities(after: $c, orderBy: {field: RELATION_COUNT}) "
    "{ edges { cursor } }",
    "Entity:KIND:ASC": "countries(after: $c, orderBy: {field: KIND}) { edges { cursor } }",
    "Relation": 'entity(slug: "pakistan") { relations(after: $c) { edges { cursor } } }',
    "Document": "documents(after: $c) { edges { cursor } }",
    "Change": "changes(after: $c) { edges { cursor } }",
}


@pytest.fixture(scope="module")
async def reader_token(seeded: Database) -> str:
    key_id, token, hashed = new_api_key()
    await create_key(seeded, key_id, "test-hostile-cursors", "reader", hashed)
    return token


@FUZZ
@given(kind=st.sampled_from(sorted(CURSOR_LISTS)), key=st.lists(json_values, max_size=3))
def test_tampered_cursors_of_every_list(
    client: TestClient, reader_token: str, kind: str, key: list[Any]
) -> None:
    """Forged cursors with the right list name and any key are BAD_USER_INPUT, never masked."""
    query = "query($c: String) { " + CURSOR_LISTS[kind] + " }"
    _check(
        client,
        (kind, key),
        json={"query": query, "variables": {"c": _cursor([kind, *key])}},
        headers={"authorization": f"Bearer {reader_token}"},
    )


@pytest.mark.parametrize(
    "key",
    [[10**30, "x"], [{"a": 1}, "x"], [None, "x"], [True, "x"], ["x"], ["a", "b", "c"]],
    ids=str,
)
def test_a_forged_entity_cursor_is_bad_user_input(client: TestClient, key: list[Any]) -> None:
    query = "query($c: String) { entities(after: $c) { edges { cursor } } }"
    body = {"query": query, "variables": {"c": _cursor(["Entity:SLUG:ASC", *key])}}
    errors = client.post("/graphql", json=body).json()["errors"]
    assert errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "after"}


# --- list arguments ----------------------------------------------------------------------------

LIST_ARGUMENTS = [
    ('query($v: [EntityKind!]) { search(text: "pak", kinds: $v) { score } }', "COUNTRY"),
    (
        'query($v: [String!]) { neighborhood(slug: "pakistan", types: $v) { nodes { slug } } }',
        "PARTY_TO",
    ),
    ("query($v: [EntityKind!]) { entities(where: {kindIn: $v}) { totalCount } }", "COUNTRY"),
    ("query($v: [String!]) { entities(where: {slug: {in: $v}}) { totalCount } }", "pakistan"),
    (
        "query($v: [EntityWhere!]) { entities(where: {OR: $v}) { totalCount } }",
        {"slug": {"eq": "x"}},
    ),
]


@pytest.mark.parametrize("query,item", LIST_ARGUMENTS, ids=[q[:40] for q, _ in LIST_ARGUMENTS])
@pytest.mark.parametrize("size", [101, 150_000])
def test_every_list_argument_is_bounded_before_neo4j_is_asked(
    client: TestClient, query: str, item: Any, size: int
) -> None:
    if not isinstance(item, str):
        size = min(size, 40_000)  # 150,000 filters would not fit in the body limit
    asked = NEO4J_QUERIES._value.get()
    response = client.post("/graphql", json={"query": query, "variables": {"v": [item] * size}})
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["maximum"] == 100
    assert "KGAPI_MAX_LIST_ARGUMENT" in error["message"]
    assert NEO4J_QUERIES._value.get() == asked
    within = client.post("/graphql", json={"query": query, "variables": {"v": [item] * 100}})
    assert "KGAPI_MAX_LIST_ARGUMENT" not in within.text


def test_list_literals_are_bounded_too(client: TestClient) -> None:
    kinds = ", ".join(["COUNTRY"] * 101)
    response = client.post(
        "/graphql", json={"query": f'{{ search(text: "pak", kinds: [{kinds}]) {{ score }} }}'}
    )
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "maximum": 100}


def test_the_list_limit_is_a_setting(neo4j_settings: Settings, seeded: Database) -> None:
    wide = neo4j_settings.model_copy(update={"max_list_argument": 500})
    with TestClient(create_app(wide)) as client:
        query = 'query($v: [EntityKind!]) { search(text: "pak", kinds: $v) { score } }'
        ok = client.post("/graphql", json={"query": query, "variables": {"v": ["COUNTRY"] * 400}})
        assert "errors" not in ok.json()


# --- slow and large clients ----------------------------------------------------------------


def _address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


def _until_closed(sock: socket.socket, trickle: bytes) -> bytes:
    """Send `trickle` a byte at a time, twice a second, until the server closes the
    connection; what the server sent meanwhile. Gives up (and the test fails) after GUARD."""
    received = b""
    sock.settimeout(0.5)
    started = time.monotonic()
    position = 0
    while time.monotonic() - started < GUARD:
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            chunk = None
        except ConnectionResetError:
            return received
        if chunk == b"":
            return received
        if chunk:
            received += chunk
            continue
        try:
            sock.send(trickle[position % len(trickle) : position % len(trickle) + 1])
        except (BrokenPipeError, ConnectionResetError):
            return received
        position += 1
    raise AssertionError(f"the server kept a slow client for {GUARD:.0f} s")


def test_a_client_trickling_headers_is_closed_with_408(server: str) -> None:
    with socket.create_connection(_address(server)) as sock:
        sock.sendall(b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        received = _until_closed(sock, b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n")
    assert received.startswith(b"HTTP/1.1 408"), received[:100]


def test_a_client_that_never_sends_a_request_is_closed(server: str) -> None:
    with socket.create_connection(_address(server)) as sock:
        received = _idle_until_closed(sock)
    assert received == b"" or received.startswith(b"HTTP/1.1 408")


def _idle_until_closed(sock: socket.socket) -> bytes:
    sock.settimeout(GUARD)
    try:
        received = b""
        while chunk := sock.recv(4096):
            received += chunk
        return received
    except TimeoutError:
        raise AssertionError(f"the server kept an idle client for {GUARD:.0f} s") from None


def test_a_client_trickling_its_body_is_cut_off(server: str) -> None:
    body = b'{"query": "{ __typename }"}' + b" " * 200
    with socket.create_connection(_address(server)) as sock:
        sock.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:10]
        )
        _until_closed(sock, b" ")


def test_the_server_still_answers_after_slow_clients(server: str) -> None:
    assert httpx.get(f"{server}/health").json() == {"status": "ok"}


@pytest.mark.parametrize("megabytes", [3, 8, 20])
def test_a_client_sending_too_large_a_body_reads_the_413(server: str, megabytes: int) -> None:
    """It sends everything before reading, as urllib does; the server must not reset it."""
    body = b"{" + b" " * (megabytes * 1_000_000) + b"}"
    with socket.create_connection(_address(server)) as sock:
        sock.settimeout(GUARD)
        sock.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, payload = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), head[:100]
    assert b"connection: close" in head.lower()
    assert json.loads(payload)["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


def test_a_client_leaving_mid_body_is_logged_without_a_traceback(
    neo4j_settings: Settings, seeded: Database, tmp_path: Any
) -> None:
    """Leaving before the body is sent is the client's doing: a 499 in the access log, not an
    unhandled `ClientDisconnect` with a traceback per request (as under load on main)."""
    log_path = tmp_path / "server.log"
    body = b'{"query": "{ __typename }"}' + b" " * 200
    with (
        log_path.open("wb") as log,
        running_server(neo4j_settings, log=log, KGAPI_LOG_LEVEL="info") as url,
    ):
        for _ in range(3):
            with socket.create_connection(_address(url)) as sock:
                sock.sendall(
                    b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: application/json\r\n"
                    b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:10]
                )
                time.sleep(0.2)  # the app is waiting for the rest of the body
        assert httpx.get(f"{url}/health", timeout=GUARD).json() == {"status": "ok"}
        deadline = time.monotonic() + GUARD
        while log_path.read_text().count('"status": 499') < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
    output = log_path.read_text()
    assert output.count('"status": 499') == 3, output[-2000:]
    assert "Traceback" not in output and "ClientDisconnect" not in output, output[-2000:]
