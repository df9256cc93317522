"""Several kgapi replicas behind nginx, against one Neo4j: the deployment README.md's "Running at
scale" describes, with the very nginx configuration it ships (deploy/nginx/kgapi.conf).

Three real API processes (uvicorn, the read cache on) and Debian's nginx in front of them, over
TCP, with the clients users use (httpx, the `websockets` package speaking graphql-transport-ws):
a write through one replica is read through another although it had the old answer cached; a
subscriber on one replica gets the writes made through the others; a replica SIGKILLed under
load costs only the requests in flight on it, and no acknowledged write is lost.

nginx comes from Debian's package (`make nginx`, which `make test` runs first); when it is
missing these tests fail, never skip.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from kgapi.auth import new_api_key
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.queries.keys import create_key
from kgapi.queries.revision import BUMP_REVISION
from tests.integration.graphql_helpers import delete_written
from tests.integration.live import LAST_PID, free_port, running_server, wait_until_answering

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "deploy" / "nginx" / "kgapi.conf"
DOC = "pk-kz-economic-ties-2025"
MENTION = "যৌথ উদ্যোগ"
TEST_PREFIX = "rp-"  # every slug these tests create starts with it; the module cleans up
KEY_NAME = "test-replicas"
CACHE = "x-kgapi-cache"

LOAD_REQUESTS = 2000
LOAD_CONCURRENCY = 16
WRITE_EVERY = 4  # one request in four is a write
KILL_AFTER = 500  # completed requests before one replica is SIGKILLed

UPSERT = """mutation($input: UpsertEntityInput!) { upsertEntity(input: $input) {
  changed entity { slug description } userErrors { field message code } } }"""
ENTITY = "query($slug: String!) { entity(slug: $slug) { slug description } }"
READS = (
    ('query { entity(slug: "transport-and-logistics") { slug name } }', {}),
    (
        "query($first: Int!) { entities(first: $first) { edges { node { slug } } } }",
        {"first": 5},
    ),
)
FEED = "subscription { graphChanged(kinds: [INITIATIVE]) { seq operation targetId } }"


def _unique(prefix: str) -> str:
    return f"{TEST_PREFIX}{prefix}-{uuid.uuid4().hex[:10]}"


def _entity_input(slug: str, description: str, **extra: Any) -> dict[str, Any]:
    return {
        "slug": slug,
        "kind": "INITIATIVE",
        "names": [{"lang": "bn", "value": MENTION}, {"lang": "en", "value": slug}],
        "description": description,
        "aliases": [],
        "mentions": [{"document": DOC, "quote": MENTION}],
        **extra,
    }


@pytest.fixture(scope="module", autouse=True)
async def _clean_up(seeded: Database) -> AsyncIterator[None]:
    """Remove what this module wrote, so that other modules see the seed graph only."""
    yield
    await seeded.write(
        "MATCH (x) WHERE (x:ApiKey AND x.name = $name) "
        "OR (x:IdempotencyRecord AND x.scoped_key CONTAINS ':key-' + $p) DETACH DELETE x",
        {"name": KEY_NAME, "p": TEST_PREFIX},
    )
    await delete_written(seeded, TEST_PREFIX)


@pytest.fixture(scope="module")
async def editor(seeded: Database) -> dict[str, str]:
    """Headers with an editor API key, made the way `kgapi keys create` makes one."""
    key_id, token, hashed = new_api_key()
    await create_key(seeded, key_id, KEY_NAME, "editor", hashed)
    return {"authorization": f"Bearer {token}"}


# --- nginx with the shipped configuration, on test ports --------------------------------------


def render_nginx_conf(upstream_ports: list[int], listen_port: int, logs: Path) -> str:
    """deploy/nginx/kgapi.conf with the test's ports and log folder; every replacement must
    match exactly once, so that a change to the file cannot silently escape the test."""
    text = NGINX_CONF.read_text("utf-8")

    def replace_once(pattern: str, replacement: str) -> None:
        nonlocal text
        text, count = re.subn(pattern, lambda _: replacement, text, flags=re.MULTILINE)
        assert count == 1, f"{NGINX_CONF}: {pattern!r} matched {count} times"

    server = re.search(r"^\s*server api:8000( [^;]*);", text, flags=re.MULTILINE)
    assert server is not None, "the upstream's `server api:8000 ...;` line is missing"
    parameters = server.group(1)  # max_fails=... fail_timeout=...: tested as shipped
    replace_once(
        r"^\s*server api:8000[^;]*;",
        "\n".join(f"    server 127.0.0.1:{port}{parameters};" for port in upstream_ports),
    )
    replace_once(r"^\s*listen 80;", f"    listen 127.0.0.1:{listen_port};")
    replace_once(r"/var/log/nginx/access\.log", str(logs / "access.log"))
    return text


@dataclass
class Nginx:
    url: str
    access_log: Path


@contextmanager
def running_nginx(upstream_ports: list[int], folder: Path) -> Iterator[Nginx]:
    """Debian's nginx in the foreground, everything it writes under `folder`; stopped after."""
    binary = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if binary is None:
        pytest.fail(
            "nginx is missing: these tests run Debian's nginx package (`make nginx`, i.e. "
            "apt-get install -y --no-install-recommends nginx). They fail rather than skip."
        )
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (folder / "kgapi.conf").write_text(render_nginx_conf(upstream_ports, port, folder), "utf-8")
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # Running as root, nginx would hand its workers to `nobody`, who cannot enter pytest's
    # private temporary folders; as anyone else the directive would only earn a warning.
    user = "user root;" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(
        f"""daemon off;
worker_processes 1;
{user}
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
{temp}
    include {folder / "kgapi.conf"};
}}
""",
        "utf-8",
    )
    process = subprocess.Popen(
        [binary, "-p", str(folder), "-c", str(folder / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_answering(f"{url}/health", process, 30, interval=0.2):
            process.kill()
            _, err = process.communicate()
            raise RuntimeError(f"nginx did not start: {err.decode(errors='replace')}")
        yield Nginx(url, folder / "access.log")
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Replica:
    url: str
    pid: int
    port: int = field(init=False)

    def __post_init__(self) -> None:
        self.port = int(self.url.rsplit(":", 1)[1])


@contextmanager
def replicas_behind_nginx(
    settings: Settings, folder: Path
) -> Iterator[tuple[list[Replica], Nginx]]:
    """Three API processes with the read cache on, and nginx in front of them."""
    with ExitStack() as stack:
        replicas = []
        for _ in range(3):
            url = stack.enter_context(running_server(settings, KGAPI_READ_CACHE="true"))
            replicas.append(Replica(url, LAST_PID[0]))
        nginx = stack.enter_context(running_nginx([r.port for r in replicas], folder))
        yield replicas, nginx


@pytest.fixture(scope="module")
def trio(
    neo4j_settings: Settings, seeded: Database, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[list[Replica], Nginx]]:
    with replicas_behind_nginx(neo4j_settings, tmp_path_factory.mktemp("nginx")) as running:
        yield running


async def _post(
    client: httpx.AsyncClient, url: str, query: str, variables: dict[str, Any], **headers: str
) -> httpx.Response:
    response = await client.post(
        f"{url}/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response


# --- read your writes across replicas, with the read cache on ---------------------------------


async def test_a_write_through_one_replica_is_read_through_another(
    trio: tuple[list[Replica], Nginx], editor: dict[str, str]
) -> None:
    (a, b, _), nginx = trio
    slug = _unique("ryw")
    async with httpx.AsyncClient(timeout=30) as client:
        made = await _post(client, a.url, UPSERT, {"input": _entity_input(slug, "old")}, **editor)
        assert made.json()["data"]["upsertEntity"]["userErrors"] == []

        # B answers the old description and keeps it: the second read is a cache hit.
        first = await _post(client, b.url, ENTITY, {"slug": slug})
        again = await _post(client, b.url, ENTITY, {"slug": slug})
        assert first.json()["data"]["entity"]["description"] == "old"
        assert again.json() == first.json() and again.headers[CACHE] == "hit"
        # So does every replica nginx sends these to (round robin over the three).
        for _ in range(6):
            warm = await _post(client, nginx.url, ENTITY, {"slug": slug})
            assert warm.json()["data"]["entity"]["description"] == "old"

        edited = await _post(client, a.url, UPSERT, {"input": _entity_input(slug, "new")}, **editor)
        assert edited.json()["data"]["upsertEntity"]["changed"] is True

        after = await _post(client, b.url, ENTITY, {"slug": slug})
        assert after.json()["data"]["entity"]["description"] == "new"
        assert after.headers[CACHE] == "miss"  # the revision moved: B's old answer is unreachable
        for _ in range(6):
            through = await _post(client, nginx.url, ENTITY, {"slug": slug})
            assert through.json()["data"]["entity"]["description"] == "new"


async def test_nginx_passes_request_ids_and_refuses_what_kgapi_would(
    trio: tuple[list[Replica], Nginx],
) -> None:
    replicas, nginx = trio
    async with httpx.AsyncClient(timeout=30) as client:
        mine = f"replicas-{uuid.uuid4().hex[:8]}"
        given = await _post(client, nginx.url, *READS[0], **{"x-request-id": mine})
        assert given.headers["x-request-id"] == mine  # kgapi adopted the client's id

        made_here = await _post(client, nginx.url, *READS[0])
        request_id = made_here.headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", request_id)
        # nginx made this id ($request_id) and kgapi answered with it: the access log line for
        # the request names the same id and the replica that served it.
        lines = [line for line in nginx.access_log.read_text().splitlines() if request_id in line]
        assert len(lines) == 1, lines
        upstream = re.search(r"upstream=127\.0\.0\.1:(\d+)", lines[0])
        assert upstream is not None and int(upstream.group(1)) in {r.port for r in replicas}

        too_large = await client.post(
            f"{nginx.url}/graphql",
            content=b"{" + b" " * Settings().max_body_bytes + b"}",
            headers={"content-type": "application/json"},
        )
        assert too_large.status_code == 413
        # nginx refused it (no upstream was asked), with the answer kgapi itself would give.
        assert too_large.json()["errors"][0]["extensions"] == {
            "code": "PAYLOAD_TOO_LARGE",
            "maximum": Settings().max_body_bytes,
        }
        # nginx logs a request when it has finished with it: for a refused body, after it has
        # read and dropped the rest of it, which can be after the client has the 413.
        refused: list[str] = []
        for _ in range(100):
            log = nginx.access_log.read_text().splitlines()
            refused = [line for line in log if " 413 " in line]
            if refused:
                break
            await asyncio.sleep(0.05)
        assert len(refused) == 1 and "upstream=- " in refused[0], refused
        # Metrics are per process: not served through the balancer.
        assert (await client.get(f"{nginx.url}/metrics")).status_code == 404
        assert (await client.get(f"{replicas[0].url}/metrics")).status_code == 200


# --- the change feed across replicas, over WebSocket ------------------------------------------


async def _subscribe(url: str) -> ClientConnection:
    ws = await connect(
        url.replace("http://", "ws://") + "/graphql", subprotocols=["graphql-transport-ws"]
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": FEED}}))
    return ws


async def _events_until(
    ws: ClientConnection, wanted: set[str], seconds: float
) -> list[dict[str, Any]]:
    """The feed's events until every target in `wanted` has come (or the time is up)."""
    events: list[dict[str, Any]] = []
    seen: set[str] = set()
    try:
        async with asyncio.timeout(seconds):
            while not wanted <= seen:
                message = json.loads(await ws.recv())
                assert message["type"] == "next", message
                event = message["payload"]["data"]["graphChanged"]
                events.append(event)
                seen.add(event["targetId"])
    except TimeoutError:
        pass
    return events


async def test_a_subscriber_on_one_replica_gets_the_writes_of_the_others(
    trio: tuple[list[Replica], Nginx], editor: dict[str, str]
) -> None:
    (a, b, c), nginx = trio
    on_c = await _subscribe(c.url)
    through_nginx = await _subscribe(nginx.url)  # a WebSocket upgrade through the balancer
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            # A subscription starts from the feed's position when it begins; write probes
            # until both subscribers have seen one, so that nothing later can come too early.
            for attempt in range(20):
                probe = _unique(f"probe{attempt}")
                await _post(
                    client, c.url, UPSERT, {"input": _entity_input(probe, "probe")}, **editor
                )
                got_c, got_nginx = await asyncio.gather(
                    _events_until(on_c, {probe}, 3), _events_until(through_nginx, {probe}, 3)
                )
                if probe in {e["targetId"] for e in got_c} and probe in {
                    e["targetId"] for e in got_nginx
                }:
                    break
            else:
                pytest.fail("the subscriptions never started")

            via_a, via_b = _unique("feed-a"), _unique("feed-b")
            await _post(client, a.url, UPSERT, {"input": _entity_input(via_a, "from A")}, **editor)
            await _post(client, b.url, UPSERT, {"input": _entity_input(via_b, "from B")}, **editor)
        for ws in (on_c, through_nginx):
            events = await _events_until(ws, {via_a, via_b}, 30)
            targets = [e["targetId"] for e in events]
            assert targets.count(via_a) == 1 and targets.count(via_b) == 1, events
            assert targets.index(via_a) < targets.index(via_b)  # in commit order
            assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
            assert all(e["operation"] == "UPSERT_ENTITY" for e in events)
    finally:
        await on_c.close()
        await through_nginx.close()


# --- a replica killed under load ---------------------------------------------------------------


@dataclass
class LoadFigures:
    requests: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    acknowledged: list[str] = field(default_factory=list)  # slugs of writes answered without error
    unacknowledged: dict[str, dict[str, Any]] = field(default_factory=dict)  # slug -> its input
    served_after_kill: int = 0

    @property
    def failed(self) -> int:
        return sum(self.failures.values())


def _outcome(response: httpx.Response, *, write: bool) -> str:
    """ "ok", or what went wrong, by kind: the HTTP status, or the GraphQL error's code."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    body = response.json()
    if "errors" in body:
        return "GraphQL " + str(body["errors"][0].get("extensions", {}).get("code"))
    if write and body["data"]["upsertEntity"]["userErrors"]:
        return "userError " + str(body["data"]["upsertEntity"]["userErrors"][0]["code"])
    return "ok"


async def _load(nginx: Nginx, editor: dict[str, str], run: str, kill: Replica) -> LoadFigures:
    figures = LoadFigures()
    next_index = 0
    killed = False
    limits = httpx.Limits(
        max_connections=LOAD_CONCURRENCY, max_keepalive_connections=LOAD_CONCURRENCY
    )

    async def one(client: httpx.AsyncClient, i: int) -> None:
        nonlocal killed
        slug = f"{run}-{i}" if i % WRITE_EVERY == 0 else None
        if slug is not None:
            query = UPSERT
            variables: dict[str, Any] = {
                "input": _entity_input(slug, f"load {i}", idempotencyKey=f"key-{slug}")
            }
            headers = editor
        else:
            query, variables = READS[i % len(READS)]
            headers = {}
        try:
            response = await client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
            outcome = _outcome(response, write=slug is not None)
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
        figures.requests += 1
        if outcome == "ok":
            if killed:
                figures.served_after_kill += 1
            if slug is not None:
                figures.acknowledged.append(slug)
        else:
            figures.failures[outcome] += 1
            if slug is not None:
                figures.unacknowledged[slug] = variables["input"]
        if figures.requests == KILL_AFTER and not killed:
            os.kill(kill.pid, signal.SIGKILL)
            killed = True

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal next_index
        while next_index < LOAD_REQUESTS:
            i = next_index
            next_index += 1
            await one(client, i)

    async with httpx.AsyncClient(base_url=nginx.url, timeout=60, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(LOAD_CONCURRENCY)))
    assert killed
    return figures


async def _written(db: Database, slugs: list[str]) -> set[str]:
    records = await db.read(
        "MATCH (e:Entity) WHERE e.slug IN $slugs RETURN collect(e.slug) AS found", {"slugs": slugs}
    )
    return set(records[0]["found"])


async def test_a_replica_killed_under_load_loses_no_acknowledged_write(
    neo4j_settings: Settings,
    seeded: Database,
    editor: dict[str, str],
    tmp_path: Path,
) -> None:
    run = _unique("load")
    with replicas_behind_nginx(neo4j_settings, tmp_path / "nginx") as (replicas, nginx):
        victim = replicas[1]
        started = time.perf_counter()
        figures = await _load(nginx, editor, run, kill=victim)
        elapsed = time.perf_counter() - started

        found = await _written(seeded, figures.acknowledged)
        lost = sorted(set(figures.acknowledged) - found)
        unacknowledged = list(figures.unacknowledged)
        committed_anyway = await _written(seeded, unacknowledged)
        # The client's side of the bargain: a write without a good answer is sent again, the
        # same request with the same idempotency key, and is then answered whether or not it
        # had committed the first time.
        async with httpx.AsyncClient(timeout=30) as client:
            for data in figures.unacknowledged.values():
                retry = await _post(client, nginx.url, UPSERT, {"input": data}, **editor)
                assert retry.json()["data"]["upsertEntity"]["userErrors"] == [], retry.text
        after_retries = await _written(seeded, figures.acknowledged + unacknowledged)
        log = nginx.access_log.read_text()
        served_by_victim = log.count(f"upstream=127.0.0.1:{victim.port} ")

    summary = {
        "requests": figures.requests,
        "concurrency": LOAD_CONCURRENCY,
        "failures": figures.failed,
        "failure_kinds": dict(figures.failures),
        "acknowledged_writes": len(figures.acknowledged),
        "lost_writes": len(lost),
        "unacknowledged_writes": len(figures.unacknowledged),
        "unacknowledged_but_committed": len(committed_anyway),
        "served_after_kill": figures.served_after_kill,
        "served_by_killed_replica": served_by_victim,
        "seconds": round(elapsed, 1),
    }
    print(f"\nreplicas under load, one SIGKILLed: {json.dumps(summary)}")

    assert figures.requests == LOAD_REQUESTS
    assert lost == [], lost
    # At most the requests in flight when the process died can fail: never more than the
    # concurrency. Every other request was served by the two replicas left.
    assert figures.failed <= LOAD_CONCURRENCY, summary
    assert figures.served_after_kill >= LOAD_REQUESTS - KILL_AFTER - LOAD_CONCURRENCY, summary
    assert served_by_victim > 0  # the killed replica had its share before it died
    assert len(figures.acknowledged) + len(figures.unacknowledged) == LOAD_REQUESTS // WRITE_EVERY
    assert after_retries == set(figures.acknowledged + unacknowledged)


# --- bookmarks: a read after a mutation waits for it, on a cluster too -------------------------


async def test_write_transactions_feed_the_bookmarks_that_reads_wait_for(
    neo4j_settings: Settings, seeded: Database
) -> None:
    """Reads pass the driver's shared bookmark manager, so that on a cluster a follower answers
    only once it has applied this process's writes. The transactions mutations and the seed run
    in must feed that manager too, or a read right after a mutation may miss it. One Neo4j
    server cannot show the lag, but the manager can: a fresh driver's holds no bookmark until a
    transaction that uses it commits."""
    for step in ("in_write_transaction", "write_in_one_transaction"):
        db = Database(neo4j_settings)
        try:
            manager = db.driver.execute_query_bookmark_manager
            assert not await manager.get_bookmarks()
            if step == "in_write_transaction":
                await db.in_write_transaction(lambda tx: tx.run(BUMP_REVISION))
            else:
                await db.write_in_one_transaction([(BUMP_REVISION, {})])
            assert await manager.get_bookmarks(), f"{step} left no bookmark for reads to wait for"
        finally:
            await db.close()
