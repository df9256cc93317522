"""wrk, a load driver in C, for the one measurement the Python client cannot make.

Why: the benchmark's own load client (bench.harness.run_cell, asyncio + httpx) is one Python
process on the same two cores as the servers, and tops out around 400–600 requests per second.
kgapi answering from its read cache is faster than that, so in the repeated-reads measurement
the Python client measured itself, not kgapi. wrk (Debian's package `wrk`, 4.1.0) sends the
same request from C with keep-alive connections, so the ceiling is the servers'.

Only the repeated-reads measurement uses it; the cache-off cells stay on the Python client,
which also drives the raw-driver floor (that has no HTTP endpoint). wrk cannot see GraphQL
errors inside a 200 answer and has no request cap (only a duration): the caller checks the
answers before timing and counts errors the servers report (bench.run).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "WrkError",
    "WrkResult",
    "lua_string",
    "parse_wrk_output",
    "post_script",
    "run_wrk",
    "wrk_version",
]

INSTALL_HINT = "apt-get install -y wrk (as root; make bench does it)"
# wrk waits this long for one answer before counting a timeout (its default, 2 s, would turn
# the peer's slowest answers at 1M into socket errors instead of latencies).
REQUEST_TIMEOUT_S = 60
# Beyond wrk's own -d: starting its threads, and the last answers in flight.
SUBPROCESS_GRACE_S = 30.0

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_DURATION = r"(\d+(?:\.\d+)?)(us|ms|s|m|h)"


class WrkError(RuntimeError):
    """wrk is missing, failed, ran too long, or printed something this module cannot read."""


@dataclass(frozen=True, slots=True)
class WrkResult:
    """What one wrk run printed, reduced to the figures the benchmark reports.

    `http_errors` is wrk's "Non-2xx or 3xx responses" (it counts every status of 400 and
    above); `socket_errors` are its connect / read / write / timeout counts. `rps` counts only
    answers that were not HTTP errors, like the Python client's `rps` counts successes."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    http_errors: int
    socket_errors: dict[str, int]

    @property
    def errors(self) -> int:
        return self.http_errors + sum(self.socket_errors.values())

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["errors"] = self.errors
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in out.items()}


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS_MS[unit]


def parse_wrk_output(text: str) -> WrkResult:
    """Read `wrk --latency`'s report (wrk 4.1.0's format; see tests/bench/data/wrk-*.txt).

    Fails loudly on anything it does not recognise rather than guessing a figure."""

    def need(pattern: str) -> re.Match[str]:
        match = re.search(pattern, text, re.MULTILINE)
        if match is None:
            raise WrkError(f"wrk's output has no match for {pattern!r}:\n{text[-2000:]}")
        return match

    latency = need(rf"^\s+Latency\s+{_DURATION}\s+\S+\s+{_DURATION}\s")
    distribution = {
        pct: _ms(*need(rf"^\s+{pct}%\s+{_DURATION}\s*$").groups()) for pct in (50, 75, 90, 99)
    }
    total = need(rf"^\s+(\d+) requests in {_DURATION},")
    requests = int(total.group(1))
    seconds = _ms(total.group(2), total.group(3)) / 1000
    rate = float(need(r"^Requests/sec:\s+(\d+(?:\.\d+)?)\s*$").group(1))
    non_2xx = re.search(r"^\s+Non-2xx or 3xx responses: (\d+)\s*$", text, re.MULTILINE)
    http_errors = int(non_2xx.group(1)) if non_2xx else 0
    sockets = re.search(
        r"^\s+Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)\s*$",
        text,
        re.MULTILINE,
    )
    socket_errors = dict(
        zip(
            ("connect", "read", "write", "timeout"),
            (int(n) for n in sockets.groups()) if sockets else (0, 0, 0, 0),
            strict=True,
        )
    )
    ok_share = (requests - http_errors) / requests if requests else 0.0
    return WrkResult(
        requests=requests,
        seconds=seconds,
        # wrk's own rate (requests over its runtime, microsecond precision), successes only.
        rps=rate * ok_share,
        p50_ms=distribution[50],
        p75_ms=distribution[75],
        p90_ms=distribution[90],
        p99_ms=distribution[99],
        mean_ms=_ms(latency.group(1), latency.group(2)),
        max_ms=_ms(latency.group(3), latency.group(4)),
        http_errors=http_errors,
        socket_errors=socket_errors,
    )


def lua_string(text: str) -> str:
    """`text` as a Lua string literal: printable ASCII kept, every other byte of its UTF-8 as a
    decimal escape (Lua 5.1 / LuaJIT's `\\ddd`), so no input can end the literal early."""
    out = []
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if 0x20 <= byte < 0x7F and char not in '"\\':
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def post_script(body: dict[str, Any]) -> str:
    """The Lua script that makes every wrk request a POST of `body` as JSON."""
    return (
        'wrk.method = "POST"\n'
        f"wrk.body = {lua_string(json.dumps(body, ensure_ascii=False))}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )


def wrk_version() -> str | None:
    """ "wrk 4.1.0" when wrk is on PATH (what the results record as the driver), else None."""
    path = shutil.which("wrk")
    if path is None:
        return None
    # `wrk -v` prints its version and usage, and exits 1.
    shown = subprocess.run([path, "-v"], capture_output=True, text=True, timeout=10, check=False)
    match = re.search(r"wrk \S*?(\d+\.\d+\.\d+)", shown.stdout + shown.stderr)
    return f"wrk {match.group(1)}" if match else "wrk (unknown version)"


def run_wrk(
    url: str, body: dict[str, Any], *, seconds: float, concurrency: int
) -> tuple[WrkResult, str]:
    """POST `body` to `url` for `seconds` (rounded up: wrk's -d takes whole seconds) over
    `concurrency` keep-alive connections, on min(2, concurrency) threads (this machine has two
    cores). Returns the parsed figures and wrk's output as printed.

    Bounded twice: wrk stops itself after `-d`, and the subprocess is killed if it has not
    ended SUBPROCESS_GRACE_S later."""
    path = shutil.which("wrk")
    if path is None:
        raise WrkError(f"wrk is not on PATH: {INSTALL_HINT}")
    if concurrency < 1 or seconds <= 0:
        raise ValueError("concurrency must be >= 1 and seconds > 0")
    # wrk's -d takes whole seconds only ("0.8s" and "800ms" are usage errors): round up.
    whole_seconds = max(1, math.ceil(seconds))
    with tempfile.TemporaryDirectory(prefix="kgapi-wrk-") as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(post_script(body))
        command = [
            path,
            "--threads",
            str(min(2, concurrency)),
            "--connections",
            str(concurrency),
            "--duration",
            f"{whole_seconds}s",
            "--timeout",
            f"{REQUEST_TIMEOUT_S}s",
            "--latency",
            "--script",
            str(script),
            url,
        ]
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=whole_seconds + SUBPROCESS_GRACE_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            limit = whole_seconds + SUBPROCESS_GRACE_S
            raise WrkError(f"wrk did not end within {limit:.0f}s (killed)") from exc
    if done.returncode != 0:
        raise WrkError(f"wrk exited with {done.returncode}: {(done.stderr or done.stdout)[-1000:]}")
    return parse_wrk_output(done.stdout), done.stdout
