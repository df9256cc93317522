"""The benchmark harness works (bench/): not how fast anything is, only that the generator is
deterministic and faithful to the model, that its graph loads, and that one short run of the
load driver against raw Cypher, kgapi and kgapi with its read cache on produces a well-formed
result. It starts and stops its own private Neo4j on a free port (never the team's), with a tiny
graph, in well under a minute.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench.generate import generate
from bench.harness import percentile
from bench.queries import QUERY_KEYS
from bench.report import markdown, targets
from bench.run import parse_args, run
from kgapi.model import EntityKind

TINY = 200  # relationships


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
    for claim in graph.rows["claims"]:
        assert {claim["subject"], claim["object"]} <= slugs
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


@pytest.mark.provisioning
async def test_one_short_run_against_raw_kgapi_and_cached_kgapi_is_well_formed(
    tmp_path: Path,
) -> None:
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
    assert repeated["failed"] == {}
    assert repeated["agreement"] == {key: True for key in QUERY_KEYS}
    assert [c["query"] for c in repeated["cells"]] == list(QUERY_KEYS)  # no peer in this run
    for cell in repeated["cells"]:
        assert cell["system"] == "kgapi-cached"
        assert cell["errors"] == 0, cell
        assert cell["rps"] > 0
    assert all(rate == 1.0 for rate in repeated["hit_rate"].values()), repeated["hit_rate"]
    assert repeated["round_trips"] == {key: 1.0 for key in QUERY_KEYS}
    assert repeated["ratio_vs_peer"] == {key: None for key in QUERY_KEYS}
    assert 0 < repeated["rss_peak_mb"] < 1024
    table = markdown(results)
    assert "Repeated reads at" in table and "| Q1 | " in table.split("Repeated reads at")[1]
    cache_target = targets(results)[-1]
    assert "read cache" in cache_target["target"]
    assert cache_target["status"] == "NOT MEASURED"  # the peer was not part of this run
    # The private Neo4j was stopped: its pid file is gone.
    assert not list((tmp_path / "data").glob("*/neo4j.pid.json"))
