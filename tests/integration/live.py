"""A real kgapi server in a subprocess (uvicorn), for tests that need true concurrency, several
workers, or a client outside this process (a browser, node, a load driver)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import httpx

from kgapi.config import Settings

READY_TIMEOUT = 60.0
LAST_PID: list[int] = [0]  # pid of the most recently started server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_answering(
    url: str, process: subprocess.Popen[bytes], timeout: float, interval: float = 0.3
) -> bool:
    """True once GET `url` answers 200; False if the process exits or `timeout` passes first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(interval)


@contextmanager
def running_server(
    settings: Settings,
    workers: int = 1,
    uvicorn_args: tuple[str, ...] = (),
    log: IO[bytes] | None = None,
    **env: str,
) -> Iterator[str]:
    """Yield the base URL of a server that answered /ready; stop it afterwards.

    `uvicorn_args` are added to uvicorn's command line (e.g. `--http` as `kgapi serve` runs
    it). The server's pid is in LAST_PID[0] (for RSS sampling); its stderr (the log) goes to
    `log` when given."""
    port = free_port()
    full_env = {
        **os.environ,
        "NEO4J_URI": settings.effective_uri,
        "NEO4J_USERNAME": settings.neo4j_username,
        "NEO4J_PASSWORD": settings.neo4j_password,
        **env,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "kgapi.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            *uvicorn_args,
        ],
        env=full_env,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    LAST_PID[0] = process.pid
    try:
        if not wait_until_answering(f"{url}/ready", process, READY_TIMEOUT):
            raise RuntimeError(f"the API server on {url} did not become ready")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
