"""The three systems under test and the load driver that measures them.

Why an async client and not wrk: the raw-driver floor has no HTTP endpoint, so all three
systems are driven by the same asyncio loop with the same bounded workers, and measured the
same way (latency from send to a fully decoded answer). Every run is bounded in time and in
request count and stops by itself; every request goes to loopback. The one exception is the
repeated-reads measurement of kgapi's read cache, faster than this client can ask: there both
HTTP systems are driven by wrk (bench.wrk), when it is installed.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import math
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import neo4j
from neo4j import AsyncGraphDatabase, RoutingControl

from bench.private_neo4j import PrivateNeo4j, free_port
from bench.queries import Query

__all__ = [
    "PEER_DIR",
    "REPO",
    "CellResult",
    "HttpSystem",
    "RawSystem",
    "RequestFailed",
    "RssSampler",
    "Server",
    "System",
    "kgapi_server",
    "metric_samples",
    "peer_server",
    "read_queries_total",
    "round_trips",
    "rss_bytes",
    "run_cell",
    "trips_and_paths",
]

REPO = Path(__file__).resolve().parents[1]
PEER_DIR = Path(__file__).resolve().parent / "peers" / "neo4j-graphql"
READY_TIMEOUT = 90.0
REQUEST_TIMEOUT = 60.0
CACHE_HEADER = "x-kgapi-cache"


class RequestFailed(RuntimeError):
    """An answer that is not a success: an HTTP error, GraphQL errors, or a driver error."""


class System:
    """One way of answering the query mix."""

    name: str

    async def call(self, query: Query) -> Any:
        raise NotImplementedError

    async def close(self) -> None:
        return None


class RawSystem(System):
    """The floor: the query's hand-written Cypher through the Python async driver, one round
    trip, records decoded, no HTTP and no GraphQL. Same pool size as kgapi's default."""

    name = "raw"

    def __init__(self, target: PrivateNeo4j) -> None:
        settings = target.settings
        self.driver = AsyncGraphDatabase.driver(
            target.uri,
            auth=(settings.neo4j_username, settings.neo4j_password),
            max_connection_pool_size=50,
            notifications_min_severity="OFF",
        )

    async def call(self, query: Query) -> Any:
        try:
            result = await self.driver.execute_query(
                neo4j.Query(query.raw, timeout=REQUEST_TIMEOUT),
                query.raw_params,
                database_="neo4j",
                routing_=RoutingControl.READ,
            )
        except neo4j.exceptions.Neo4jError as exc:
            raise RequestFailed(f"{exc.code}: {exc.message}") from exc
        return [record.data() for record in result.records]

    async def close(self) -> None:
        await self.driver.close()


class HttpSystem(System):
    """A GraphQL server on loopback: POST the query's document with its variables.

    Systems whose name starts with `kgapi` (kgapi, kgapi-cached) are sent kgapi's documents,
    the others the peer's. kgapi's X-Kgapi-Cache answers are counted in `cache_outcomes`, so a
    measurement can show that the cached system really answered from its cache."""

    def __init__(self, name: str, url: str, client: httpx.AsyncClient) -> None:
        self.name = name
        self.url = url
        self.client = client
        self.cache_outcomes: collections.Counter[str] = collections.Counter()

    def payload(self, query: Query) -> dict[str, Any]:
        if self.name.startswith("kgapi"):
            return {"query": query.kgapi, "variables": query.kgapi_vars}
        return {"query": query.peer, "variables": query.peer_vars}

    async def call(self, query: Query) -> Any:
        response = await self.client.post(self.url, json=self.payload(query))
        outcome = response.headers.get(CACHE_HEADER)
        if outcome:
            self.cache_outcomes[outcome] += 1
        if response.status_code != 200:
            raise RequestFailed(f"HTTP {response.status_code}: {response.text[:200]}")
        body = response.json()
        if body.get("errors"):
            raise RequestFailed(str(body["errors"][0].get("message"))[:300])
        return body["data"]


def http_client() -> httpx.AsyncClient:
    """One keep-alive client for both HTTP systems, with room for concurrency 32 and more."""
    return httpx.AsyncClient(
        timeout=REQUEST_TIMEOUT,
        limits=httpx.Limits(max_connections=128, max_keepalive_connections=128),
    )


# -- measuring -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CellResult:
    """One query on one system at one concurrency."""

    system: str
    query: str
    concurrency: int
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float | None
    p90_ms: float | None
    p99_ms: float | None
    mean_ms: float | None
    max_ms: float | None
    first_error: str | None = None
    rss_peak_mb: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation: with few samples p99 is the maximum)."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, min(len(sorted_values), math.ceil(fraction * len(sorted_values))))
    return sorted_values[rank - 1]


async def run_cell(
    system: System,
    query: Query,
    *,
    concurrency: int,
    seconds: float,
    max_requests: int,
    warmup: int,
    sampler: RssSampler | None = None,
) -> CellResult:
    """`concurrency` workers send the query back to back until `seconds` have passed or
    `max_requests` were sent, after `warmup` untimed requests. Latency is per request;
    throughput is successful answers over the wall time of the timed part."""
    for _ in range(warmup):
        with contextlib.suppress(RequestFailed, httpx.HTTPError, asyncio.TimeoutError):
            await asyncio.wait_for(system.call(query), REQUEST_TIMEOUT)
    latencies: list[float] = []
    errors: list[str] = []
    sent = 0
    began = time.perf_counter()
    deadline = began + seconds

    async def worker() -> None:
        nonlocal sent
        while sent < max_requests and time.perf_counter() < deadline:
            sent += 1
            start = time.perf_counter()
            try:
                await asyncio.wait_for(system.call(query), REQUEST_TIMEOUT)
            except (TimeoutError, RequestFailed, httpx.HTTPError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}"[:300])
            else:
                latencies.append(time.perf_counter() - start)

    if sampler is not None:
        sampler.reset()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies)

    def ms(value: float | None) -> float | None:
        return None if value is None else value * 1000

    return CellResult(
        system=system.name,
        query=query.key,
        concurrency=concurrency,
        requests=len(latencies) + len(errors),
        errors=len(errors),
        seconds=elapsed,
        rps=len(latencies) / elapsed if elapsed > 0 else 0.0,
        p50_ms=ms(percentile(ordered, 0.50)) if ordered else None,
        p90_ms=ms(percentile(ordered, 0.90)) if ordered else None,
        p99_ms=ms(percentile(ordered, 0.99)) if ordered else None,
        mean_ms=ms(sum(ordered) / len(ordered)) if ordered else None,
        max_ms=ms(ordered[-1]) if ordered else None,
        first_error=errors[0] if errors else None,
        rss_peak_mb=sampler.peak_mb() if sampler is not None else None,
    )


def rss_bytes(pid: int) -> int | None:
    """Resident set size of a process, from /proc/<pid>/status (VmRSS, in kB)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmRSS:\s+(\d+)\s+kB", status, re.MULTILINE)
    return int(match.group(1)) * 1024 if match else None


class RssSampler:
    """Samples a process's RSS every `interval` seconds in the background; `reset()` starts a
    new window (one per cell), `overall_peak_mb` spans the whole run."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.window: list[int] = []
        self.overall: int = 0
        self._task: asyncio.Task[None] | None = None

    async def _loop(self) -> None:
        while True:
            value = rss_bytes(self.pid)
            if value is not None:
                self.window.append(value)
                self.overall = max(self.overall, value)
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def reset(self) -> None:
        self.window = []

    def peak_mb(self) -> float | None:
        return max(self.window) / 2**20 if self.window else None

    @property
    def overall_peak_mb(self) -> float:
        return self.overall / 2**20


async def read_queries_total(client: httpx.AsyncClient, base_url: str) -> float:
    """kgapi's `kgapi_neo4j_queries_total` counter from /metrics."""
    response = await client.get(f"{base_url}/metrics")
    response.raise_for_status()
    match = re.search(r"^kgapi_neo4j_queries_total (\S+)$", response.text, re.MULTILINE)
    if match is None:
        raise RuntimeError("kgapi's /metrics has no kgapi_neo4j_queries_total")
    return float(match.group(1))


async def metric_samples(client: httpx.AsyncClient, base_url: str) -> dict[str, float]:
    """Every sample of kgapi's /metrics, keyed by name and labels as printed
    (`kgapi_read_cache_requests_total{result="hit"}`): a measurement driven by wrk, which sees
    no headers or bodies, reads hits and GraphQL errors from kgapi's own counters instead."""
    response = await client.get(f"{base_url}/metrics")
    response.raise_for_status()
    samples: dict[str, float] = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


async def round_trips(system: HttpSystem, query: Query, base_url: str, requests: int = 10) -> float:
    """Cypher round trips per request: the counter before and after `requests` sequential
    requests of one query (nothing else reaches kgapi meanwhile)."""
    trips, _ = await trips_and_paths(system, query, base_url, requests)
    return trips


OPERATIONS_METRIC = "kgapi_graphql_operations_total"


async def trips_and_paths(
    system: HttpSystem, query: Query, base_url: str, requests: int = 10
) -> tuple[float, dict[str, float]]:
    """Cypher round trips per request, and the share of requests each of kgapi's read paths
    answered (`kgapi_graphql_operations_total{path=...}`: one_statement, resolvers): one round
    trip alone does not prove the planner answered, since a resolver read may send one too."""
    before = await metric_samples(system.client, base_url)
    for _ in range(requests):
        await system.call(query)
    after = await metric_samples(system.client, base_url)
    trips_name = "kgapi_neo4j_queries_total"
    if trips_name not in after:
        raise RuntimeError(f"kgapi's /metrics has no {trips_name}")
    trips = (after[trips_name] - before.get(trips_name, 0.0)) / requests
    paths: dict[str, float] = {}
    for name, value in after.items():
        match = re.fullmatch(OPERATIONS_METRIC + r'\{path="(\w+)"\}', name)
        delta = value - before.get(name, 0.0)
        if match and delta > 0:
            paths[match.group(1)] = delta / requests
    return trips, paths


# -- the servers -----------------------------------------------------------------------------


def _wait_ready(url: str, process: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{what} exited with code {process.returncode}:\n{tail}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{what} did not answer on {url} within {READY_TIMEOUT:.0f}s; see {log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop one process we started, by its pid (SIGTERM, then SIGKILL after 20 s)."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _env(target: PrivateNeo4j, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    settings = target.settings
    env.update(
        NEO4J_URI=target.uri,
        NEO4J_USERNAME=settings.neo4j_username,
        NEO4J_PASSWORD=settings.neo4j_password,
        NEO4J_DATABASE=settings.neo4j_database,
        **extra,
    )
    return env


@dataclass(frozen=True, slots=True)
class Server:
    url: str  # base URL
    pid: int


@contextmanager
def kgapi_server(
    target: PrivateNeo4j,
    log_dir: Path,
    module: str = "uvicorn",
    log_name: str = "kgapi.log",
    **extra_env: str,
) -> Iterator[Server]:
    """kgapi's real API, as deployed: uvicorn with the app factory, one process, reading its
    configuration from the environment (pointed at the private Neo4j; `extra_env` adds to it,
    e.g. KGAPI_READ_CACHE). `module` may replace `uvicorn` by a wrapper taking the same command
    line (bench.profiled_kgapi)."""
    port = free_port()
    log = log_dir / log_name
    command = [
        sys.executable,
        "-m",
        module,
        "kgapi.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    env = _env(
        target,
        KGAPI_LOG_LEVEL="warning",
        KGAPI_ALLOW_ANONYMOUS_READS="true",
        KGAPI_GRAPHIQL="false",
        **extra_env,
    )
    with open(log, "ab") as out:
        process = subprocess.Popen(command, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(f"{base}/ready", process, "kgapi", log)
        yield Server(base, process.pid)
    finally:
        _stop(process)


@contextmanager
def peer_server(target: PrivateNeo4j, log_dir: Path) -> Iterator[Server]:
    """@neo4j/graphql 7 on graphql-yoga, on the machine's Node.js (`npm ci` done before)."""
    if not (PEER_DIR / "node_modules" / "@neo4j" / "graphql").is_dir():
        raise RuntimeError(
            f"the @neo4j/graphql peer is not installed: run `npm ci` in {PEER_DIR} "
            "(make bench does)"
        )
    port = free_port()
    log = log_dir / "neo4j-graphql.log"
    env = _env(target, PORT=str(port), HOST="127.0.0.1", NODE_ENV="production")
    with open(log, "ab") as out:
        process = subprocess.Popen(
            ["node", "server.mjs"], env=env, cwd=PEER_DIR, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        base = f"http://127.0.0.1:{port}"
        probe = f"{base}/graphql?query=%7B__typename%7D"
        _wait_ready(probe, process, "@neo4j/graphql", log)
        yield Server(base, process.pid)
    finally:
        _stop(process)
