"""Bounded memory (issue 15, item 2): many large unique queries do not grow a real server's
RSS beyond a fixed bound — the parse, validation and plan caches are bounded in bytes and keyed
by digests, and query texts over KGAPI_MAX_QUERY_BYTES are refused before they are parsed."""

from __future__ import annotations

from pathlib import Path

import httpx

from kgapi.config import Settings
from kgapi.db import Database
from tests.integration.live import LAST_PID, running_server

# RSS may grow this much over the warmed-up server while the queries arrive. Before the fix
# the caches kept every text: the same requests grew it by several hundred megabytes.
RSS_BOUND_BYTES = 120_000_000
LARGE = 1_500_000  # under the 2 MB body limit, over the 100 KB query limit
MEDIUM = 90_000  # under the query limit: parsed, validated, planned and cached


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _query(i: int, size: int) -> str:
    # One long string literal keeps the token count tiny, so only the byte limits apply.
    slug = f"{i}-" + "x" * size
    return f'{{ entity(slug: "{slug}") {{ slug }} }}'


def test_many_large_unique_queries_keep_rss_bounded(
    neo4j_settings: Settings, seeded: Database
) -> None:
    with (
        running_server(neo4j_settings, workers=1) as url,
        httpx.Client(base_url=url, timeout=60) as http,
    ):
        pid = LAST_PID[0]
        for i in range(20):  # warm up: imports, pools, first allocations
            http.post("/graphql", json={"query": _query(i, 1000)})
        baseline = _rss(pid)
        peak = baseline
        codes: set[str] = set()
        for i in range(120):
            size = LARGE if i % 2 == 0 else MEDIUM
            body = http.post("/graphql", json={"query": _query(1000 + i, size)}).json()
            for error in body.get("errors") or []:
                codes.add(error["extensions"]["code"])
            if size == MEDIUM:
                assert body.get("data") == {"entity": None}, str(body)[:300]
            peak = max(peak, _rss(pid))
    assert peak - baseline <= RSS_BOUND_BYTES, (baseline, peak)
    assert codes == {"QUERY_TOO_LARGE"}  # the large ones, named as such
