"""How long /health waits while other clients send megabyte GraphQL bodies (issue 15, item 4).

One kgapi process (uvicorn, one worker, the app factory) against the Neo4j in NEO4J_URI; a
prober asks GET /health every 20 ms while `--senders` clients post bodies just under the body
limit, over and over: a 1.9 MB string variable, a list variable of 150,000 values, and a
1.9 MB JSON object of junk fields. The same prober runs first with no senders, as the baseline.
The figure that matters is /health's p99 under the bodies: one event loop serves everyone, so
whatever a body costs on the loop, every other request waits for.

    kgapi neo4j exec -- .venv/bin/python -m bench.health_under_bodies --seconds 10

Timings depend on the machine (2 shared cores here); compare runs on one machine only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

import httpx
import orjson

from kgapi.config import Settings
from tests.integration.live import running_server  # the tests' real-server launcher

PROBE_INTERVAL = 0.02


def _bodies() -> list[bytes]:
    """Three shapes, each a little under the default 2 MB body limit."""
    string_variable = orjson.dumps(
        {
            "query": "query($v: String!) { entity(slug: $v) { slug } }",
            "variables": {"v": "x" * 1_900_000},
        }
    )
    list_variable = orjson.dumps(
        {
            "query": 'query($k: [EntityKind!]) { search(text: "a", kinds: $k) { score } }',
            "variables": {"k": ["COUNTRY"] * 150_000},
        }
    )
    junk_object = orjson.dumps(
        {"query": "{ __typename }", **{f"k{i}": [i, "v"] for i in range(90_000)}}
    )
    return [string_variable, list_variable, junk_object]


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _probe(client: httpx.AsyncClient, stop: asyncio.Event) -> list[float]:
    latencies: list[float] = []
    while not stop.is_set():
        started = time.perf_counter()
        response = await client.get("/health")
        response.raise_for_status()
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(PROBE_INTERVAL)
    return latencies


async def _send(client: httpx.AsyncClient, bodies: list[bytes], stop: asyncio.Event) -> int:
    sent = 0
    while not stop.is_set():
        body = bodies[sent % len(bodies)]
        await client.post("/graphql", content=body, headers={"content-type": "application/json"})
        sent += 1
    return sent


async def _phase(url: str, seconds: float, senders: int, bodies: list[bytes]) -> dict[str, float]:
    stop = asyncio.Event()
    limits = httpx.Limits(max_connections=senders + 2)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        probe = asyncio.create_task(_probe(client, stop))
        sending = [asyncio.create_task(_send(client, bodies, stop)) for _ in range(senders)]
        await asyncio.sleep(seconds)
        stop.set()
        latencies = await probe
        sent = sum(await asyncio.gather(*sending))
    ms = [value * 1000 for value in latencies]
    return {
        "probes": len(ms),
        "bodies": sent,
        "p50_ms": statistics.median(ms),
        "p99_ms": _percentile(ms, 0.99),
        "max_ms": max(ms),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--senders", type=int, default=4, help="clients sending big bodies")
    args = parser.parse_args()
    if not os.environ.get("NEO4J_URI"):
        parser.error("NEO4J_URI is not set: run under `kgapi neo4j exec --`")
    bodies = _bodies()
    with running_server(Settings(), KGAPI_LOG_LEVEL="warning", KGAPI_GRAPHIQL="false") as url:
        baseline = asyncio.run(_phase(url, args.seconds, 0, bodies))
        loaded = asyncio.run(_phase(url, args.seconds, args.senders, bodies))
    sizes = ", ".join(f"{len(b) / 1e6:.2f} MB" for b in bodies)
    print(f"bodies: {sizes}; {args.senders} senders; {args.seconds:.0f} s per phase")
    for name, result in (("no bodies", baseline), ("under bodies", loaded)):
        print(
            f"{name:>13}: /health p50 {result['p50_ms']:7.1f} ms  p99 {result['p99_ms']:7.1f} ms"
            f"  max {result['max_ms']:7.1f} ms  ({result['probes']:.0f} probes, "
            f"{result['bodies']:.0f} bodies answered)"
        )


if __name__ == "__main__":
    main()
