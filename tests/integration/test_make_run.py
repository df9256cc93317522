"""`make run`, the README's first command, exactly as a person runs it: provision and start
Neo4j, seed, serve, answer over TCP, and on Ctrl-C stop the API and then the Neo4j it started.

It runs in its own process group with its own Bolt port, Neo4j home and API port, and without
the NEO4J_URI that `make test` exports, so it provisions a fresh Neo4j of its own and never
touches a developer's running server or data. Ctrl-C is SIGINT to the whole group, as a
terminal sends it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from kgapi.config import Settings
from kgapi.neo4j_local import LocalNeo4j
from kgapi.neo4j_local import server as local_server
from tests.integration.live import free_port

pytestmark = pytest.mark.provisioning

ROOT = Path(__file__).resolve().parents[2]
SEEDED = '{ documents { totalCount } entity(slug: "pakistan") { slug } }'
ANSWER_TIMEOUT = 600.0  # a first provisioning compiles the launcher; later runs use the cache
EXIT_TIMEOUT = 180.0
# Inherited from an outer make (make test): a sub-make must not join its jobserver.
MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKE_TERMOUT", "MAKE_TERMERR")


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    """Running, not merely a zombie left for init to reap (its parent, make run's kgapi,
    has exited)."""
    return local_server._proc_start_time(pid) is not None and not local_server._is_zombie(pid)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _answer(url: str) -> dict[str, object] | None:
    try:
        response = httpx.post(url, json={"query": SEEDED}, timeout=10)
    except httpx.TransportError:
        return None
    body: dict[str, object] = response.json()
    return body


def test_make_run_seeds_serves_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    bolt_port, api_port = free_port(), free_port()
    home = tmp_path / "neo4j"
    env = {k: v for k, v in os.environ.items() if k != "NEO4J_URI" and k not in MAKE_VARIABLES}
    env.update(
        KGAPI_NEO4J_BOLT_PORT=str(bolt_port),
        KGAPI_NEO4J_HOME=str(home),
        KGAPI_NEO4J_HEAP="512m",
        KGAPI_NEO4J_PAGECACHE="64m",
        KGAPI_PORT=str(api_port),
        KGAPI_HOST="127.0.0.1",
    )
    log_path = tmp_path / "make-run.log"
    url = f"http://127.0.0.1:{api_port}/graphql"
    with log_path.open("wb") as log:
        make = subprocess.Popen(
            ["make", "--no-print-directory", "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, like a terminal's foreground job
        )
    pgid = make.pid
    neo4j_pid: int | None = None
    try:
        deadline = time.monotonic() + ANSWER_TIMEOUT
        while (body := _answer(url)) is None:
            assert make.poll() is None, f"make run exited with {make.returncode}: see {log_path}"
            assert time.monotonic() < deadline, f"make run did not answer on {url}: {log_path}"
            time.sleep(1)
        # The seed ran before the server: the first answer already has the seeded graph.
        assert body == {"data": {"documents": {"totalCount": 7}, "entity": {"slug": "pakistan"}}}
        record = LocalNeo4j(Settings(neo4j_home=home, neo4j_bolt_port=bolt_port))
        status = record.status()
        assert status.running and status.pid is not None, "make run's Neo4j has no pid file"
        neo4j_pid = status.pid
        assert _listening(bolt_port)

        os.killpg(pgid, signal.SIGINT)  # Ctrl-C
        make.wait(timeout=EXIT_TIMEOUT)
        output = log_path.read_text("utf-8", errors="replace")

        # make itself dies of the SIGINT (GNU make re-raises it once its recipe has finished),
        # which is what a shell reports for Ctrl-C; nothing below it failed or was left behind.
        assert make.returncode == -signal.SIGINT, output
        assert "Traceback" not in output and "error:" not in output, output
        assert f"kgapi on http://127.0.0.1:{api_port}/graphql" in output
        assert "stopped the Neo4j this command started" in output
        assert not _listening(api_port), "the API still listens"
        assert not _listening(bolt_port), "Neo4j still listens"
        assert not _alive(neo4j_pid), f"Neo4j (pid {neo4j_pid}) is still running"
        assert not record.pid_file.exists()
        assert not _group_alive(pgid), "a process of make run's group is still running"
    finally:
        if make.poll() is None:
            os.killpg(pgid, signal.SIGKILL)
            make.wait()
        if neo4j_pid is not None and _alive(neo4j_pid):
            LocalNeo4j(Settings(neo4j_home=home, neo4j_bolt_port=bolt_port)).stop()
