"""Provision, start and stop Neo4j Community 5.26 without Docker.

Maven Central does not publish the 5.x standalone server tarball, but it publishes the DBMS
itself (`org.neo4j:neo4j`, which brings `neo4j-bolt`). So kgapi resolves those jars with the
machine's Maven (into ~/.m2, outside the repository), compiles the one-class launcher in
`launcher/` with the machine's JDK, and caches the classpath and the class under the kgapi cache
directory. The second start runs neither Maven nor javac: it only starts the JVM.

The data, logs, generated neo4j.conf and pid file live in a project-local directory (`.neo4j/`,
git-ignored). `stop` signals only the process recorded in the pid file, and only if that process
still is the launcher that was started (pid and start time both match), never any other.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import neo4j
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

from kgapi.config import MIN_PASSWORD_LENGTH, Settings

__all__ = ["LocalNeo4j", "LocalStatus", "ProvisioningError", "StartResult"]

LAUNCHER_DIR = Path(__file__).parent / "launcher"
POM_FILE = LAUNCHER_DIR / "pom.xml"
LAUNCHER_SOURCE = LAUNCHER_DIR / "src" / "main" / "java" / "kgapi" / "Launcher.java"
LAUNCHER_CLASS = "kgapi.Launcher"
MIN_JAVA_MAJOR = 17
PID_FILE = "neo4j.pid.json"
CONF_FILE = "neo4j.conf"
LAUNCHER_LOG = "launcher.log"
POLL_INTERVAL = 0.5
STOP_GRACE_SECONDS = 60.0
MAVEN_TIMEOUT_SECONDS = 1800.0


class ProvisioningError(RuntimeError):
    """A failure a person can act on; its message is one line, printed without a traceback."""


@dataclass(frozen=True, slots=True)
class LocalStatus:
    running: bool
    pid: int | None
    uri: str
    home: Path
    answering: bool = False
    version: str | None = None


@dataclass(frozen=True, slots=True)
class StartResult:
    started: bool  # False when it was already running
    pid: int
    uri: str
    version: str
    edition: str
    downloaded: bool  # True when Maven/javac ran in this start
    seconds: float


def neo4j_version() -> str:
    """The Neo4j version the launcher's pom.xml pins."""
    match = re.search(r"<neo4j\.version>([^<]+)</neo4j\.version>", POM_FILE.read_text("utf-8"))
    if match is None:  # pragma: no cover - the pom is part of the package
        raise ProvisioningError(f"{POM_FILE} does not pin <neo4j.version>")
    return match.group(1)


def _proc_start_time(pid: int) -> int | None:
    """Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces; fields after it follow the last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[19])


def _proc_cmdline(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


class LocalNeo4j:
    """The project's own Neo4j: one instance per home directory and port."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.home = settings.neo4j_home.resolve()
        self.port = settings.neo4j_bolt_port
        self.uri = settings.local_uri
        self.version = neo4j_version()

    # -- paths ------------------------------------------------------------------------------
    @property
    def pid_file(self) -> Path:
        return self.home / PID_FILE

    @property
    def log_file(self) -> Path:
        return self.home / "logs" / LAUNCHER_LOG

    @property
    def cache_root(self) -> Path:
        digest = hashlib.sha256(POM_FILE.read_bytes() + LAUNCHER_SOURCE.read_bytes()).hexdigest()
        return self.settings.cache_dir.expanduser() / f"neo4j-{self.version}-{digest[:12]}"

    # -- tools ------------------------------------------------------------------------------
    @staticmethod
    def _java_tool(name: str) -> str:
        java_home = os.environ.get("JAVA_HOME")
        if java_home and (Path(java_home) / "bin" / name).exists():
            return str(Path(java_home) / "bin" / name)
        found = shutil.which(name)
        if found is None:
            raise ProvisioningError(
                f"{name} not found: install a JDK {MIN_JAVA_MAJOR}+ (e.g. apt-get install "
                f"openjdk-17-jdk-headless) or set JAVA_HOME"
            )
        return found

    def _check_java(self, java: str) -> None:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
        match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
        if match is None:
            raise ProvisioningError(f"could not read the Java version from {java} -version")
        major = int(match.group(1))
        if major == 1 and match.group(2):  # "1.8" style
            major = int(match.group(2))
        if major < MIN_JAVA_MAJOR:
            raise ProvisioningError(
                f"Neo4j {self.version} needs Java {MIN_JAVA_MAJOR}+, but {java} is Java {major}; "
                "set JAVA_HOME to a newer JDK"
            )

    # -- provisioning -----------------------------------------------------------------------
    def _cached_classpath(self) -> str | None:
        cp_file = self.cache_root / "classpath.txt"
        class_file = self.cache_root / "classes" / "kgapi" / "Launcher.class"
        if not (cp_file.exists() and class_file.exists()):
            return None
        classpath = cp_file.read_text("utf-8").strip()
        if not all(Path(jar).exists() for jar in classpath.split(os.pathsep)):
            return None  # ~/.m2 was cleaned: resolve again
        return classpath

    def provision(self) -> tuple[str, bool]:
        """Return (classpath, downloaded): resolve and compile only when nothing is cached."""
        cached = self._cached_classpath()
        if cached is not None:
            return cached, False
        mvn = shutil.which("mvn")
        if mvn is None:
            raise ProvisioningError(
                "mvn not found: Maven is needed once, to fetch Neo4j from Maven Central "
                "(apt-get install maven)"
            )
        javac = self._java_tool("javac")
        self._check_java(self._java_tool("java"))
        self.cache_root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="staging-", dir=self.cache_root.parent))
        try:
            cp_file = staging / "classpath.txt"
            try:
                result = subprocess.run(
                    [
                        mvn,
                        "-B",
                        "-q",
                        "-f",
                        str(POM_FILE),
                        "dependency:build-classpath",
                        "-DincludeScope=runtime",
                        f"-Dmdep.outputFile={cp_file}",
                    ],
                    capture_output=True,
                    text=True,
                    check=False,
                    timeout=MAVEN_TIMEOUT_SECONDS,
                )
            except subprocess.TimeoutExpired:
                raise ProvisioningError(
                    f"downloading Neo4j {self.version} from Maven Central timed out after "
                    f"{MAVEN_TIMEOUT_SECONDS:.0f}s"
                ) from None
            if result.returncode != 0 or not cp_file.exists():
                raise ProvisioningError(
                    f"could not download Neo4j {self.version} from Maven Central "
                    f"(mvn exit {result.returncode}): "
                    f"{_first_maven_error(result.stdout + result.stderr)}"
                )
            classpath = cp_file.read_text("utf-8").strip()
            classes = staging / "classes"
            compiled = subprocess.run(
                [
                    javac,
                    "-nowarn",
                    "--release",
                    str(MIN_JAVA_MAJOR),
                    "-d",
                    str(classes),
                    "-cp",
                    classpath,
                    str(LAUNCHER_SOURCE),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if compiled.returncode != 0:
                first = (compiled.stderr.strip().splitlines() or ["no output"])[0]
                raise ProvisioningError(f"could not compile the Neo4j launcher: {first}")
            if self.cache_root.exists():
                shutil.rmtree(self.cache_root)
            staging.rename(self.cache_root)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        return classpath, True

    # -- process ----------------------------------------------------------------------------
    def _read_pid_file(self) -> dict[str, int] | None:
        try:
            data = json.loads(self.pid_file.read_text())
            return {"pid": int(data["pid"]), "start_time": int(data["start_time"])}
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _owned_pid(self) -> int | None:
        """The pid of the launcher this home started, if it is still that process."""
        record = self._read_pid_file()
        if record is None:
            return None
        pid = record["pid"]
        if _proc_start_time(pid) != record["start_time"] or LAUNCHER_CLASS not in _proc_cmdline(
            pid
        ):
            return None  # gone, or the pid now belongs to someone else
        return pid

    def _driver(self) -> neo4j.Driver:
        return neo4j.GraphDatabase.driver(
            self.uri,
            auth=(self.settings.neo4j_username, self.settings.neo4j_password),
            connection_timeout=self.settings.connect_timeout,
            max_connection_lifetime=60,
        )

    def _query_components(self) -> tuple[str, str]:
        # An auto-commit query, not execute_query: a probe must not retry on its own.
        with self._driver() as driver, driver.session(database="system") as session:
            record = session.run(
                "CALL dbms.components() YIELD name, versions, edition "
                "RETURN versions[0] AS version, edition"
            ).single(strict=True)
        return str(record["version"]), str(record["edition"])

    def status(self) -> LocalStatus:
        pid = self._owned_pid()
        if pid is None:
            return LocalStatus(False, None, self.uri, self.home)
        try:
            version, edition = self._query_components()
        except (Neo4jError, ServiceUnavailable, OSError, AuthError):
            return LocalStatus(True, pid, self.uri, self.home, answering=False)
        return LocalStatus(True, pid, self.uri, self.home, True, f"{version} {edition}")

    def _write_conf(self) -> Path:
        conf = self.home / CONF_FILE
        timeout = max(self.settings.query_timeout * 6, 60)
        conf.write_text(
            "\n".join(
                [
                    "# Written by `kgapi neo4j start` on every start; edit kgapi settings instead.",
                    "server.bolt.enabled=true",
                    f"server.bolt.listen_address=127.0.0.1:{self.port}",
                    f"server.bolt.advertised_address=127.0.0.1:{self.port}",
                    "dbms.security.auth_enabled=true",
                    f"server.memory.pagecache.size={self.settings.neo4j_pagecache}",
                    "db.tx_log.rotation.retention_policy=100M size",
                    f"db.transaction.timeout={timeout:.0f}s",
                    "dbms.usage_report.enabled=false",
                    "",
                ]
            ),
            "utf-8",
        )
        return conf

    def start(self) -> StartResult:
        began = time.monotonic()
        if len(self.settings.neo4j_password) < MIN_PASSWORD_LENGTH:
            raise ProvisioningError(
                f"NEO4J_PASSWORD must have at least {MIN_PASSWORD_LENGTH} characters for Neo4j"
            )
        pid = self._owned_pid()
        if pid is not None:
            version, edition = self._wait_until_answering(pid, began)
            return StartResult(
                False, pid, self.uri, version, edition, False, time.monotonic() - began
            )
        java = self._java_tool("java")
        self._check_java(java)
        if _port_in_use(self.port):
            raise ProvisioningError(
                f"port {self.port} on 127.0.0.1 is already in use by another process; "
                "stop it or set KGAPI_NEO4J_BOLT_PORT"
            )
        classpath, downloaded = self.provision()
        (self.home / "logs").mkdir(parents=True, exist_ok=True)
        conf = self._write_conf()
        argfile = self.home / "java.args"  # keeps the long classpath out of `ps`
        argfile.write_text(f'-cp "{self.cache_root / "classes"}{os.pathsep}{classpath}"\n', "utf-8")
        env = dict(os.environ)
        env["KGAPI_NEO4J_INIT_USER"] = self.settings.neo4j_username
        env["KGAPI_NEO4J_INIT_PASSWORD"] = self.settings.neo4j_password
        log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        # The start timeout is the JVM's: a first-time download (above) may take longer on its own.
        launched = time.monotonic()
        with open(self.log_file, "ab") as log:
            process = subprocess.Popen(
                [
                    java,
                    "-Xms256m",
                    f"-Xmx{self.settings.neo4j_heap}",
                    "-XX:+UseG1GC",
                    "-XX:+ExitOnOutOfMemoryError",
                    "-Dfile.encoding=UTF-8",
                    f"@{argfile}",
                    LAUNCHER_CLASS,
                    str(self.home),
                    str(conf),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=self.home,
                start_new_session=True,
            )
        start_time = None
        for _ in range(50):  # /proc entry appears at once; be patient on a loaded box
            start_time = _proc_start_time(process.pid)
            if start_time is not None:
                break
            time.sleep(0.01)
        self.pid_file.write_text(
            json.dumps(
                {
                    "pid": process.pid,
                    "start_time": start_time,
                    "port": self.port,
                    "version": self.version,
                }
            )
        )
        try:
            version, edition = self._wait_until_answering(
                process.pid, launched, process, log_offset
            )
        except ProvisioningError:
            self._terminate(process.pid)
            self.pid_file.unlink(missing_ok=True)
            raise
        return StartResult(
            True, process.pid, self.uri, version, edition, downloaded, time.monotonic() - began
        )

    def _launcher_ready(self, offset: int) -> bool:
        try:
            with open(self.log_file, "rb") as log:
                log.seek(offset)
                return b"\nREADY " in b"\n" + log.read()
        except OSError:
            return False

    def _wait_until_answering(
        self,
        pid: int,
        began: float,
        process: subprocess.Popen[bytes] | None = None,
        log_offset: int = 0,
    ) -> tuple[str, str]:
        deadline = began + self.settings.neo4j_start_timeout
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise ProvisioningError(
                    f"Neo4j exited during start (code {process.returncode}): "
                    f"{self._last_log_line()}"
                )
            if process is None and _proc_start_time(pid) is None:
                raise ProvisioningError("Neo4j exited while waiting for it to answer")
            if process is not None and not self._launcher_ready(log_offset):
                # Bolt may listen before the launcher has set the password: wait for READY.
                time.sleep(POLL_INTERVAL)
                continue
            try:
                return self._query_components()
            except AuthError as exc:
                raise ProvisioningError(
                    f"Neo4j on {self.uri} refused the configured credentials: {exc.message}"
                ) from None
            except (ServiceUnavailable, Neo4jError, OSError) as exc:
                last_error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            time.sleep(POLL_INTERVAL)
        raise ProvisioningError(
            f"Neo4j did not answer on {self.uri} within {self.settings.neo4j_start_timeout:.0f}s "
            f"({last_error}); see {self.log_file}"
        )

    def _last_log_line(self) -> str:
        try:
            lines = [ln for ln in self.log_file.read_text("utf-8", "replace").splitlines() if ln]
        except OSError:
            return f"see {self.log_file}"
        errors = [ln for ln in lines if "Exception" in ln or "ERROR" in ln]
        return (errors or lines or [f"see {self.log_file}"])[-1][:300]

    @staticmethod
    def _terminate(pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while time.monotonic() < deadline:
            if _proc_start_time(pid) is None or _is_zombie(pid):
                break
            time.sleep(0.2)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)

    def stop(self) -> int | None:
        """Stop the launcher this home started; return its pid, or None if none was running."""
        pid = self._owned_pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return None
        self._terminate(pid)
        self.pid_file.unlink(missing_ok=True)
        return pid


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2 :].startswith("Z")


def _first_maven_error(output: str) -> str:
    for line in output.splitlines():
        clean = re.sub(r"\x1b\[[0-9;]*m", "", line).strip()
        if clean.startswith("[ERROR]") and len(clean) > len("[ERROR] "):
            return clean.removeprefix("[ERROR]").strip()[:300]
    return "no error message from Maven; is Maven Central reachable?"
