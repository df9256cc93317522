"""`kgapi neo4j start|stop|status` on a private home and port, beside the suite's own Neo4j."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from kgapi.config import Settings
from kgapi.neo4j_local import LocalNeo4j, ProvisioningError
from kgapi.neo4j_local import server as local_server

pytestmark = pytest.mark.provisioning


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _private_settings(home: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "neo4j_home": home,
        "neo4j_bolt_port": _free_port(),
        "neo4j_heap": "512m",
        "neo4j_pagecache": "32m",
        "neo4j_start_timeout": 180.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def _java_home() -> str:
    java = shutil.which("java")
    assert java is not None, "these tests need Java 17+"
    return str(Path(os.path.realpath(java)).parents[1])


def _alive(pid: int) -> bool:
    return local_server._proc_start_time(pid) is not None and not local_server._is_zombie(pid)


def test_start_status_restart_from_cache_and_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = LocalNeo4j(_private_settings(tmp_path / "neo4j"))
    first = local.start()
    try:
        assert first.started
        assert first.version.startswith("5.26.")
        assert first.edition == "community"
        status = local.status()
        assert status.running and status.answering and status.pid == first.pid
        assert status.version is not None and status.version.startswith("5.26.")

        again = local.start()  # a second start of a running server is a no-op
        assert not again.started and again.pid == first.pid
    finally:
        assert local.stop() == first.pid
    assert not _alive(first.pid)
    assert not local.status().running
    assert not local_server._port_in_use(local.port)
    assert local.stop() is None  # nothing left to stop

    # Restart with no Maven on PATH: the cache alone must be enough (nothing is downloaded).
    java_home = _java_home()
    empty_bin = tmp_path / "empty-bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    monkeypatch.setenv("JAVA_HOME", java_home)
    began = time.monotonic()
    cached = local.start()
    try:
        assert cached.started and not cached.downloaded
        assert cached.version == first.version
    finally:
        local.stop()
    assert not _alive(cached.pid)
    print(f"cached start took {time.monotonic() - began:.1f}s")


def test_port_taken_is_a_clear_error(tmp_path: Path) -> None:
    settings = _private_settings(tmp_path / "neo4j")
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", settings.neo4j_bolt_port))
        blocker.listen(1)
        with pytest.raises(
            ProvisioningError,
            match=rf"port {settings.neo4j_bolt_port} on 127.0.0.1 is already in use",
        ):
            LocalNeo4j(settings).start()


def test_missing_java_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(ProvisioningError, match=r"^java not found: install a JDK 17\+"):
        LocalNeo4j(_private_settings(tmp_path / "neo4j")).start()


def test_missing_maven_with_an_empty_cache_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    java_home = _java_home()
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("JAVA_HOME", java_home)
    settings = _private_settings(tmp_path / "neo4j", cache_dir=tmp_path / "cache")
    with pytest.raises(ProvisioningError, match=r"^mvn not found"):
        LocalNeo4j(settings).start()


def test_a_failed_download_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pom = tmp_path / "pom.xml"
    pom.write_text(
        local_server.POM_FILE.read_text("utf-8")
        .replace("<neo4j.version>", "<neo4j.version>0.0.0-no-such-release", 1)
        .replace("0.0.0-no-such-release5.26", "0.0.0-no-such-release-5.26"),
        "utf-8",
    )
    monkeypatch.setattr(local_server, "POM_FILE", pom)
    settings = _private_settings(tmp_path / "neo4j", cache_dir=tmp_path / "cache")
    with pytest.raises(ProvisioningError, match=r"^could not download Neo4j .* from Maven Central"):
        LocalNeo4j(settings).start()
    assert not list((tmp_path / "cache").glob("neo4j-*"))  # nothing half-cached


def test_stop_never_signals_a_process_it_did_not_start(tmp_path: Path) -> None:
    settings = _private_settings(tmp_path / "neo4j")
    settings.neo4j_home.mkdir(parents=True)
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        # A pid file naming a live process that is not our launcher (e.g. a reused pid).
        start_time = local_server._proc_start_time(bystander.pid)
        (settings.neo4j_home / local_server.PID_FILE).write_text(
            f'{{"pid": {bystander.pid}, "start_time": {start_time}}}'
        )
        assert LocalNeo4j(settings).stop() is None
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()
