"""Tables, targets and the latency-vs-size plot from one results file.

python -m bench.report bench/results/<stamp>.json              # the console summary
python -m bench.report bench/results/<stamp>.json --markdown   # tables for BENCHMARKS.md
python -m bench.report bench/results/<stamp>.json --plot bench/results/latency_vs_size.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = [
    "fmt_ms",
    "markdown",
    "plot",
    "print_summary",
    "repeated_driver",
    "repeated_rows",
    "require_matplotlib",
    "targets",
    "trips_label",
]

SYSTEM_NAMES = {
    "kgapi": "kgapi",
    "neo4j-graphql": "@neo4j/graphql",
    "raw": "raw driver",
    "kgapi-cached": "kgapi (read cache on)",
}
COLORS = {"kgapi": "#1b7837", "neo4j-graphql": "#2166ac", "raw": "#888888"}
TARGET_CONCURRENCY = 8
Q1_TO_Q5 = ("Q1", "Q2a", "Q2b", "Q3", "Q4", "Q5")
RSS_LIMIT_MB = 250
CACHED_TARGET = 5.0  # kgapi with its read cache >= 5x @neo4j/graphql on repeated reads
MATPLOTLIB_PIN = "matplotlib==3.11.2"


def require_matplotlib() -> None:
    """Fail before any work, with the fix, when the plot cannot be drawn."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise SystemExit(
            f"bench: matplotlib is needed for the latency plot; install it in the venv "
            f"({MATPLOTLIB_PIN}: .venv/bin/pip install {MATPLOTLIB_PIN}) or pass --no-plot"
        ) from None


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}ms" if value >= 100 else f"{value:.1f}ms"


def cell_columns(cell: dict[str, Any] | None, failed: bool) -> list[str]:
    """A cell's two table columns: req/s (with errors, if any) and p50 / p99."""
    if failed:
        return ["failed", "—"]
    if not cell:
        return ["—", "—"]
    errors = f" ({cell['errors']} errors)" if cell["errors"] else ""
    return [f"{cell['rps']:.1f}{errors}", f"{fmt_ms(cell['p50_ms'])} / {fmt_ms(cell['p99_ms'])}"]


def fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def _cells(size: dict[str, Any]) -> dict[tuple[str, str, int], dict[str, Any]]:
    return {(c["system"], c["query"], c["concurrency"]): c for c in size.get("cells", [])}


def ratios(size: dict[str, Any], query: str, concurrency: int) -> dict[str, float | None]:
    """kgapi/@neo4j/graphql throughput and kgapi/raw p99 for one query and concurrency."""
    cells = _cells(size)
    kg = cells.get(("kgapi", query, concurrency))
    peer = cells.get(("neo4j-graphql", query, concurrency))
    raw = cells.get(("raw", query, concurrency))
    out: dict[str, float | None] = {"rps_vs_peer": None, "p99_vs_raw": None, "rps_vs_raw": None}
    if kg and peer and peer["rps"]:
        out["rps_vs_peer"] = kg["rps"] / peer["rps"]
    if kg and raw and raw["p99_ms"] and kg["p99_ms"]:
        out["p99_vs_raw"] = kg["p99_ms"] / raw["p99_ms"]
    if kg and raw and raw["rps"]:
        out["rps_vs_raw"] = kg["rps"] / raw["rps"]
    return out


def _query_keys(size: dict[str, Any]) -> list[str]:
    return [q["key"] for q in size.get("queries", [])]


REPEATED_COLUMNS = (
    "query",
    "kgapi cached req/s",
    "kgapi cached p50 / p99",
    "@neo4j/graphql req/s",
    "@neo4j/graphql p50 / p99",
    "cached/peer req/s",
    "hit rate",
    "cached trips",
)


def repeated_driver(repeated: dict[str, Any]) -> str:
    """The load driver(s) that timed a repeated-reads measurement ("wrk 4.1.0", "httpx"): the
    Python client caps cached kgapi's figure, so a reader must see which one it was. Results
    written before wrk was used name none; those were all timed by httpx."""
    drivers = sorted({cell.get("driver", "httpx") for cell in repeated.get("cells", [])})
    return " and ".join(drivers) if drivers else repeated.get("driver", "httpx")


def repeated_rows(size: dict[str, Any]) -> list[list[str]]:
    """The repeated-reads measurement of one size, one row per query (REPEATED_COLUMNS)."""
    repeated = size.get("repeated_reads")
    if not repeated:
        return []
    cells = {(c["system"], c["query"]): c for c in repeated.get("cells", [])}
    rows: list[list[str]] = []
    for key in _query_keys(size):
        row = [key]
        for system in ("kgapi-cached", "neo4j-graphql"):
            cell = cells.get((system, key))
            failed = system == "kgapi-cached" and key in repeated.get("failed", {})
            row += cell_columns(cell, bool(failed))
        hit_rate = repeated.get("hit_rate", {}).get(key)
        trips = repeated.get("round_trips", {}).get(key)
        row += [
            fmt_ratio(repeated.get("ratio_vs_peer", {}).get(key)),
            "—" if hit_rate is None else f"{hit_rate:.0%}",
            "—" if trips is None else f"{trips:g}",
        ]
        rows.append(row)
    return rows


def _one_statement(paths: dict[str, float]) -> bool:
    return set(paths) == {"one_statement"}


def trips_label(size: dict[str, Any], key: str) -> str:
    """kgapi's round trips per request of one query, and the read path when it is not the
    one-statement planner alone: `1`, `5 (resolvers)`, `1 (one_statement 50%, resolvers 50%)`."""
    trips = size.get("round_trips", {}).get(key)
    if trips is None:
        return "—"
    paths = size.get("paths", {}).get(key)
    if paths is None or _one_statement(paths):
        return f"{trips:g}"
    if len(paths) == 1:
        return f"{trips:g} ({next(iter(paths))})"
    shares = ", ".join(f"{name} {share:.0%}" for name, share in sorted(paths.items()))
    return f"{trips:g} ({shares})"


def targets(results: dict[str, Any]) -> list[dict[str, str]]:
    """The issue's targets, each MET or NOT MET with the figure that decides it."""
    sizes = results["sizes"]
    out: list[dict[str, str]] = []

    # 1. kgapi's throughput >= @neo4j/graphql's on every query at concurrency 8.
    behind: list[str] = []
    worst: tuple[float, str] | None = None
    for size in sizes:
        for key in _query_keys(size):
            ratio = ratios(size, key, TARGET_CONCURRENCY)["rps_vs_peer"]
            if ratio is None:
                continue
            if worst is None or ratio < worst[0]:
                worst = (ratio, f"{key} at {size['label']}")
            if ratio < 1:
                behind.append(f"{key}@{size['label']} {ratio:.2f}×")
    out.append(
        {
            "target": "kgapi throughput ≥ @neo4j/graphql on every query, concurrency 8",
            "status": "MET" if worst and not behind else "NOT MET",
            "figure": (
                f"behind on {len(behind)} of the cells: " + ", ".join(behind)
                if behind
                else f"lowest ratio {worst[0]:.2f}× ({worst[1]})"
                if worst
                else "not measured"
            ),
        }
    )

    # 2. kgapi's p99 <= 2x the raw driver's p99 on Q1-Q5.
    over: list[str] = []
    worst_p99: tuple[float, str] | None = None
    for size in sizes:
        for key in _query_keys(size):
            if key not in Q1_TO_Q5:
                continue
            ratio = ratios(size, key, TARGET_CONCURRENCY)["p99_vs_raw"]
            if ratio is None:
                continue
            if worst_p99 is None or ratio > worst_p99[0]:
                worst_p99 = (ratio, f"{key} at {size['label']}")
            if ratio > 2:
                over.append(f"{key}@{size['label']} {ratio:.1f}×")
    out.append(
        {
            "target": "kgapi p99 ≤ 2× raw driver p99 on Q1–Q5 (concurrency 8)",
            "status": "MET" if worst_p99 and not over else "NOT MET",
            "figure": (
                f"over on {len(over)}: " + ", ".join(over)
                if over
                else f"highest {worst_p99[0]:.2f}× ({worst_p99[1]})"
                if worst_p99
                else "not measured"
            ),
        }
    )

    # 3. One Cypher statement per GraphQL request, on every query and size: one round trip,
    #    and answered by the one-statement planner (results from before the path counter was
    #    recorded are judged on round trips alone).
    off: list[str] = []
    measured = False
    for size in sizes:
        for key, value in size.get("round_trips", {}).items():
            measured = True
            path = size.get("paths", {}).get(key)
            if value > 1.0001 or (path is not None and not _one_statement(path)):
                off.append(f"{key}@{size['label']} {trips_label(size, key)}")
    largest = sizes[-1] if sizes else {}
    out.append(
        {
            "target": "one Cypher statement per GraphQL request on every query of the mix",
            "status": "MET" if measured and not off else "NOT MET",
            "figure": (
                "off on " + ", ".join(off)
                if off
                else ", ".join(
                    f"{k} {trips_label(largest, k)}" for k in largest.get("round_trips", {})
                )
                or "not measured"
            ),
        }
    )

    # 4. Q1 at 1M within 1.5x of Q1 at 10k.
    by_label = {s["label"]: s for s in sizes}
    small, big = by_label.get("10k"), by_label.get("1M")
    q1_small = _cells(small).get(("kgapi", "Q1", 1)) if small else None
    q1_big = _cells(big).get(("kgapi", "Q1", 1)) if big else None
    if q1_small and q1_big and q1_small["p50_ms"] and q1_big["p50_ms"]:
        growth = q1_big["p50_ms"] / q1_small["p50_ms"]
        out.append(
            {
                "target": "Q1 at 1M relationships within 1.5× of Q1 at 10k",
                "status": "MET" if growth <= 1.5 else "NOT MET",
                "figure": f"p50 at concurrency 1: {fmt_ms(q1_small['p50_ms'])} → "
                f"{fmt_ms(q1_big['p50_ms'])} ({growth:.2f}×)",
            }
        )
    else:
        out.append(
            {
                "target": "Q1 at 1M relationships within 1.5× of Q1 at 10k",
                "status": "NOT MEASURED",
                "figure": "needs 10k and 1M in one run (make bench-full)",
            }
        )

    # 5. API process under load under 250 MB RSS.
    peaks = [s.get("rss_peak_mb", {}).get("kgapi") for s in sizes]
    peaks = [p for p in peaks if p]
    if peaks:
        peak = max(peaks)
        out.append(
            {
                "target": f"kgapi process under load < {RSS_LIMIT_MB} MB RSS",
                "status": "MET" if peak < RSS_LIMIT_MB else "NOT MET",
                "figure": f"peak {peak:.0f} MB (sampled every 0.1 s from /proc/<pid>/status)",
            }
        )

    # 6. The read cache: kgapi-cached >= 5x the peer on every query, repeated reads.
    below: list[str] = []
    lowest: tuple[float, str] | None = None
    for size in sizes:
        for key, ratio in size.get("repeated_reads", {}).get("ratio_vs_peer", {}).items():
            if ratio is None:
                continue
            if lowest is None or ratio < lowest[0]:
                lowest = (ratio, f"{key} at {size['label']}")
            if ratio < CACHED_TARGET:
                below.append(f"{key}@{size['label']} {ratio:.2f}×")
    target = "with a read cache on, ≥ 5× @neo4j/graphql on repeated reads (concurrency 8)"
    if lowest is None:
        out.append(
            {
                "target": target,
                "status": "NOT MEASURED",
                "figure": "needs the kgapi-cached and neo4j-graphql systems in one run",
            }
        )
    else:
        out.append(
            {
                "target": target,
                "status": "NOT MET" if below else "MET",
                "figure": (
                    f"below on {len(below)}: " + ", ".join(below)
                    if below
                    else f"lowest ratio {lowest[0]:.2f}× ({lowest[1]})"
                ),
            }
        )
    return out


def print_summary(results: dict[str, Any], console: Console) -> None:
    """The ratio table of every size and concurrency, then the targets."""
    for size in results["sizes"]:
        concurrencies = sorted({c["concurrency"] for c in size.get("cells", [])})
        for concurrency in concurrencies:
            table = Table(
                title=f"{size['label']} relationships, concurrency {concurrency}",
                title_justify="left",
            )
            for column in (
                "query",
                "kgapi req/s",
                "@neo4j/graphql req/s",
                "raw req/s",
                "kgapi/peer req/s",
                "kgapi p99",
                "raw p99",
                "kgapi/raw p99",
                "kgapi trips",
            ):
                table.add_column(column, justify="left" if column == "query" else "right")
            cells = _cells(size)
            for key in _query_keys(size):
                row = [key]
                for system in ("kgapi", "neo4j-graphql", "raw"):
                    cell = cells.get((system, key, concurrency))
                    failed = size.get("failed", {}).get(key, {}).get(system)
                    row.append("failed" if failed else f"{cell['rps']:.1f}" if cell else "—")
                r = ratios(size, key, concurrency)
                kg = cells.get(("kgapi", key, concurrency))
                raw = cells.get(("raw", key, concurrency))
                row += [
                    fmt_ratio(r["rps_vs_peer"]),
                    fmt_ms(kg["p99_ms"]) if kg else "—",
                    fmt_ms(raw["p99_ms"]) if raw else "—",
                    fmt_ratio(r["p99_vs_raw"]),
                    trips_label(size, key),
                ]
                table.add_row(*row)
            console.print(table)
    for size in results["sizes"]:
        rows = repeated_rows(size)
        if not rows:
            continue
        repeated = size["repeated_reads"]
        table = Table(
            title=f"{size['label']} relationships, repeated reads at concurrency "
            f"{repeated['concurrency']} (kgapi with KGAPI_READ_CACHE=true; load driver "
            f"{repeated_driver(repeated)})",
            title_justify="left",
        )
        for column in REPEATED_COLUMNS:
            table.add_column(column, justify="left" if column == "query" else "right")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    table = Table(title="targets (issues 6 and 12)", title_justify="left")
    for column in ("target", "status", "figure"):
        table.add_column(column)
    for t in targets(results):
        style = "green" if t["status"] == "MET" else "red"
        table.add_row(t["target"], f"[{style}]{t['status']}[/]", t["figure"])
    console.print(table)


def markdown(results: dict[str, Any]) -> str:
    """Every query x system x concurrency of one run, with the ratios, as Markdown tables."""
    lines: list[str] = []
    for size in results["sizes"]:
        load = size.get("load", {})
        rate = f"{load['rate']:,.0f} relationships/s" if load.get("rate") else "n/a"
        lines.append(
            f"### {size['label']} relationships ({size['relationships']:,} relationships, "
            f"{size['nodes']:,} nodes; loaded at {rate})"
        )
        lines.append("")
        cells = _cells(size)
        concurrencies = sorted({c["concurrency"] for c in size.get("cells", [])})
        lines.append(
            "| query | c | kgapi req/s | kgapi p50 / p99 | @neo4j/graphql req/s | "
            "@neo4j/graphql p50 / p99 | raw req/s | raw p50 / p99 | kgapi/peer req/s | "
            "kgapi/raw p99 | kgapi trips |"
        )
        lines.append("|" + "---|" * 11)
        for key in _query_keys(size):
            for concurrency in concurrencies:
                row = [key, str(concurrency)]
                for system in ("kgapi", "neo4j-graphql", "raw"):
                    cell = cells.get((system, key, concurrency))
                    failed = size.get("failed", {}).get(key, {}).get(system)
                    row += cell_columns(cell, bool(failed))
                r = ratios(size, key, concurrency)
                row += [
                    fmt_ratio(r["rps_vs_peer"]),
                    fmt_ratio(r["p99_vs_raw"]),
                    trips_label(size, key),
                ]
                lines.append("| " + " | ".join(row) + " |")
        lines.append("")
        failed = size.get("failed", {})
        for key, systems in failed.items():
            for system, message in systems.items():
                lines.append(f"- {key} on {SYSTEM_NAMES[system]} failed: `{message[:220]}`")
        disagreements = [
            f"{key} ({name})"
            for key, by in size.get("agreement", {}).items()
            for name, same in by.items()
            if not same
        ]
        if disagreements:
            lines.append("- answers that differ from the raw driver's: " + ", ".join(disagreements))
        lines.append("")
        rows = repeated_rows(size)
        if rows:
            repeated = size["repeated_reads"]
            lines.append(
                f"Repeated reads at {size['label']}, concurrency {repeated['concurrency']}: "
                "kgapi with `KGAPI_READ_CACHE=true` (a process of its own) and @neo4j/graphql "
                "take turns, each repeating one request; load driver: "
                f"{repeated_driver(repeated)}."
            )
            lines.append("")
            lines.append("| " + " | ".join(REPEATED_COLUMNS) + " |")
            lines.append("|" + "---|" * len(REPEATED_COLUMNS))
            lines += ["| " + " | ".join(row) + " |" for row in rows]
            lines.append("")
            differ = [k for k, same in repeated.get("agreement", {}).items() if not same]
            if differ:
                lines.append(
                    "- cached answers that differ from uncached kgapi's: " + ", ".join(differ)
                )
            for key, message in repeated.get("failed", {}).items():
                lines.append(f"- {key} on kgapi with the cache failed: `{message[:220]}`")
            lines.append("")
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path) -> None:
    """p50 and p99 latency at concurrency 1 against graph size, one panel per query."""
    require_matplotlib()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    sizes = results["sizes"]
    keys: list[str] = []
    for size in sizes:
        keys += [k for k in _query_keys(size) if k not in keys]
    columns = 4
    rows = (len(keys) + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3.2 * rows), squeeze=False)
    for index, key in enumerate(keys):
        ax = axes[index // columns][index % columns]
        for system in ("kgapi", "neo4j-graphql", "raw"):
            xs, p50, p99 = [], [], []
            for size in sizes:
                cell = _cells(size).get((system, key, 1))
                if cell and cell["p50_ms"]:
                    xs.append(size["relationships"])
                    p50.append(cell["p50_ms"])
                    p99.append(cell["p99_ms"])
            if not xs:
                continue
            color = COLORS[system]
            ax.plot(xs, p50, "o-", color=color, label=f"{SYSTEM_NAMES[system]} p50")
            ax.plot(xs, p99, "--", color=color, alpha=0.5, label=f"{SYSTEM_NAMES[system]} p99")
        title = next(
            (q["title"] for s in sizes for q in s.get("queries", []) if q["key"] == key), ""
        )
        ax.set_title(f"{key}: {title.split(' (')[0]}"[:52], fontsize=9)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("relationships", fontsize=8)
        ax.set_ylabel("latency (ms)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(True, which="both", alpha=0.3)
    for index in range(len(keys), rows * columns):
        axes[index // columns][index % columns].axis("off")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=6, fontsize=8)
    fig.suptitle(
        "Latency against graph size at concurrency 1 (solid p50, dashed p99); "
        f"run {results['started']}",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0.06, 1, 0.96))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--plot", type=Path)
    args = parser.parse_args(argv)
    results = json.loads(args.results.read_text())
    if args.markdown:
        print(markdown(results))
        print("| target | status | figure |\n|---|---|---|")
        for t in targets(results):
            print(f"| {t['target']} | **{t['status']}** | {t['figure']} |")
    elif args.plot:
        plot(results, args.plot)
    else:
        print_summary(results, Console())


if __name__ == "__main__":
    main()
