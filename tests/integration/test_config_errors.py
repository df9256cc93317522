"""Unreachable URI or wrong password: the command fails fast with one line naming URI and cause."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

from kgapi.config import Settings


def _kgapi(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kgapi", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_uri(neo4j_settings: Settings) -> None:
    uri = f"bolt://127.0.0.1:{_closed_port()}"
    began = time.monotonic()
    result = _kgapi("seed", NEO4J_URI=uri)
    assert time.monotonic() - began < 30  # fails fast, does not hang on retries
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"cannot reach Neo4j at {uri}" in lines[0]
    assert "Connection refused" in lines[0] or "Connect call failed" in lines[0]


def test_wrong_password(neo4j_settings: Settings) -> None:
    uri = neo4j_settings.effective_uri
    result = _kgapi("check", NEO4J_URI=uri, NEO4J_PASSWORD="definitely-not-it")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"error: Neo4j at {uri} refused the credentials (check NEO4J_USERNAME and NEO4J_PASSWORD)"
    ]


def test_the_right_settings_answer_with_5_26(neo4j_settings: Settings) -> None:
    result = _kgapi("check", NEO4J_URI=neo4j_settings.effective_uri)
    assert result.returncode == 0, result.stderr
    assert "Neo4j 5.26." in result.stdout and "community" in result.stdout
