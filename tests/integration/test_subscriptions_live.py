"""The change feed as its users meet it: the npm graphql-ws client (tests/clients/ws/feed.mjs)
over TCP against a real uvicorn process, while this process writes over HTTP with an editor key.

Each scenario's node script prints its figures as JSON (events sent, received, missed,
duplicated, delivery latency from the write's acknowledgement); the tests assert on counts and
print the figures (`pytest -s`), never on time.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import httpx
import jwt
import pytest

from kgapi.auth import new_api_key
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.queries.keys import create_key
from kgapi.queries.writes import latest_seq
from tests.integration.graphql_helpers import delete_written
from tests.integration.live import free_port, running_server

CLIENT_DIR = Path(__file__).resolve().parents[1] / "clients" / "ws"
PREFIX = "wsl-"  # every slug these tests write starts with it; the module cleans up
JWT_SECRET = "subscriptions-live-test-secret-long-enough"
DOC = "pk-kz-economic-ties-2025"
UPSERT = """mutation($input: UpsertEntityInput!) { upsertEntity(input: $input) {
  changed userErrors { field message code } } }"""
WRITERS = 4  # concurrent HTTP writers, so that commits interleave
NODE_TIMEOUT = 300
SLOW_MACHINE_QUERY_TIMEOUT = "60"  # a cold server's first read can exceed 10 s on a busy box


def _unique(name: str) -> str:
    return f"{PREFIX}{name}-{uuid.uuid4().hex[:8]}-"


@pytest.fixture(scope="session")
def node_client() -> Path:
    """`npm ci` once per session (offline from the npm cache when it has the packages)."""
    npm, node = shutil.which("npm"), shutil.which("node")
    assert npm and node, "the WebSocket client tests need Node.js and npm"
    subprocess.run(
        [npm, "ci", "--prefer-offline", "--no-audit", "--no-fund"],
        cwd=CLIENT_DIR,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return CLIENT_DIR


@pytest.fixture(scope="module", autouse=True)
async def _clean_up(seeded: Database) -> AsyncIterator[None]:
    yield
    await seeded.write("MATCH (k:ApiKey) WHERE k.name STARTS WITH 'wsl-test-' DETACH DELETE k")
    await delete_written(seeded, PREFIX)


@pytest.fixture(scope="module")
async def keys(seeded: Database) -> dict[str, str]:
    made = {}
    for role in ("reader", "editor"):
        key_id, token, hashed = new_api_key()
        await create_key(seeded, key_id, f"wsl-test-{role}", role, hashed)
        made[role] = token
    return made


@pytest.fixture(scope="module")
def server(neo4j_settings: Settings, seeded: Database) -> Iterator[str]:
    with running_server(
        neo4j_settings, KGAPI_JWT_SECRET=JWT_SECRET, KGAPI_QUERY_TIMEOUT=SLOW_MACHINE_QUERY_TIMEOUT
    ) as url:
        yield url


def _ws(url: str) -> str:
    return url.replace("http://", "ws://") + "/graphql"


class Node:
    """feed.mjs as a child process, spoken to in JSON lines."""

    def __init__(self, scenario: str, options: dict[str, Any]) -> None:
        self.process = subprocess.Popen(
            ["node", "feed.mjs", scenario, json.dumps(options)],
            cwd=CLIENT_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def tell(self, **message: Any) -> None:
        stdin: IO[str] = self.process.stdin  # type: ignore[assignment]
        stdin.write(json.dumps(message) + "\n")
        stdin.flush()

    def hear(self) -> dict[str, Any]:
        stdout: IO[str] = self.process.stdout  # type: ignore[assignment]
        line = stdout.readline()
        assert line, f"feed.mjs ended early (exit {self.process.wait(timeout=NODE_TIMEOUT)})"
        message: dict[str, Any] = json.loads(line)
        assert "error" not in message, message["error"]
        return message

    def finish(self) -> dict[str, Any]:
        figures = self.hear()
        assert self.process.wait(timeout=NODE_TIMEOUT) == 0
        return figures

    def __enter__(self) -> Node:
        return self

    def __exit__(self, *_: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _figures(scenario: str, options: dict[str, Any]) -> dict[str, Any]:
    """Run a scenario that needs no instructions; its figures."""
    with Node(scenario, options) as node:
        figures = node.finish()
    _report(figures)
    return figures


def _assert_each_write_arrived_once_in_order(figures: dict[str, Any], writes: int) -> None:
    assert figures["sent"] == writes
    assert figures["received"] == writes and figures["distinct"] == writes
    assert figures["missed"] == 0 and figures["duplicated"] == 0 and figures["unexpected"] == 0
    assert figures["inSeqOrder"] is True


def _write(url: str, token: str, slugs: list[str]) -> list[dict[str, Any]]:
    """upsertEntity for each slug from WRITERS threads; the acknowledgement time of each (ms)."""

    def one(client: httpx.Client, slug: str) -> dict[str, Any]:
        response = client.post(
            "/graphql",
            json={
                "query": UPSERT,
                "variables": {
                    "input": {
                        "slug": slug,
                        "kind": "INITIATIVE",
                        "names": [
                            {"lang": "bn", "value": "যৌথ উদ্যোগ"},
                            {"lang": "en", "value": slug},
                        ],
                        "description": "a change feed test entity",
                        "aliases": [],
                        "mentions": [{"document": DOC, "quote": "যৌথ উদ্যোগ"}],
                    }
                },
            },
        )
        acked_at = time.time() * 1000
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        assert body["data"]["upsertEntity"]["changed"] is True, body
        return {"slug": slug, "ackedAt": acked_at}

    headers = {"authorization": f"Bearer {token}"}
    with (
        httpx.Client(base_url=url, headers=headers, timeout=60) as client,
        ThreadPoolExecutor(WRITERS) as pool,
    ):
        return list(pool.map(lambda slug: one(client, slug), slugs))


def _report(figures: dict[str, Any]) -> None:
    print(f"\ngraphql-ws figures: {json.dumps(figures)}")


async def test_a_hundred_writes_from_another_process_are_a_hundred_events_in_order(
    node_client: Path, server: str, keys: dict[str, str], seeded: Database
) -> None:
    prefix = _unique("stream")
    options = {"url": _ws(server), "prefix": prefix, "afterSeq": await latest_seq(seeded)}
    with Node("stream", options) as node:
        assert node.hear() == {"subscribed": True}
        sent = _write(server, keys["editor"], [f"{prefix}{i:03}" for i in range(100)])
        node.tell(sent=sent)
        figures = node.finish()
    _report(figures)
    _assert_each_write_arrived_once_in_order(figures, 100)


async def test_a_client_that_leaves_and_resumes_from_its_last_seq_misses_nothing(
    node_client: Path, server: str, keys: dict[str, str], seeded: Database
) -> None:
    """40 writes, the client leaves after 20 events; 30 writes while it is away; it resumes
    from the last seq it saw while 30 more are written: the backlog, then live, no seam."""
    prefix = _unique("resume")
    slugs = [f"{prefix}{i:03}" for i in range(100)]
    options = {
        "url": _ws(server),
        "prefix": prefix,
        "afterSeq": await latest_seq(seeded),
        "leaveAfter": 20,
    }
    with Node("resume", options) as node:
        sent = _write(server, keys["editor"], slugs[:40])
        away = node.hear()["away"]
        assert away["received"] == 20
        sent += _write(server, keys["editor"], slugs[40:70])
        node.tell(resume=True)
        sent += _write(server, keys["editor"], slugs[70:])
        node.tell(sent=sent)
        figures = node.finish()
    _report(figures)
    _assert_each_write_arrived_once_in_order(figures, 100)
    assert figures["beforeLeaving"] == 20 and figures["afterResuming"] == 80
    # The 30 written between "away" and "resume" at least: only the audit trail has those.
    assert figures["committedWhileAway"] >= 30


def _jwt(role: str, *, secret: str = JWT_SECRET) -> str:
    return jwt.encode(
        {"sub": "wsl-partner", "role": role, "exp": int(time.time()) + 300},
        secret,
        algorithm="HS256",
    )


def _auth_results(server: str, attempts: dict[str, Any]) -> dict[str, Any]:
    results: dict[str, Any] = _figures("auth", {"url": _ws(server), "attempts": attempts})[
        "results"
    ]
    return results


def test_connection_init_credentials_when_anonymous_reads_are_off(
    node_client: Path, neo4j_settings: Settings, keys: dict[str, str]
) -> None:
    with running_server(
        neo4j_settings,
        KGAPI_ALLOW_ANONYMOUS_READS="false",
        KGAPI_JWT_SECRET=JWT_SECRET,
        KGAPI_QUERY_TIMEOUT=SLOW_MACHINE_QUERY_TIMEOUT,
    ) as url:
        results = _auth_results(
            url,
            {
                "anonymous": None,
                "emptyPayload": {},
                "unknownKey": {"authorization": "Bearer kgapi_0123456789ab_notasecretatall"},
                "wrongJwt": {"authorization": f"Bearer {_jwt('reader', secret='x' * 40)}"},
                "notBearer": {"authorization": keys["reader"]},
                "notAString": {"authorization": 42},
                "readerKey": {"authorization": f"Bearer {keys['reader']}"},
                "capitalisedKey": {"Authorization": f"Bearer {keys['reader']}"},
                "readerJwt": {"authorization": f"Bearer {_jwt('reader')}"},
            },
        )
    for refused in ("anonymous", "emptyPayload"):
        assert results[refused]["accepted"] is False
        assert results[refused]["code"] == 4403
        assert "anonymous reads are off" in results[refused]["reason"]
    for refused in ("unknownKey", "wrongJwt", "notBearer", "notAString"):
        assert results[refused]["accepted"] is False, refused
        assert results[refused]["code"] == 4403, refused
    assert results["unknownKey"]["reason"] == "unknown API key"
    assert "Bearer" in results["notBearer"]["reason"]
    for accepted in ("readerKey", "capitalisedKey", "readerJwt"):
        outcome = results[accepted]
        assert outcome["accepted"] is True, outcome
        # A read that needs a token succeeded over the socket: the payload's credential counts.
        assert outcome["errors"] is None and outcome["data"]["entity"]["slug"] == "pakistan"
        assert outcome["pongs"] >= 1  # graphql-transport-ws keep-alive pings are answered


def test_an_invalid_credential_is_refused_even_when_anonymous_reads_are_on(
    node_client: Path, server: str, keys: dict[str, str]
) -> None:
    results = _auth_results(
        server,
        {
            "anonymous": None,
            "unknownKey": {"authorization": "Bearer kgapi_0123456789ab_notasecretatall"},
            "expiredJwt": {
                "authorization": "Bearer "
                + jwt.encode(
                    {"sub": "x", "role": "reader", "exp": int(time.time()) - 60},
                    JWT_SECRET,
                    algorithm="HS256",
                )
            },
            "editorKey": {"authorization": f"Bearer {keys['editor']}"},
        },
    )
    assert results["anonymous"]["accepted"] is True
    assert results["editorKey"]["accepted"] is True
    for refused in ("unknownKey", "expiredJwt"):
        assert results[refused]["accepted"] is False and results[refused]["code"] == 4403


async def test_the_cap_on_open_feeds_refuses_one_more_with_a_code_and_frees_on_close(
    node_client: Path, neo4j_settings: Settings, seeded: Database, keys: dict[str, str]
) -> None:
    limit = 3
    with running_server(neo4j_settings, KGAPI_MAX_SUBSCRIPTIONS=str(limit)) as url:
        _write(url, keys["editor"], [f"{_unique('cap')}0"])  # an event for each feed to see
        after_seq = await latest_seq(seeded) - 1
        figures = _figures("cap", {"url": _ws(url), "limit": limit, "afterSeq": after_seq})
    assert figures["accepted"] == limit
    assert len(figures["refused"]) == 1
    [error] = figures["refused"][0]
    assert error["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
    assert "KGAPI_MAX_SUBSCRIPTIONS" in error["message"]
    assert figures["acceptedAfterOneClosed"] is True


@pytest.fixture
def kgapi_serve(neo4j_settings: Settings, seeded: Database) -> Iterator[str]:
    """`kgapi serve` itself (not uvicorn's CLI), so that its settings reach uvicorn."""
    port = free_port()
    env = {
        **os.environ,
        "NEO4J_URI": neo4j_settings.effective_uri,
        "NEO4J_USERNAME": neo4j_settings.neo4j_username,
        "NEO4J_PASSWORD": neo4j_settings.neo4j_password,
        "KGAPI_LOG_LEVEL": "warning",
        "KGAPI_WS_PING_INTERVAL": "0.2",
    }
    kgapi = Path(sys.executable).parent / "kgapi"
    process = subprocess.Popen([str(kgapi), "serve", "--port", str(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                    break
            assert process.poll() is None and time.monotonic() < deadline, "kgapi serve failed"
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_kgapi_serve_pings_idle_websockets(node_client: Path, kgapi_serve: str) -> None:
    """KGAPI_WS_PING_INTERVAL reaches uvicorn: an idle, acknowledged socket gets pings (which
    the client answers), and stays open."""
    figures = _figures("ping", {"url": _ws(kgapi_serve), "listenMs": 1500})
    assert figures["pings"] >= 2 and figures["openAfterListening"] is True
