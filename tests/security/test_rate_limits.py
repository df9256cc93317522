"""Rate limits per caller, through a real uvicorn process over TCP with small limits.

Requests past a bucket get 429 with Retry-After and a RATE_LIMITED error; each API key, each
JWT subject and each client address has its own bucket; X-Forwarded-For counts only from a
trusted proxy; WebSocket handshakes and subscribe messages are counted too; health, readiness
and metrics never are; /metrics counts the refusals by role.

The limits are per hour so that no window slides while a test runs on a slow machine: the
tests assert counts, never times.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import jwt
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from kgapi.auth import Role, new_api_key
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.queries.keys import create_key
from tests.integration.live import running_server

ANONYMOUS_RATE = 3  # per hour and address
KEY_RATE = 4  # per hour and key or JWT subject (reader and editor)
PROXY = "127.0.0.2"  # a loopback address of its own: the only trusted proxy
JWT_SECRET = "rate-limit-test-secret-long-enough-for-hs256"
NAME = "test-ratelimit"
TIMEOUT = 120.0  # a guard against a hung server, never an assertion
QUERY = {"query": "{ __typename }"}
PROTOCOL = [Subprotocol("graphql-transport-ws")]
SUBSCRIPTION = "subscription { graphChanged { seq } }"


@pytest.fixture(scope="module", autouse=True)
async def _clean_up(seeded: Database) -> AsyncIterator[None]:
    yield
    await seeded.write("MATCH (k:ApiKey) WHERE k.name = $n DETACH DELETE k", {"n": NAME})


@pytest.fixture(scope="module")
def url(neo4j_settings: Settings, seeded: Database) -> Iterator[str]:
    env = {
        "KGAPI_RATE_LIMIT": "true",
        "KGAPI_RATE_LIMIT_ANONYMOUS": f"{ANONYMOUS_RATE}/hour",
        "KGAPI_RATE_LIMIT_READER": f"{KEY_RATE}/hour",
        "KGAPI_RATE_LIMIT_EDITOR": f"{KEY_RATE}/hour",
        "KGAPI_RATE_LIMIT_STORAGE": "memory://",
        "KGAPI_TRUSTED_PROXIES": json.dumps([PROXY]),
        "KGAPI_JWT_SECRET": JWT_SECRET,
        # uvicorn's own X-Forwarded-For handling trusts 127.0.0.1 unless told otherwise;
        # `kgapi serve` turns it off (kgapi.app applies KGAPI_TRUSTED_PROXIES), and so must the
        # plain uvicorn command this starts
        "FORWARDED_ALLOW_IPS": "",
    }
    with running_server(neo4j_settings, 1, **env) as base:
        yield base


async def _key(db: Database, role: Role) -> tuple[str, str]:
    key_id, token, hashed = new_api_key()
    await create_key(db, key_id, NAME, role.value, hashed)
    return key_id, token


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _jwt(sub: str, nonce: int) -> str:
    claims = {"sub": sub, "role": "reader", "exp": int(time.time()) + 3600, "n": nonce}
    return jwt.encode(claims, JWT_SECRET, algorithm="HS256")


def _post(client: httpx.Client, url: str, **headers: str) -> httpx.Response:
    return client.post(f"{url}/graphql", json=QUERY, headers=headers, timeout=TIMEOUT)


def _refusals(url: str) -> dict[tuple[str, str], float]:
    """kgapi_rate_limited_total by (role, route), from /metrics."""
    text = httpx.get(f"{url}/metrics", timeout=TIMEOUT).text
    return {
        (s.labels["role"], s.labels["route"]): s.value
        for family in text_string_to_metric_families(text)
        if family.name == "kgapi_rate_limited"
        for s in family.samples
        if s.name == "kgapi_rate_limited_total"
    }


def _moved(before: dict[tuple[str, str], float], after: dict[tuple[str, str], float]) -> Any:
    return {k: after[k] - before.get(k, 0.0) for k in after if after[k] != before.get(k, 0.0)}


def _assert_limited(response: httpx.Response, who: str) -> int:
    """A 429 with a whole-seconds Retry-After and the GraphQL-style RATE_LIMITED error."""
    assert response.status_code == 429, response.text
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 3600
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryAfter"] == retry_after
    assert who in error["message"] and "per 1 hour" in error["message"]
    return retry_after


def test_requests_past_the_bucket_get_429_with_retry_after(url: str) -> None:
    """Anonymous, straight from 127.0.0.1 (not a trusted proxy): whatever X-Forwarded-For it
    sends, every request is taken from the one bucket of its own address."""
    before = _refusals(url)
    with httpx.Client() as client:
        answers = [
            _post(client, url, **{"x-forwarded-for": "198.51.100.1"}),
            client.get(
                f"{url}/graphql",
                params=QUERY,
                headers={"accept": "application/json", "x-forwarded-for": "198.51.100.2"},
                timeout=TIMEOUT,
            ),
            _post(client, url, **{"x-forwarded-for": "198.51.100.3"}),
        ]
        assert [a.status_code for a in answers] == [200] * ANONYMOUS_RATE
        assert all(a.json()["data"] == {"__typename": "Query"} for a in answers)

        _assert_limited(_post(client, url, **{"x-forwarded-for": "198.51.100.4"}), "anonymous")
        _assert_limited(
            client.get(
                f"{url}/graphql",
                params=QUERY,
                headers={"accept": "application/json"},
                timeout=TIMEOUT,
            ),
            "anonymous",
        )
        _assert_limited(
            client.get(f"{url}/export/csv", params={"table": "documents"}, timeout=TIMEOUT),
            "anonymous",
        )
        for path in ("/health", "/ready", "/metrics"):
            assert [client.get(f"{url}{path}", timeout=TIMEOUT).status_code for _ in range(5)] == [
                200
            ] * 5, path

    with pytest.raises(InvalidStatus) as refused:
        connect(f"ws{url[4:]}/graphql", subprotocols=PROTOCOL, open_timeout=TIMEOUT)
    assert refused.value.response.status_code == 429
    assert int(refused.value.response.headers["retry-after"]) >= 1
    assert b"RATE_LIMITED" in refused.value.response.body

    assert _moved(before, _refusals(url)) == {
        ("anonymous", "/graphql"): 3.0,  # the POST, the GET and the WebSocket handshake
        ("anonymous", "/export"): 1.0,
    }


async def test_each_key_and_each_jwt_subject_has_its_own_bucket(url: str, seeded: Database) -> None:
    first_id, first = await _key(seeded, Role.READER)
    _, second = await _key(seeded, Role.READER)
    before = _refusals(url)
    with httpx.Client() as client:
        assert [_post(client, url, **_bearer(first)).status_code for _ in range(KEY_RATE)] == [
            200
        ] * KEY_RATE
        _assert_limited(_post(client, url, **_bearer(first)), f"key:{first_id} (reader)")
        assert _post(client, url, **_bearer(second)).status_code == 200  # another key
        proxied = httpx.Client(transport=httpx.HTTPTransport(local_address=PROXY))
        with proxied:  # an anonymous caller elsewhere is untouched by both
            assert _post(proxied, url, **{"x-forwarded-for": "198.51.100.50"}).status_code == 200

        # a JWT's bucket is its subject's: fresh tokens for the same subject share it
        subject = [_post(client, url, **_bearer(_jwt("partner-a", n))) for n in range(KEY_RATE)]
        assert [r.status_code for r in subject] == [200] * KEY_RATE
        _assert_limited(_post(client, url, **_bearer(_jwt("partner-a", 99))), "jwt:partner-a")
        assert _post(client, url, **_bearer(_jwt("partner-b", 0))).status_code == 200

    assert _moved(before, _refusals(url)) == {("reader", "/graphql"): 2.0}


def test_each_client_address_behind_a_trusted_proxy_has_its_own_bucket(url: str) -> None:
    with httpx.Client(transport=httpx.HTTPTransport(local_address=PROXY)) as proxy:
        one = [_post(proxy, url, **{"x-forwarded-for": "203.0.113.1"}) for _ in range(3)]
        assert [r.status_code for r in one] == [200] * ANONYMOUS_RATE
        _assert_limited(_post(proxy, url, **{"x-forwarded-for": "203.0.113.1"}), "anonymous")
        # what the client itself put in front of the proxy's entry does not give a new bucket
        spoofed = _post(proxy, url, **{"x-forwarded-for": "10.1.2.3, 203.0.113.1"})
        _assert_limited(spoofed, "anonymous")
        assert _post(proxy, url, **{"x-forwarded-for": "203.0.113.2"}).status_code == 200

        # a refused credential is counted against the address it came from
        bad = {"x-forwarded-for": "203.0.113.3", **_bearer("kgapi_000000000000_wrong")}
        stats = {"query": "{ stats { entities } }"}
        answers = [
            proxy.post(f"{url}/graphql", json=stats, headers=bad, timeout=TIMEOUT)
            for _ in range(ANONYMOUS_RATE)
        ]
        codes = [a.json()["errors"][0]["extensions"]["code"] for a in answers]
        assert codes == ["UNAUTHENTICATED"] * ANONYMOUS_RATE
        _assert_limited(_post(proxy, url, **bad), "anonymous")


def _init(ws: ClientConnection) -> None:
    ws.send(json.dumps({"type": "connection_init"}))
    assert json.loads(ws.recv(timeout=TIMEOUT))["type"] == "connection_ack"


async def test_websocket_subscriptions_are_counted(url: str, seeded: Database) -> None:
    """The handshake takes one request from the key's bucket and every subscribe another; an
    over-limit subscribe is answered with an error for its id and the connection stays up."""
    key_id, token = await _key(seeded, Role.EDITOR)
    before = _refusals(url)
    ws_url = f"ws{url[4:]}/graphql"
    with connect(
        ws_url,
        subprotocols=PROTOCOL,
        additional_headers=_bearer(token),
        open_timeout=TIMEOUT,
    ) as ws:
        _init(ws)
        for op_id in range(1, KEY_RATE):  # the handshake was the first request
            ws.send(
                json.dumps(
                    {"id": str(op_id), "type": "subscribe", "payload": {"query": SUBSCRIPTION}}
                )
            )
        ws.send(json.dumps({"id": "over", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}))
        refusal = json.loads(ws.recv(timeout=TIMEOUT))
        assert refusal["id"] == "over" and refusal["type"] == "error", refusal
        (error,) = refusal["payload"]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert f"key:{key_id} (editor)" in error["message"]
        ws.send(json.dumps({"type": "ping"}))
        assert json.loads(ws.recv(timeout=TIMEOUT))["type"] == "pong"  # still connected

    with pytest.raises(InvalidStatus) as refused:
        connect(
            ws_url,
            subprotocols=PROTOCOL,
            additional_headers=_bearer(token),
            open_timeout=TIMEOUT,
        )
    assert refused.value.response.status_code == 429
    assert _moved(before, _refusals(url)) == {
        ("editor", "subscribe"): 1.0,
        ("editor", "/graphql"): 1.0,
    }
