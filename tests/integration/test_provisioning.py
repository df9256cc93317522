"""`kgapi neo4j start|stop|status` on a private home and port, beside the suite's own Neo4j."""

from __future__ import annotations

import json
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


def test_isolated_exec_runs_beside_a_busy_default_port_and_beside_itself(tmp_path: Path) -> None:
    """`make test` while `make run` serves, and two `make test` runs at once: each
    `kgapi neo4j exec --isolated` gets a Neo4j of its own on its own port and home, and removes
    the home afterwards. The default port is held busy here, as a dev server's Neo4j would."""
    import sys

    kgapi = str(Path(sys.executable).with_name("kgapi"))
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    busy_port = busy.getsockname()[1]
    probe = (
        "import os, neo4j; uri = os.environ['NEO4J_URI']; "
        "d = neo4j.GraphDatabase.driver(uri, auth=(os.environ.get('NEO4J_USERNAME', 'neo4j'), "
        "os.environ.get('NEO4J_PASSWORD', 'kgapi-dev-password'))); "
        "d.verify_connectivity(); d.close(); "
        "print('URI', uri); print('HOME', os.environ['KGAPI_NEO4J_HOME']); "
        # Ctrl-C must reach the command: it starts with SIGINT's default action, not ignored.
        "import signal; "
        "print('CTRLC', signal.getsignal(signal.SIGINT) is signal.default_int_handler)"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("NEO4J_URI", "KGAPI_NEO4J_HOME", "KGAPI_NEO4J_BOLT_PORT")
    }
    env.update(
        KGAPI_NEO4J_BOLT_PORT=str(busy_port),
        KGAPI_NEO4J_HOME=str(tmp_path / "dev-home"),
        KGAPI_NEO4J_HEAP="512m",
        KGAPI_NEO4J_PAGECACHE="32m",
    )
    try:
        # Without --isolated the busy port stops the command at once, as the issue reported.
        plain = subprocess.run(
            [kgapi, "neo4j", "exec", "--", sys.executable, "-c", "pass"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert plain.returncode == 1
        assert "already in use" in plain.stderr

        runs = [
            subprocess.Popen(
                [kgapi, "neo4j", "exec", "--isolated", "--", sys.executable, "-c", probe],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=300) for run in runs]
    finally:
        busy.close()
    found: list[dict[str, str]] = []
    for run, (out, errors) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, errors
        lines = dict(
            line.split(" ", 1)
            for line in out.splitlines()
            if line.split(" ")[0] in ("URI", "HOME", "CTRLC")
        )
        assert lines["CTRLC"] == "True"  # Ctrl-C on `make test` reaches pytest
        found.append(lines)
    uris = {f["URI"] for f in found}
    assert len(uris) == 2 and all(f":{busy_port}" not in uri for uri in uris)
    for f in found:
        assert not Path(f["HOME"]).exists()  # the temporary home is removed
    assert not (tmp_path / "dev-home").exists()  # the dev server's home was never touched


def test_isolated_exec_stops_its_neo4j_when_terminated(tmp_path: Path) -> None:
    """A SIGTERM to `kgapi neo4j exec` (a CI timeout, `kill`) reaches the command, and the Neo4j
    it started is stopped and its temporary home removed, rather than left running."""
    import signal
    import sys

    kgapi = str(Path(sys.executable).with_name("kgapi"))
    marker = tmp_path / "child-started"
    child = (
        "import os, pathlib, time; "
        f"pathlib.Path({str(marker)!r}).write_text(os.environ['KGAPI_NEO4J_HOME']); "
        "time.sleep(600)"
    )
    env = {key: value for key, value in os.environ.items() if key != "NEO4J_URI"}
    env.update(KGAPI_NEO4J_HEAP="512m", KGAPI_NEO4J_PAGECACHE="32m")
    run = subprocess.Popen(
        [kgapi, "neo4j", "exec", "--isolated", "--", sys.executable, "-c", child],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300
        while not marker.exists():
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline, "the command never started"
            time.sleep(0.2)
        home = Path(marker.read_text())
        pid = int(json.loads((home / local_server.PID_FILE).read_text())["pid"])
        assert _alive(pid)
        run.send_signal(signal.SIGTERM)
        out, _ = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode != 0  # the command was terminated, and says so
    assert "stopped the Neo4j this command started" in out
    assert not _alive(pid)
    assert not home.exists()
