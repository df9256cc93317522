"""Profile kgapi under load: one query, one concurrency, pyinstrument on the server's main thread.

Why: the issue asks to profile before optimising. The load comes from the benchmark's own
driver (a separate process from the server); the profile covers the timed window only. The
report lists the frames with the most self time (where the CPU went) and the heaviest call
paths, and saves an HTML profile next to the results (git-ignored: it is large).

    python -m bench.profile --size 100k --query Q1 --concurrency 8 --seconds 15
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import signal
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.generate import generate, parse_size, size_label
from bench.harness import REPO, HttpSystem, RawSystem, http_client, kgapi_server, run_cell
from bench.private_neo4j import DATA_DIR, private_neo4j
from bench.queries import query_mix
from bench.run import RESULTS_DIR, _prepare_database, console, deep_cursors, node_id

__all__ = ["main"]

TOP = 20


def _require_pyinstrument() -> None:
    try:
        import pyinstrument  # noqa: F401
    except ImportError:
        raise SystemExit(
            "bench: pyinstrument is needed to profile: .venv/bin/pip install pyinstrument==5.1.3"
        ) from None


def _package(file: str) -> str:
    """The library a frame belongs to, from its short path (`graphql/execution/...`)."""
    if not file or file.startswith("<"):
        return "builtins (C calls: socket, select, json, ...)"
    return file.split("/", 1)[0].removesuffix(".py")


def self_time_table(session_path: Path) -> tuple[list[dict[str, Any]], dict[str, float], float]:
    """Self time (CPU spent in the frame itself, not its callees) per function and per
    library over the whole profile, highest first, and the total sampled time."""
    from pyinstrument.session import Session

    session = Session.load(str(session_path))
    root = session.root_frame()
    if root is None:
        return [], {}, 0.0
    totals: dict[tuple[str, str, int], float] = defaultdict(float)
    packages: dict[str, float] = defaultdict(float)
    stack = [root]
    while stack:
        frame = stack.pop()
        stack.extend(frame.children)
        if frame.is_synthetic:
            continue  # its time is its parent's self time, counted there
        seconds = frame.total_self_time
        name = f"{frame.class_name}.{frame.function}" if frame.class_name else frame.function
        file = frame.file_path_short or ""
        totals[(name, file, frame.line_no or 0)] += seconds
        packages[_package(file)] += seconds
    total = root.time
    rows = [
        {
            "function": function,
            "file": file,
            "line": line,
            "self_s": round(seconds, 3),
            "self_pct": round(100 * seconds / total, 1) if total else 0.0,
        }
        for (function, file, line), seconds in sorted(totals.items(), key=lambda kv: -kv[1])
    ]
    by_package = {
        name: round(100 * seconds / total, 1) if total else 0.0
        for name, seconds in sorted(packages.items(), key=lambda kv: -kv[1])
    }
    return rows[:TOP], by_package, total


def render_text(session_path: Path) -> str:
    from pyinstrument.renderers import ConsoleRenderer
    from pyinstrument.session import Session

    session = Session.load(str(session_path))
    return ConsoleRenderer(unicode=True, color=False, short_mode=True).render(session)


def render_html(session_path: Path, out: Path) -> None:
    from pyinstrument.renderers import HTMLRenderer
    from pyinstrument.session import Session

    out.write_text(HTMLRenderer().render(Session.load(str(session_path))))


async def profile(args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    """Measure under the profiler; return the saved session and the cell's figures."""
    graph = generate(args.size, args.seed)
    label = size_label(args.size)
    name = f"graph-{label}-seed{args.seed}-v{graph.summary()['digest'][:8]}"
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    session_path = args.data_dir / "logs" / f"profile-{stamp}.pyisession"
    session_path.parent.mkdir(parents=True, exist_ok=True)
    with private_neo4j(
        name, heap=args.heap, pagecache=args.pagecache, data_dir=args.data_dir
    ) as target:
        await _prepare_database(target, graph)
        client = http_client()
        raw = RawSystem(target)
        try:
            with kgapi_server(
                target,
                session_path.parent,
                module="bench.profiled_kgapi",
                KGAPI_BENCH_PROFILE=str(session_path),
            ) as server:
                kgapi = HttpSystem("kgapi", f"{server.url}/graphql", client)
                setup = await deep_cursors(kgapi, raw, graph, graph.probes["q2_deep_offset"])
                setup = dataclasses.replace(
                    setup, kgapi_q8_id=await node_id(kgapi, graph.probes["q8_slug"])
                )
                (query,) = [q for q in query_mix(graph.probes, setup) if q.key == args.query]
                await run_cell(kgapi, query, concurrency=1, seconds=1, max_requests=20, warmup=3)
                os.kill(server.pid, signal.SIGUSR1)  # start sampling
                cell = await run_cell(
                    kgapi,
                    query,
                    concurrency=args.concurrency,
                    seconds=args.seconds,
                    max_requests=100_000,
                    warmup=0,
                )
                os.kill(server.pid, signal.SIGUSR2)  # stop and save
                for _ in range(100):
                    if session_path.exists():
                        break
                    await asyncio.sleep(0.1)
        finally:
            await raw.close()
            await client.aclose()
    figures = {
        "query": args.query,
        "size": label,
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "rps": round(cell.rps, 1),
        "p50_ms": round(cell.p50_ms or 0, 1),
        "p99_ms": round(cell.p99_ms or 0, 1),
    }
    return session_path, figures


def summarize(session_path: Path, figures: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """Print the call tree and the top self-time frames; save a JSON summary and the HTML."""
    top, by_package, total = self_time_table(session_path)
    stem = f"profile-{figures['query']}-{figures['size']}-c{figures['concurrency']}"
    html = out_dir / f"{stem}.html"
    render_html(session_path, html)
    console.print(render_text(session_path)[:6000])
    console.print(f"[bold]self time by library[/] (of {total:.1f}s sampled):")
    for name, pct in by_package.items():
        console.print(f"{pct:5.1f}%  {name}")
    console.print("[bold]top frames by self time[/]:")
    for row in top:
        console.print(
            f"{row['self_pct']:5.1f}%  {row['self_s']:7.2f}s  {row['function']}  "
            f"[dim]{row['file']}:{row['line']}[/]"
        )
    summary = {
        **figures,
        "sampled_seconds": round(total, 2),
        "self_time_by_library_pct": by_package,
        "top_self_time": top,
        "html": str(html.relative_to(REPO)) if html.is_relative_to(REPO) else str(html),
    }
    out = out_dir / f"{stem}.json"
    out.write_text(json.dumps(summary, indent=1) + "\n")
    console.print(f"profile summary: {out}; HTML: {html}")
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100k")
    parser.add_argument("--query", default="Q1")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--heap", default="1g")
    parser.add_argument("--pagecache", default="1g")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument(
        "--load", type=Path, help="summarize a saved .pyisession (with its figures .json)"
    )
    args = parser.parse_args(argv)
    args.size = parse_size(args.size)
    _require_pyinstrument()
    if args.load:
        figures = json.loads(args.load.with_suffix(".json").read_text())
        summarize(args.load, figures, args.out)
        return
    session_path, figures = asyncio.run(profile(args))
    session_path.with_suffix(".json").write_text(json.dumps(figures))
    summarize(session_path, figures, args.out)


if __name__ == "__main__":
    main()
