"""The benchmark harness works (bench/): not how fast anything is, only that the generator is
deterministic and faithful to the model, that its graph loads, and that one short run of the
load driver against raw Cypher, kgapi and kgapi with its read cache on produces a well-formed
result. It starts and stops its own private Neo4j on a free port (never the team's), with a tiny
graph, in well under a minute.

wrk (the repeated-reads load driver): its report is parsed from output it really printed
(tests/bench/data/wrk-*.txt: two runs against a small local HTTP server, one answering every
request, one answering a third with 503 and stalling a few past wrk's timeout; and one cell of
a real repeated-reads measurement of cached kgapi). The tests
that run wrk itself carry the `bench` marker, outside `make test` (which must stay green without
wrk); `make test-bench` installs wrk and runs them, and they fail, not skip, when wrk is missing.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rich.console import Console

from bench.generate import generate
from bench.harness import percentile
from bench.queries import QUERY_KEYS
from bench.report import markdown, print_summary, targets
from bench.run import parse_args, run
from bench.wrk import WrkError, parse_wrk_output, run_wrk, wrk_version
from kgapi.model import PREDICATES, EntityKind, Predicate

TINY = 200  # relationships
DATA = Path(__file__).parent / "data"


def require_wrk() -> None:
    """The `bench` tests need the wrk binary: say how to get it instead of skipping."""
    if shutil.which("wrk") is None:
        pytest.fail(
            "wrk is not installed: apt-get install wrk (as root), or `make test-bench`, which "
            "installs it"
        )


def test_same_seed_gives_the_same_rows_and_another_seed_does_not() -> None:
    first, again, other = generate(TINY, seed=7), generate(TINY, seed=7), generate(TINY, seed=8)
    assert first.rows == again.rows
    assert first.digest() == again.digest()
    assert first.probes == again.probes
    assert first.digest() != other.digest()


def test_the_generated_graph_has_the_seed_graphs_shape() -> None:
    graph = generate(TINY, seed=7)
    assert graph.relationships >= TINY
    assert {row["kind"] for row in graph.rows["entities"]} == {k.value for k in EntityKind}
    slugs = {row["slug"] for row in graph.rows["entities"]}
    texts = {row["slug"]: row["props"]["text"] for row in graph.rows["documents"]}
    statuses = {claim["props"]["status"] for claim in graph.rows["claims"]}
    assert {"stated", "signed", "planned"} <= statuses
    languages = {row["props"]["language"] for row in graph.rows["documents"]}
    assert languages == {"bn", "en"}
    kinds = {row["slug"]: EntityKind(row["kind"]) for row in graph.rows["entities"]}
    for claim in graph.rows["claims"]:
        assert {claim["subject"], claim["object"]} <= slugs
        spec = PREDICATES[Predicate(claim["props"]["predicate"])]  # the model's domain and range
        assert kinds[claim["subject"]] in spec.subjects and kinds[claim["object"]] in spec.objects
        for evidence in claim["evidence"]:
            span = evidence["props"]
            # Every quote is exactly document.text[start:end], in code points.
            assert texts[span["document"]][span["start"] : span["end"]] == span["quote"]
    for mention in graph.rows["mentions"]:
        document = mention["sentence_key"].split("#")[0]
        assert texts[document][mention["start"] : mention["end"]] == mention["quote"]


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([3.0], 0.99) == 3.0


def test_the_peer_type_definitions_name_every_kind_of_the_model() -> None:
    typedefs = (Path(__file__).parents[2] / "bench/peers/neo4j-graphql/typedefs.mjs").read_text()
    block = re.search(r"export const KINDS = \[(.*?)\];", typedefs, re.S)
    assert block is not None
    assert re.findall(r'"(\w+)"', block.group(1)) == [k.value for k in EntityKind]


def test_wrk_report_is_read_from_real_output() -> None:
    ok = parse_wrk_output((DATA / "wrk-ok.txt").read_text())
    assert ok.requests == 11551
    assert ok.seconds == pytest.approx(1.0)
    assert ok.rps == pytest.approx(11527.20)
    assert ok.p50_ms == pytest.approx(0.444)
    assert ok.p75_ms == pytest.approx(0.614)
    assert ok.p90_ms == pytest.approx(0.97)
    assert ok.p99_ms == pytest.approx(3.71)
    assert ok.mean_ms == pytest.approx(0.61754)
    assert ok.max_ms == pytest.approx(12.77)
    assert ok.http_errors == 0
    assert ok.socket_errors == {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    assert ok.errors == 0


def test_wrk_errors_are_counted_and_left_out_of_the_rate() -> None:
    bad = parse_wrk_output((DATA / "wrk-errors.txt").read_text())
    assert bad.requests == 5600
    assert bad.seconds == pytest.approx(2.01)
    assert bad.http_errors == 1867  # "Non-2xx or 3xx responses": the 503s
    assert bad.socket_errors == {"connect": 0, "read": 0, "write": 0, "timeout": 7}
    assert bad.errors == 1867 + 7
    # Requests/sec counts every answer; the benchmark's rate counts successes only.
    assert bad.rps == pytest.approx(2790.21 * (5600 - 1867) / 5600)
    assert bad.p50_ms == pytest.approx(0.077)
    assert bad.p99_ms == pytest.approx(1.21)


def test_wrk_report_of_cached_kgapi_is_read() -> None:
    # Printed by the repeated-reads measurement (bench.run, 10k graph, Q1, concurrency 8).
    kgapi = parse_wrk_output((DATA / "wrk-kgapi-cached.txt").read_text())
    assert kgapi.requests == 683
    assert kgapi.rps == pytest.approx(680.03)
    assert (kgapi.p50_ms, kgapi.p90_ms, kgapi.p99_ms) == pytest.approx((8.90, 35.18, 69.82))
    assert kgapi.errors == 0


def test_wrk_output_that_is_not_a_report_is_an_error() -> None:
    text = (DATA / "wrk-ok.txt").read_text()
    with pytest.raises(WrkError, match="Requests/sec"):
        parse_wrk_output(text.replace("Requests/sec:", "Requests per second:"))
    with pytest.raises(WrkError):
        parse_wrk_output("unable to connect to 127.0.0.1:1 Connection refused\n")


class _Recorder(ThreadingHTTPServer):
    """Answers POST with 200 when the body and Content-Type are the expected ones, 400 when
    not, and counts both: what the live wrk test checks wrk really sent."""

    expected: bytes = b""
    matched = itertools.count()
    mismatched = itertools.count()

    def handle_error(self, request: object, client_address: object) -> None:
        # wrk resets its keep-alive connections when its duration ends: not an error here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as wrk's connections expect
    disable_nagle_algorithm = True
    server: _Recorder

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        ok = body == self.server.expected and self.headers["Content-Type"] == "application/json"
        next(self.server.matched if ok else self.server.mismatched)
        answer = b'{"data":{"ok":true}}'
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def recorder() -> Iterator[_Recorder]:
    server = _Recorder(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.matched, server.mismatched = itertools.count(), itertools.count()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.mark.bench
def test_wrk_posts_the_body_for_one_second_and_its_report_is_read(recorder: _Recorder) -> None:
    require_wrk()
    version = wrk_version()
    assert version is not None and re.fullmatch(r"wrk \d+\.\d+\.\d+", version), version
    # Quotes, a backslash and Bengali: the Lua literal must carry every byte unchanged.
    body = {
        "query": 'query($slug: String!) { entity(slug: $slug) { name } } # "\\"',
        "variables": {"slug": "শেখ-মুজিবুর-রহমান"},
    }
    recorder.expected = json.dumps(body, ensure_ascii=False).encode()
    port = recorder.server_address[1]
    figures, output = run_wrk(f"http://127.0.0.1:{port}/graphql", body, seconds=1, concurrency=8)
    assert "2 threads and 8 connections" in output
    assert figures.requests > 0
    assert figures.errors == 0, output
    assert next(recorder.mismatched) == 0  # no request had another body or Content-Type
    # wrk counts the answers it read before its duration ended; the server may have answered
    # a few more that were still in flight.
    assert next(recorder.matched) >= figures.requests
    assert 0 < figures.p50_ms <= figures.p75_ms <= figures.p90_ms <= figures.p99_ms
    assert figures.p99_ms <= figures.max_ms


DRIVERS = ["httpx", pytest.param("wrk", marks=pytest.mark.bench)]


@pytest.mark.provisioning
@pytest.mark.parametrize("driver", DRIVERS)
async def test_one_short_run_against_raw_kgapi_and_cached_kgapi_is_well_formed(
    tmp_path: Path, driver: str
) -> None:
    if driver == "wrk":
        require_wrk()
    args = parse_args(
        [
            "--sizes",
            str(TINY),
            "--concurrency",
            "1,2",
            "--seconds",
            "0.1",
            "--max-requests",
            "10",
            "--trip-requests",
            "2",
            "--systems",
            "kgapi,raw,kgapi-cached",
            "--repeat-concurrency",
            "2",
            "--repeat-driver",
            driver,
            "--heap",
            "512m",
            "--pagecache",
            "64m",
            "--out",
            str(tmp_path / "results"),
            "--data-dir",
            str(tmp_path / "data"),
            "--no-plot",
        ]
    )
    path = await run(args)
    results = json.loads(path.read_text())
    (size,) = results["sizes"]
    assert size["relationships"] >= TINY
    assert size["load"]["loaded_this_run"] is True
    assert size["load"]["rate"] > 0
    assert size["failed"] == {}
    # kgapi answers like the raw Cypher floor on every query of the mix.
    assert all(size["agreement"][key]["kgapi"] for key in QUERY_KEYS), size["agreement"]
    assert set(size["round_trips"]) == set(QUERY_KEYS)
    assert all(trips >= 1 for trips in size["round_trips"].values())
    # Which read path answered each request, from kgapi's own counter: every request counted
    # once, by one path; the UI's kind lists (Q7, Q9) by the one-statement planner.
    assert set(size["paths"]) == set(QUERY_KEYS)
    for key, paths in size["paths"].items():
        assert set(paths) <= {"one_statement", "resolvers"}, (key, paths)
        assert sum(paths.values()) == pytest.approx(1.0), (key, paths)
    assert size["paths"]["Q7"] == size["paths"]["Q9"] == {"one_statement": 1.0}
    cells = size["cells"]
    assert len(cells) == len(QUERY_KEYS) * 2 * 2  # queries x systems x concurrencies
    for cell in cells:
        assert cell["errors"] == 0, cell
        assert 0 < cell["requests"] <= 10
        assert cell["rps"] > 0
        assert 0 < cell["p50_ms"] <= cell["p99_ms"] <= cell["max_ms"]
    assert 0 < size["rss_peak_mb"]["kgapi"] < 1024
    # Repeated reads: kgapi with its read cache on, in a process of its own, answers every
    # query like uncached kgapi, from its cache, at the cost of one round trip (the revision).
    repeated = size["repeated_reads"]
    assert repeated["concurrency"] == 2
    expected_driver = "httpx" if driver == "httpx" else wrk_version()
    assert repeated["driver"] == expected_driver
    assert results["config"]["repeat_driver"] == expected_driver
    assert repeated["failed"] == {}
    assert repeated["agreement"] == {key: True for key in QUERY_KEYS}
    assert [c["query"] for c in repeated["cells"]] == list(QUERY_KEYS)  # no peer in this run
    for cell in repeated["cells"]:
        assert cell["system"] == "kgapi-cached"
        assert cell["driver"] == expected_driver
        assert cell["errors"] == 0, cell
        assert cell["rps"] > 0
        assert 0 < cell["p50_ms"] <= cell["p99_ms"] <= cell["max_ms"]
        if driver == "wrk":
            assert "requests in" in cell["wrk_output"]
            assert cell["graphql_errors"] == 0
    # With wrk, the hit rate comes from kgapi's /metrics; with httpx, from X-Kgapi-Cache.
    assert all(rate == 1.0 for rate in repeated["hit_rate"].values()), repeated["hit_rate"]
    assert repeated["round_trips"] == {key: 1.0 for key in QUERY_KEYS}
    assert repeated["ratio_vs_peer"] == {key: None for key in QUERY_KEYS}
    assert 0 < repeated["rss_peak_mb"] < 1024
    table = markdown(results)
    assert "Repeated reads at" in table and "| Q1 | " in table.split("Repeated reads at")[1]
    assert f"load driver: {expected_driver}." in table
    console = Console(record=True, width=200)
    print_summary(results, console)
    assert f"load driver {expected_driver})" in console.export_text()
    cache_target = targets(results)[-1]
    assert "read cache" in cache_target["target"]
    assert cache_target["status"] == "NOT MEASURED"  # the peer was not part of this run
    # The private Neo4j was stopped: its pid file is gone.
    assert not list((tmp_path / "data").glob("*/neo4j.pid.json"))
