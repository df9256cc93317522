"""A private Neo4j for the benchmark: its own home under bench/.data/, its own Bolt port.

The benchmark must never touch the team's Neo4j (bolt://127.0.0.1:7687) nor take its memory,
so every graph size gets its own home (which also keeps a loaded graph for the next run) and a
free port, with a small heap and page cache. `private_neo4j()` stops what it started whatever
happens inside the block, including Ctrl-C.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kgapi.config import Settings
from kgapi.neo4j_local import LocalNeo4j

__all__ = [
    "BENCH_PASSWORD",
    "DATA_DIR",
    "PrivateNeo4j",
    "bench_settings",
    "free_port",
    "private_neo4j",
]

DATA_DIR = Path(__file__).resolve().parent / ".data"
BENCH_PASSWORD = "bench-private-password"  # noqa: S105 - a throwaway local instance
DEFAULT_HEAP = "1g"  # the brief's ceiling is 2g; 1g holds the 1M graph's transactions
DEFAULT_PAGECACHE = "1g"  # the 1M graph's store fits, so reads are not disk-bound
TEAM_BOLT_PORT = 7687


def free_port() -> int:
    """A port on loopback that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True, slots=True)
class PrivateNeo4j:
    """Where a running private Neo4j answers, and the settings that reach it."""

    uri: str
    home: Path
    pid: int
    settings: Settings


def bench_settings(home: Path, port: int, heap: str, pagecache: str) -> Settings:
    """Settings for a private instance: every value explicit, so neither the environment
    (`make test` exports the team's NEO4J_URI) nor a .env file can point us elsewhere."""
    if port == TEAM_BOLT_PORT:
        raise ValueError("port 7687 is the team's Neo4j; the benchmark uses its own port")
    return Settings(
        neo4j_uri=f"bolt://127.0.0.1:{port}",
        neo4j_username="neo4j",
        neo4j_password=BENCH_PASSWORD,
        neo4j_database="neo4j",
        neo4j_home=home,
        neo4j_bolt_port=port,
        neo4j_heap=heap,
        neo4j_pagecache=pagecache,
        query_timeout=300.0,  # bulk loading batches and cold 1M queries may take a while
        connect_timeout=10.0,
    )


@contextmanager
def private_neo4j(
    name: str,
    *,
    heap: str = DEFAULT_HEAP,
    pagecache: str = DEFAULT_PAGECACHE,
    data_dir: Path = DATA_DIR,
) -> Iterator[PrivateNeo4j]:
    """Start a Neo4j with home `data_dir/name` on a free port; stop it when the block ends."""
    home = (data_dir / name).resolve()
    home.mkdir(parents=True, exist_ok=True)
    settings = bench_settings(home, free_port(), heap, pagecache)
    local = LocalNeo4j(settings)
    # A run killed before its cleanup leaves its Neo4j running on another port; stop only that
    # one (the pid file in this home names it, and LocalNeo4j checks it is still ours).
    local.stop()
    result = local.start()
    try:
        yield PrivateNeo4j(uri=result.uri, home=home, pid=result.pid, settings=settings)
    finally:
        local.stop()
