"""Run the benchmark: every query x every system x every concurrency, in one run, per graph size.

For each size: generate the graph (deterministic), start a private Neo4j for it (loading the
graph unless its home already holds this exact graph), start kgapi and the @neo4j/graphql peer
on it, check that every system answers every query (and that the answers agree), count kgapi's
Cypher round trips per request and which of its read paths answered (one statement or the
resolvers), then measure. The systems take turns cell by cell, so a change
in the shared machine's background load hits all three alike. Results go to
bench/results/<timestamp>.json; the ratio table is printed; the latency-vs-size plot is drawn.

All of that runs with kgapi's read cache off. Then, when `kgapi-cached` is among the systems,
the repeated-reads measurement: a second kgapi process with KGAPI_READ_CACHE=true and the peer
take turns on each query of the mix, the same request repeated at concurrency 8
(`--repeat-concurrency`); it reports req/s, latency, the share of kgapi's answers that were
cache hits, and the ratio kgapi-cached / @neo4j/graphql (`repeated_reads` in the results).
That part is timed by wrk (bench.wrk) when it is installed, else by the Python client
(`--repeat-driver`); the results name the driver of every cell.

    python -m bench.run --sizes 10k,100k --seconds 1          # make bench
    python -m bench.run --sizes 10k,100k,1M --seconds 5       # make bench-full
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from bench import report
from bench.generate import (
    GeneratedGraph,
    generate,
    graph_on_disk,
    load_graph,
    parse_size,
    size_label,
)
from bench.harness import (
    PEER_DIR,
    REPO,
    REQUEST_TIMEOUT,
    CellResult,
    HttpSystem,
    RawSystem,
    RequestFailed,
    RssSampler,
    Server,
    System,
    http_client,
    kgapi_server,
    metric_samples,
    peer_server,
    round_trips,
    rss_bytes,
    run_cell,
    trips_and_paths,
)
from bench.private_neo4j import (
    DATA_DIR,
    PrivateNeo4j,
    bench_settings,
    free_port,
    private_neo4j,
)
from bench.queries import (
    DETAIL_RELATIONS,
    KIND_FIRST,
    KIND_RELATIONS,
    PAGE,
    QUERY_KEYS,
    RAW_Q2_SORT,
    STATUS_ORDER,
    Query,
    Setup,
    peer_offset_cursor,
    query_mix,
)
from bench.wrk import INSTALL_HINT, run_wrk, wrk_version
from kgapi.db import Database
from kgapi.graphql.ids import to_global_id
from kgapi.model import EntityKind, Status
from kgapi.neo4j_local import LocalNeo4j
from kgapi.queries.revision import ensure_revision

__all__ = ["main", "parse_args", "run"]

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SYSTEMS = ("kgapi", "neo4j-graphql", "raw", "kgapi-cached")
CACHED = "kgapi-cached"
console = Console(stderr=True, width=150)  # tables stay whole when piped (make)


def _versions() -> dict[str, str]:
    """What was measured, exactly."""
    from importlib.metadata import version

    out = {
        "python": platform.python_version(),
        "kgapi": version("kgapi"),
        "strawberry-graphql": version("strawberry-graphql"),
        "uvicorn": version("uvicorn"),
        "neo4j (python driver)": version("neo4j"),
        "neo4j-rust-ext": version("neo4j-rust-ext"),
        "httpx (load client)": version("httpx"),
    }
    wrk = wrk_version()
    if wrk:
        out["wrk (repeated-reads load driver)"] = wrk.removeprefix("wrk ")
    node = shutil.which("node")
    if node:
        out["node"] = subprocess.run(
            [node, "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    lock = PEER_DIR / "package-lock.json"
    if lock.exists():
        packages = json.loads(lock.read_text())["packages"]
        for name in ("@neo4j/graphql", "graphql-yoga", "neo4j-driver", "graphql"):
            entry = packages.get(f"node_modules/{name}")
            if entry:
                out[f"{name} (npm)"] = entry["version"]
    return out


def _machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next(
        (ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if ln.startswith("model name")),
        platform.processor(),
    )
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem_kb = next((int(ln.split()[1]) for ln in meminfo.splitlines() if "MemTotal" in ln), 0)
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(mem_kb / 2**20, 1),
        "kernel": platform.release(),
        "shared": True,
    }


def _loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# -- answers: what each system says, reduced to something comparable --------------------------


def fingerprint(key: str, system: str, data: Any) -> Any:
    """The part of an answer the three systems should agree on (shapes differ by design)."""
    if key in ("Q7", "Q8", "Q9"):
        return _kind_fingerprint(key, system, data)
    if system == "raw":
        rows = data
        if key == "Q1":
            entity = rows[0]["entity"] if rows else None
            rels = entity["relations"] if entity else []
            return [len(rels), sum(len(r["target"]["relations"]) for r in rels)]
        if key in ("Q2a", "Q2b"):
            return [r["row"]["slug"] for r in rows[:PAGE]]
        if key in ("Q3", "Q6b"):
            return sorted(r["row"]["slug"] for r in rows)
        if key == "Q4":
            return rows[0]["length"] if rows else None
        if key == "Q5":
            return len(rows[0]["nodes"]) if rows else None
        if key == "Q6a":
            return {k.lower(): v for k, v in rows[0].items()}
    if system == "kgapi":
        if key == "Q1":
            rels = data["entity"]["relations"]["edges"]
            return [
                len(rels),
                sum(len(e["node"]["target"]["relations"]["edges"]) for e in rels),
            ]
        if key in ("Q2a", "Q2b"):
            return [e["node"]["slug"] for e in data["entities"]["edges"]]
        if key == "Q3":
            return sorted(hit["entity"]["slug"] for hit in data["search"])
        if key == "Q4":
            return data["shortestPath"]["length"] if data["shortestPath"] else None
        if key == "Q5":
            return len(data["neighborhood"]["nodes"])
        if key == "Q6a":
            return {name: value["totalCount"] for name, value in data.items()}
        if key == "Q6b":
            return sorted(e["node"]["slug"] for e in data["entities"]["edges"])
    if system == "neo4j-graphql":
        if key == "Q1":
            entity = data["entities"][0]
            rels = entity["subjectOf"]
            return [len(rels), sum(len(r["object"][0]["subjectOf"]) for r in rels)]
        if key in ("Q2a", "Q2b"):
            return [e["node"]["slug"] for e in data["entitiesConnection"]["edges"]]
        if key == "Q3":
            return sorted(e["node"]["slug"] for e in data["searchEntities"]["edges"])
        if key == "Q4":
            return len(data["shortestPath"]) - 1 if data["shortestPath"] else None
        if key == "Q5":
            entity = data["entities"][0]
            seen = {entity["slug"]}
            for n in entity["neighbours"]:
                seen.add(n["slug"])
                seen.update(m["slug"] for m in n["neighbours"])
            return len(seen)
        if key == "Q6a":
            return {name: value["totalCount"] for name, value in data.items()}
        if key == "Q6b":
            return sorted(e["slug"] for e in data["entities"])
    return None


def _kind_fingerprint(key: str, system: str, data: Any) -> Any:
    """Q7-Q9 in full: every agreement's slug, name, status and parties (in order), its claims
    (predicate, status, ends, evidence quotes and documents, in claim-id order) and whether a
    next page exists; the peer's answer is first put together as its client would (strongest
    status, distinct parties, subjectOf and objectOf merged by claim id)."""
    if key == "Q8":
        if system == "raw":
            entity = data[0]["entity"] if data else None
        elif system == "kgapi":
            entity = _kgapi_agreement(data["node"])
        else:
            entity = (
                _peer_agreement(data["agreements"][0], DETAIL_RELATIONS)
                if data["agreements"]
                else None
            )
        return None if entity is None else _agreement_print(entity, detail=True)
    if system == "raw":
        rows = [r["row"] for r in data]
        more = len(rows) > KIND_FIRST
        rows = rows[:KIND_FIRST]
    elif system == "kgapi":
        page = data["agreements"]
        rows = [_kgapi_agreement(e["node"]) for e in page["edges"]]
        more = page["pageInfo"]["hasNextPage"]
    else:
        page = data["agreementsConnection"]
        rows = [_peer_agreement(e["node"], KIND_RELATIONS) for e in page["edges"]]
        more = page["pageInfo"]["hasNextPage"]
    return [[_agreement_print(row, detail=False) for row in rows], more]


def _agreement_print(row: dict[str, Any], *, detail: bool) -> list[Any]:
    """One agreement in the common form _kgapi_agreement and _peer_agreement give (raw's)."""
    printed: list[Any] = [
        row["slug"],
        row["name_en"],
        row["status"],
        [(p["slug"], p["name_en"]) for p in row["parties"]],
    ]
    if "relations" in row:
        claims = []
        for claim in row["relations"]:
            item: list[Any] = [claim["type"], claim["status"]]
            evidence: list[tuple[Any, ...]]
            if detail:
                item += [claim["source"]["slug"], claim["target"]["slug"]]
                evidence = [
                    (ev["quote"], ev["translation"], ev["document"]) for ev in claim["evidence"]
                ]
            else:
                evidence = [(ev["quote"],) for ev in claim["evidence"]]
            claims.append([*item, sorted(evidence)])
        printed.append(claims)
    if detail:
        printed += [row["description"], row["total"]]
    return printed


def _stored(status: str | None) -> str | None:
    """kgapi answers a ClaimStatus (`IN_PROGRESS`); the peer and raw, the stored value."""
    return Status[status].value if status is not None else None


def _kgapi_agreement(node: dict[str, Any] | None) -> dict[str, Any] | None:
    """kgapi's agreement in raw's names (name_en, relations as a list, documents by title)."""
    if node is None:
        return None
    row: dict[str, Any] = {
        "slug": node["slug"],
        "name_en": node["name"],
        "status": _stored(node["status"]),
        "parties": [{"slug": p["slug"], "name_en": p["name"]} for p in node["parties"]],
        "description": node.get("description"),
    }
    if "relations" in node:
        row["total"] = node["relations"].get("totalCount")
        row["relations"] = [
            {
                "type": e["node"]["type"],
                "status": _stored(e["node"]["status"]),
                "source": e["node"].get("source"),
                "target": e["node"].get("target"),
                "evidence": [
                    {
                        "quote": ev["quote"],
                        "translation": ev.get("translation"),
                        "document": (ev.get("document") or {}).get("title"),
                    }
                    for ev in e["node"]["evidence"]
                ],
            }
            for e in node["relations"]["edges"]
        ]
    return row


def _peer_agreement(node: dict[str, Any], first: int) -> dict[str, Any]:
    """What the peer's client does with its answer: the strongest status of the claims,
    each party once (by first claim), the first `first` claims of both directions by id."""
    statuses = {c["status"] for c in (*node["parties"], *node["expected"])}
    parties: dict[str, dict[str, Any]] = {}
    for claim in node["parties"]:
        for party in claim["subject"]:
            parties.setdefault(party["slug"], party)
    row: dict[str, Any] = {
        "slug": node["slug"],
        "name_en": node["name_en"],
        "status": next((s for s in STATUS_ORDER if s in statuses), None),
        "parties": list(parties.values()),
        "description": node.get("description"),
    }
    if "out" in node:
        claims = sorted((*node["out"], *node["in"]), key=lambda c: c["id"])[:first]
        row["relations"] = [
            {
                "type": c["predicate"],
                "status": c["status"],
                "source": (c.get("subject") or [None])[0],
                "target": (c.get("object") or [None])[0],
                "evidence": [
                    {
                        "quote": edge["properties"]["quote"],
                        "translation": edge["properties"].get("translation_en"),
                        "document": ((edge.get("node") or {}).get("partOf") or [{}])[0].get(
                            "title"
                        ),
                    }
                    for edge in c["evidenceConnection"]["edges"]
                ],
            }
            for c in claims
        ]
    if "outCount" in node:
        row["total"] = node["outCount"]["totalCount"] + node["inCount"]["totalCount"]
    return row


# -- setup ---------------------------------------------------------------------------------------


async def deep_cursors(
    kgapi: HttpSystem | None, raw: RawSystem, graph: GeneratedGraph, offset: int
) -> Setup:
    """The deep page's cursor in each system's format. kgapi's by paging to it (its cursors are
    keysets, they cannot be made up); raw's as the keyset of item `offset`; the peer's offset."""
    if offset <= 0:
        return Setup(None, None, None)
    kinds = graph.probes["q2_kinds"]
    cursor: str | None = None
    if kgapi is not None:
        seen = 0
        while seen < offset:
            first = min(100, offset - seen)
            query = Query(
                "setup",
                "",
                "query($kinds: [EntityKind!], $after: String, $first: Int!) { "
                "entities(where: {kindIn: $kinds}, orderBy: {field: NAME, direction: ASC}, "
                "first: $first, after: $after) { pageInfo { endCursor } } }",
                "",
                "",
                kgapi_vars={"kinds": kinds, "after": cursor, "first": first},
            )
            data = await kgapi.call(query)
            cursor = data["entities"]["pageInfo"]["endCursor"]
            seen += first
    records = await raw.driver.execute_query(
        "MATCH (e:Entity) WHERE e.kind IN $kinds "
        "WITH e, " + RAW_Q2_SORT + " AS sort_value "
        "ORDER BY sort_value, e.slug SKIP $skip LIMIT 1 RETURN sort_value, e.slug AS slug",
        {"kinds": [EntityKind[k].value for k in kinds], "skip": offset - 1},
        database_="neo4j",
    )
    record = records.records[0]
    return Setup(cursor, [record["sort_value"], record["slug"]], peer_offset_cursor(offset - 1))


async def node_id(kgapi: HttpSystem | None, slug: str) -> str:
    """Q8's global id as a UI has it: from an earlier answer of kgapi (its ids are opaque);
    without kgapi in the run, kgapi's own encoding."""
    if kgapi is None:
        return to_global_id("Entity", slug)
    query = Query(
        "setup",
        "",
        "query($slug: String!) { entity(slug: $slug) { id } }",
        "",
        "",
        kgapi_vars={"slug": slug},
    )
    data = await kgapi.call(query)
    return str(data["entity"]["id"])


async def _prepare_database(target: PrivateNeo4j, graph: GeneratedGraph) -> dict[str, Any]:
    """Load the graph unless the database holds exactly this graph already."""
    db = Database(target.settings)
    try:
        await db.verify()
        meta = await graph_on_disk(db)
        if meta is not None and meta.get("digest") == graph.digest():
            # A home loaded before the graph revision existed has no counter; without one the
            # read cache of the repeated-reads measurement would bypass every request.
            await ensure_revision(db)
            return {
                "loaded_this_run": False,
                "seconds": meta.get("load_seconds"),
                "rate": graph.relationships / meta["load_seconds"]
                if meta.get("load_seconds")
                else None,
            }
        count = await db.read("MATCH (n) RETURN count(n) AS n")
        if count[0]["n"]:
            raise RuntimeError(
                f"{target.home} holds another graph; delete it (rm -rf {target.home}) and rerun"
            )
        loaded = await load_graph(db, graph, console=console)
        console.print(
            f"loaded {loaded.relationships:,} relationships, {loaded.nodes:,} nodes in "
            f"{loaded.seconds:.1f}s: [bold]{loaded.rate:,.0f} relationships/s[/]"
        )
        return {"loaded_this_run": True, "seconds": loaded.seconds, "rate": loaded.rate}
    finally:
        await db.close()


# -- one size --------------------------------------------------------------------------------


async def measure_size(
    target: PrivateNeo4j,
    graph: GeneratedGraph,
    args: argparse.Namespace,
    log_dir: Path,
) -> dict[str, Any]:
    systems_wanted = set(args.systems)
    result: dict[str, Any] = {}
    raw = RawSystem(target)
    client = http_client()
    try:
        with contextlib.ExitStack() as stack:
            servers: dict[str, Server] = {}
            if "kgapi" in systems_wanted:
                servers["kgapi"] = stack.enter_context(kgapi_server(target, log_dir))
            if "neo4j-graphql" in systems_wanted:
                servers["neo4j-graphql"] = stack.enter_context(peer_server(target, log_dir))
            http = {
                name: HttpSystem(name, f"{server.url}/graphql", client)
                for name, server in servers.items()
            }
            kgapi = http.get("kgapi")
            systems: list[System] = [s for s in (*http.values(), raw) if s.name in systems_wanted]
            result["rss_idle_mb"] = {
                name: (rss_bytes(server.pid) or 0) / 2**20 for name, server in servers.items()
            }
            setup = await deep_cursors(kgapi, raw, graph, graph.probes["q2_deep_offset"])
            setup = dataclasses.replace(
                setup, kgapi_q8_id=await node_id(kgapi, graph.probes["q8_slug"])
            )
            mix = [q for q in query_mix(graph.probes, setup) if q.key in args.queries]

            # Every system answers every query once (this also warms plans and caches).
            failed: dict[str, dict[str, str]] = {}
            answers: dict[str, dict[str, Any]] = {}
            for query in mix:
                for system in systems:
                    try:
                        data = await asyncio.wait_for(system.call(query), 120)
                        answers.setdefault(query.key, {})[system.name] = fingerprint(
                            query.key, system.name, data
                        )
                    except (RequestFailed, httpx.HTTPError, TimeoutError) as exc:
                        message = f"{type(exc).__name__}: {exc}"[:400]
                        if system.name == "neo4j-graphql":  # the client saw a masked error
                            message += _last_peer_error(log_dir)
                        failed.setdefault(query.key, {})[system.name] = message
                        console.print(f"[red]{query.key} {system.name} failed:[/] {message}")
            result["answers"] = answers
            result["failed"] = failed
            result["agreement"] = {
                key: {
                    name: value == by_system.get("raw")
                    for name, value in by_system.items()
                    if name != "raw" and "raw" in by_system
                }
                for key, by_system in answers.items()
            }
            if kgapi is not None:
                result["round_trips"] = {}
                result["paths"] = {}
                for query in mix:
                    if "kgapi" in failed.get(query.key, {}):
                        continue
                    trips, paths = await trips_and_paths(
                        kgapi, query, servers["kgapi"].url, args.trip_requests
                    )
                    result["round_trips"][query.key] = trips
                    result["paths"][query.key] = paths

            samplers = {name: RssSampler(server.pid) for name, server in servers.items()}
            for sampler in samplers.values():
                sampler.start()
            cells: list[dict[str, Any]] = []
            total = len(mix) * len(args.concurrency) * len(systems)
            done = 0
            for query in mix:
                for concurrency in args.concurrency:
                    for system in systems:
                        done += 1
                        if system.name in failed.get(query.key, {}):
                            continue
                        cell: CellResult = await run_cell(
                            system,
                            query,
                            concurrency=concurrency,
                            seconds=args.seconds,
                            max_requests=args.max_requests,
                            warmup=min(concurrency, 4),
                            sampler=samplers.get(system.name),
                        )
                        cells.append(cell.to_json())
                        console.print(
                            f"[dim]{done:>3}/{total}[/] {graph_label(graph):>5} "
                            f"{query.key:<4} c={concurrency:<2} {system.name:<13} "
                            f"{cell.rps:8.1f} req/s  p50 {report.fmt_ms(cell.p50_ms):>7}  "
                            f"p99 {report.fmt_ms(cell.p99_ms):>7}  n={cell.requests}"
                            + (f" [red]errors={cell.errors}[/]" if cell.errors else "")
                        )
            for sampler in samplers.values():
                await sampler.stop()
            result["rss_peak_mb"] = {
                name: sampler.overall_peak_mb for name, sampler in samplers.items()
            }
            result["cells"] = cells
            result["queries"] = [
                {"key": q.key, "title": q.title, "peer_note": q.peer_note} for q in mix
            ]
            if CACHED in systems_wanted:
                result["repeated_reads"] = await measure_repeated_reads(
                    target, log_dir, client, mix, http.get("neo4j-graphql"), result, args
                )
    finally:
        await raw.close()
        await client.aclose()
    return result


async def measure_repeated_reads(
    target: PrivateNeo4j,
    log_dir: Path,
    client: httpx.AsyncClient,
    mix: list[Query],
    peer: HttpSystem | None,
    measured: dict[str, Any],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """kgapi with its read cache on against the peer, each query of the mix repeated.

    The cached kgapi is a process of its own, started for this part only, so that the main
    measurement above stays the cache-off one. Before measuring, its answer to each query is
    checked against uncached kgapi's (by the Python client); after, its round trips per request
    are counted (the revision read, when every answer is a hit). The timed part of both systems
    is driven by `args.repeat_driver`: wrk when installed (the Python client cannot ask as fast
    as the cache answers), else the Python client; every cell records which."""
    concurrency = args.repeat_concurrency
    failed: dict[str, dict[str, str]] = measured.get("failed", {})
    uncached: dict[str, dict[str, Any]] = measured.get("answers", {})
    out: dict[str, Any] = {
        "concurrency": concurrency,
        "driver": args.repeat_driver,
        "kgapi_env": {"KGAPI_READ_CACHE": "true"},
        "cells": [],
        "hit_rate": {},
        "agreement": {},
        "round_trips": {},
        "ratio_vs_peer": {},
        "failed": {},
    }
    with kgapi_server(target, log_dir, log_name=f"{CACHED}.log", KGAPI_READ_CACHE="true") as server:
        cached = HttpSystem(CACHED, f"{server.url}/graphql", client)
        sampler = RssSampler(server.pid)
        sampler.start()
        try:
            for query in mix:
                try:
                    data = await asyncio.wait_for(cached.call(query), 120)
                except (RequestFailed, httpx.HTTPError, TimeoutError) as exc:
                    out["failed"][query.key] = f"{type(exc).__name__}: {exc}"[:400]
                    console.print(f"[red]{query.key} {CACHED} failed:[/] {exc}")
                    continue
                if "kgapi" in uncached.get(query.key, {}):
                    out["agreement"][query.key] = (
                        fingerprint(query.key, "kgapi", data) == uncached[query.key]["kgapi"]
                    )
                pair: list[HttpSystem] = [cached]
                if peer is not None and peer.name not in failed.get(query.key, {}):
                    pair.append(peer)
                rps: dict[str, float] = {}
                for system in pair:
                    system.cache_outcomes.clear()
                    if args.repeat_driver == "httpx":
                        cell = (
                            await run_cell(
                                system,
                                query,
                                concurrency=concurrency,
                                seconds=args.seconds,
                                max_requests=args.max_requests,
                                warmup=min(concurrency, 4),
                                sampler=sampler if system is cached else None,
                            )
                        ).to_json()
                        cell["driver"] = "httpx"
                        if system is cached:
                            answered = sum(cached.cache_outcomes.values())
                            hits = cached.cache_outcomes.get("hit", 0)
                            out["hit_rate"][query.key] = hits / answered if answered else None
                    else:
                        cell = await wrk_cell(
                            system,
                            query,
                            concurrency=concurrency,
                            seconds=args.seconds,
                            driver=args.repeat_driver,
                            kgapi_url=server.url if system is cached else None,
                            peer_log=log_dir / "neo4j-graphql.log",
                            sampler=sampler if system is cached else None,
                        )
                        hit_rate = cell.pop("hit_rate")  # kgapi's counters; None for the peer
                        if system is cached:
                            out["hit_rate"][query.key] = hit_rate
                    out["cells"].append(cell)
                    rps[system.name] = cell["rps"]
                    console.print(
                        f"[dim]repeat[/] {query.key:<4} c={concurrency:<2} {system.name:<13} "
                        f"{cell['rps']:8.1f} req/s  p50 {report.fmt_ms(cell['p50_ms']):>7}  "
                        f"p99 {report.fmt_ms(cell['p99_ms']):>7}  n={cell['requests']}"
                        f"  ({cell['driver']})"
                        + (f" [red]errors={cell['errors']}[/]" if cell["errors"] else "")
                    )
                peer_rps = rps.get("neo4j-graphql")
                out["ratio_vs_peer"][query.key] = rps[CACHED] / peer_rps if peer_rps else None
                out["round_trips"][query.key] = await round_trips(
                    cached, query, server.url, args.trip_requests
                )
        finally:
            await sampler.stop()
        out["rss_peak_mb"] = sampler.overall_peak_mb
    return out


async def wrk_cell(
    system: HttpSystem,
    query: Query,
    *,
    concurrency: int,
    seconds: float,
    driver: str,
    kgapi_url: str | None,
    peer_log: Path,
    sampler: RssSampler | None,
) -> dict[str, Any]:
    """One repeated-reads cell timed by wrk: the same body the Python client sends, after the
    same untimed warm-up, as a cell of the same shape as run_cell's (plus wrk's own figures).

    wrk sees status codes only, so the errors it cannot see are counted where the servers
    record them: kgapi's /metrics (GraphQL errors, and the cache outcomes that give the hit
    rate) and the peer's log (server.mjs logs every error it masks as `ERROR ...`)."""
    for _ in range(min(concurrency, 4)):
        with contextlib.suppress(RequestFailed, httpx.HTTPError, asyncio.TimeoutError):
            await asyncio.wait_for(system.call(query), REQUEST_TIMEOUT)
    before = await metric_samples(system.client, kgapi_url) if kgapi_url else {}
    peer_errors_before = _peer_error_lines(peer_log) if kgapi_url is None else []
    if sampler is not None:
        sampler.reset()
    # In a thread: the loop keeps sampling the RSS while wrk runs.
    figures, output = await asyncio.to_thread(
        run_wrk, system.url, system.payload(query), seconds=seconds, concurrency=concurrency
    )
    hit_rate: float | None = None
    if kgapi_url:
        after = await metric_samples(system.client, kgapi_url)

        def delta(prefix: str) -> dict[str, float]:
            return {
                name: value - before.get(name, 0.0)
                for name, value in after.items()
                if name.startswith(prefix) and value - before.get(name, 0.0) > 0
            }

        outcomes = delta("kgapi_read_cache_requests_total{")
        answered = sum(outcomes.values())
        if answered:
            hits = outcomes.get('kgapi_read_cache_requests_total{result="hit"}', 0.0)
            hit_rate = hits / answered
        graphql_errors = delta("kgapi_graphql_errors_total{")
        in_band = round(sum(graphql_errors.values()))
        first_error = ", ".join(
            f"GraphQL errors {name[name.index('{') :]}: {count:g}"
            for name, count in graphql_errors.items()
        )
    else:
        new_lines = _peer_error_lines(peer_log)[len(peer_errors_before) :]
        in_band = len(new_lines)
        first_error = new_lines[0][6:][:300] if new_lines else ""
    ok = figures.requests - figures.http_errors
    # An error kgapi answers with a status >= 400 is in both counts; any error at all makes the
    # cell suspect, so the sum is kept simple rather than exact.
    errors = figures.errors + in_band
    if not first_error and figures.errors:
        first_error = (
            f"wrk: {figures.http_errors} HTTP errors, socket errors {figures.socket_errors}"
        )
    cell: dict[str, Any] = {
        "system": system.name,
        "query": query.key,
        "concurrency": concurrency,
        "requests": figures.requests,
        "errors": errors,
        "seconds": figures.seconds,
        # wrk's rate less the answers that were errors (GraphQL errors come with status 200).
        "rps": figures.rps * max(0, ok - in_band) / ok if ok else 0.0,
        "p50_ms": figures.p50_ms,
        "p90_ms": figures.p90_ms,
        "p99_ms": figures.p99_ms,
        "mean_ms": figures.mean_ms,
        "max_ms": figures.max_ms,
        "first_error": first_error or None,
        "rss_peak_mb": sampler.peak_mb() if sampler is not None else None,
        "driver": driver,
        "p75_ms": figures.p75_ms,
        "http_errors": figures.http_errors,
        "socket_errors": figures.socket_errors,
        "graphql_errors": in_band,
        "hit_rate": hit_rate,
        "wrk_output": output,  # as printed, so that every figure above can be checked
    }
    return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in cell.items()}


def _peer_error_lines(log: Path) -> list[str]:
    if not log.exists():
        return []
    return [ln for ln in log.read_text(errors="replace").splitlines() if ln.startswith("ERROR ")]


def _remove_stale_homes(data_dir: Path, prefix: str, keep: str) -> None:
    """Homes of earlier versions of the same graph (another generator version) are dead
    weight: stop their Neo4j if one still runs (only ours: the pid file in that home) and
    delete them."""
    for home in sorted(data_dir.glob(prefix + "*")):
        if home.name == keep or not home.is_dir():
            continue
        LocalNeo4j(bench_settings(home, free_port(), "512m", "128m")).stop()
        shutil.rmtree(home)
        console.print(f"removed the stale graph home {home.name}")


def graph_label(graph: GeneratedGraph) -> str:
    return size_label(graph.target)


async def run(args: argparse.Namespace) -> Path:
    started = dt.datetime.now(dt.UTC)
    began = time.perf_counter()
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    log_dir = args.data_dir / "logs" / stamp
    log_dir.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {
        "version": 1,
        "started": started.isoformat(timespec="seconds"),
        "machine": _machine(),
        "loadavg_start": _loadavg(),
        "versions": _versions(),
        "config": {
            "sizes": [size_label(s) for s in args.sizes],
            "concurrency": args.concurrency,
            "seconds_per_cell": args.seconds,
            "max_requests_per_cell": args.max_requests,
            "seed": args.seed,
            "systems": args.systems,
            "neo4j_heap": args.heap,
            "neo4j_pagecache": args.pagecache,
            "caching": (
                "kgapi's read cache off in every cell, except in repeated_reads, where a second "
                "kgapi process runs with KGAPI_READ_CACHE=true; yoga's default parse/validate "
                "caches on, no response cache"
            ),
            "repeat_concurrency": args.repeat_concurrency,
            "repeat_driver": args.repeat_driver,
        },
        "sizes": [],
    }
    for size in args.sizes:
        label = size_label(size)
        console.rule(f"[bold]{label} relationships")
        t0 = time.perf_counter()
        graph = generate(size, args.seed)
        console.print(
            f"generated {graph.relationships:,} relationships, {graph.nodes:,} nodes in "
            f"{time.perf_counter() - t0:.1f}s (seed {args.seed})"
        )
        name = f"graph-{label}-seed{args.seed}-v{graph.summary()['digest'][:8]}"
        _remove_stale_homes(args.data_dir, f"graph-{label}-seed{args.seed}-v", keep=name)
        with private_neo4j(
            name, heap=args.heap, pagecache=args.pagecache, data_dir=args.data_dir
        ) as target:
            load = await _prepare_database(target, graph)
            entry: dict[str, Any] = {
                "label": label,
                "relationships": graph.relationships,
                "nodes": graph.nodes,
                "rows": {k: len(v) for k, v in graph.rows.items()},
                "load": load,
                "probes": graph.probes,
            }
            entry.update(await measure_size(target, graph, args, log_dir))
        out["sizes"].append(entry)
        # Write after every size, so that an interrupted full run keeps what it measured.
        out["loadavg_end"] = _loadavg()
        out["seconds"] = round(time.perf_counter() - began, 1)
        path: Path = args.out / f"{stamp}.json"
        _write_json(path, out)  # nothing else runs on the loop between sizes
    console.print(f"results: {_shown(path)}")
    report.print_summary(out, console)
    if args.plot:
        plot_path = args.out / args.plot_name
        report.plot(out, plot_path)
        console.print(f"plot: {_shown(plot_path)}")
    return path


def _last_peer_error(log_dir: Path) -> str:
    """The cause the peer logged for the error it masked (server.mjs logs `ERROR ...`)."""
    log = log_dir / "neo4j-graphql.log"
    lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.startswith("ERROR ")]
    return f" (peer log: {lines[-1][6:][:300]})" if lines else ""


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def _shown(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The run's settings, checked (the tests build a tiny run with it too)."""
    parser = argparse.ArgumentParser(description="kgapi vs @neo4j/graphql vs raw Cypher")
    parser.add_argument("--sizes", default="10k,100k", help="graph sizes in relationships")
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--seconds", type=float, default=1.0, help="timed seconds per cell")
    parser.add_argument("--max-requests", type=int, default=2000, help="per cell")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--trip-requests", type=int, default=10, help="requests per query to count round trips"
    )
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument(
        "--repeat-concurrency",
        type=int,
        default=8,
        help="concurrency of the repeated-reads measurement (kgapi-cached vs the peer)",
    )
    parser.add_argument(
        "--repeat-driver",
        choices=("auto", "wrk", "httpx"),
        default="auto",
        help="load driver of the repeated-reads measurement: wrk (needs the wrk binary), the "
        "Python client (httpx), or auto: wrk when it is on PATH, else httpx",
    )
    parser.add_argument("--queries", default=",".join(QUERY_KEYS))
    parser.add_argument("--heap", default="1g", help="private Neo4j heap (at most 2g)")
    parser.add_argument("--pagecache", default="1g", help="private Neo4j page cache (<= 1g)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument(
        "--data-dir", type=Path, default=DATA_DIR, help="private Neo4j homes and logs"
    )
    parser.add_argument("--no-plot", dest="plot", action="store_false")
    parser.add_argument("--plot-name", default="latency_vs_size.png", help="file in --out")
    args = parser.parse_args(argv)
    args.sizes = [parse_size(s) for s in _csv(args.sizes)]
    args.concurrency = [int(c) for c in _csv(args.concurrency)]
    args.systems = _csv(args.systems)
    args.queries = _csv(args.queries)
    unknown = set(args.systems) - set(SYSTEMS)
    if unknown:
        parser.error(f"unknown systems {sorted(unknown)}; choose from {SYSTEMS}")
    if CACHED in args.systems and "kgapi" not in args.systems:
        # its deep-page cursor and the answers it is checked against come from uncached kgapi
        parser.error(f"{CACHED} needs kgapi in --systems too")
    args.repeat_driver = _repeat_driver(parser, args.repeat_driver, CACHED in args.systems)
    if args.plot:
        report.require_matplotlib()
    args.out.mkdir(parents=True, exist_ok=True)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    return args


def _repeat_driver(parser: argparse.ArgumentParser, choice: str, needed: bool) -> str:
    """The repeated-reads load driver as the results name it ("wrk 4.1.0" or "httpx"); without
    wrk, `auto` falls back to the Python client and says so, `wrk` stops with the fix."""
    if choice == "httpx" or not needed:
        return "httpx"
    version = wrk_version()
    if version is not None:
        return version
    if choice == "wrk":
        parser.error(f"--repeat-driver wrk: wrk is not on PATH; {INSTALL_HINT}")
    console.print(
        "[yellow]wrk is not on PATH[/]: the repeated-reads measurement falls back to the Python "
        "load client (httpx), which tops out around 400–600 req/s here and caps cached kgapi's "
        f"figure; {INSTALL_HINT}"
    )
    return "httpx"


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        asyncio.run(run(args))
    except KeyboardInterrupt:
        console.print("[red]interrupted[/]: everything this run started has been stopped")
        sys.exit(130)


if __name__ == "__main__":
    main()
