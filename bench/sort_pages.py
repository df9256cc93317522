"""First pages of sorted lists at every graph size at once: plan, db hits and time per size.

Why: the harness measures one size after another, so on a shared machine a change in background
load between sizes moves the ratio (issue 12, item 9 asks for a first page at 1M within 1.5x of
10k). This starts the private graphs the harness loaded (bench/.data) side by side, takes the
statement kgapi sends for each list (captured from the code at each `--code` path, so an older
checkout gives the "before"), checks that every version answers alike, PROFILEs each (db hits,
any sorting operator) and times them through the driver, interleaved round by round across the
sizes so background load hits all alike.

    python -m bench.sort_pages --code after=. --code before=/path/to/old/checkout --rounds 40
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from neo4j import AsyncGraphDatabase

from bench.private_neo4j import BENCH_PASSWORD, DATA_DIR, private_neo4j

__all__ = ["main"]

LISTS: dict[str, tuple[str, dict[str, Any]]] = {
    "Q2a": (
        "query($kinds: [EntityKind!]) { entities(where: { kindIn: $kinds }, "
        "orderBy: { field: NAME, direction: ASC }, first: 20) "
        "{ edges { cursor node { slug kind name } } pageInfo { hasNextPage endCursor } } }",
        {
            "kinds": [
                "PERSON",
                "ASSOCIATION",
                "EVENT",
                "CITY",
                "COMMODITY",
                "AGREEMENT",
                "OFFICE",
                "MINISTRY",
            ]
        },
    ),
    "Q6b": (
        "{ entities(orderBy: { field: RELATION_COUNT, direction: DESC }, first: 10) "
        "{ edges { node { slug kind name } } } }",
        {},
    ),
    "people by name": (
        "{ entities(kind: PERSON, orderBy: { field: NAME, direction: ASC }, first: 20) "
        "{ edges { node { slug name } } } }",
        {},
    ),
    "people by relation count": (
        "{ entities(kind: PERSON, orderBy: { field: RELATION_COUNT, direction: DESC }, first: 20) "
        "{ edges { node { slug name } } } }",
        {},
    ),
}
SORTING = {"Sort", "Top", "PartialSort", "PartialTop"}

# Run in a child process with PYTHONPATH at one checkout: answers each list through that
# checkout's schema and prints the last statement each sent, with its parameters and answer.
_CAPTURE = """
import asyncio, json, sys
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.graphql.context import Context
from kgapi.graphql.schema import build_schema
lists = json.loads(sys.argv[3])
sent = []
read = Database.read
async def recording(self, text, parameters=None, *args, **kwargs):
    sent.append((text, dict(parameters or {})))
    return await read(self, text, parameters, *args, **kwargs)
Database.read = recording
async def main():
    settings = Settings(neo4j_uri=sys.argv[1], neo4j_password=sys.argv[2])
    db, schema, out = Database(settings), build_schema(settings), {}
    for name, (query, variables) in lists.items():
        result = await schema.execute(query, variable_values=variables,
            context_value=Context(db=db, settings=settings, request_id="sort-pages"))
        assert not result.errors, result.errors
        out[name] = {"text": sent[-1][0], "params": sent[-1][1],
                     "answer": json.dumps(result.data, sort_keys=True)}
    await db.close()
    print(json.dumps(out, default=str))
asyncio.run(main())
"""


def _operators(plan: dict[str, Any]) -> list[str]:
    own = str(plan["operatorType"]).split("@")[0]
    return [own] + [op for child in plan.get("children", []) for op in _operators(child)]


def _hits(plan: dict[str, Any]) -> int:
    return int(plan.get("dbHits", 0)) + sum(_hits(child) for child in plan.get("children", []))


def _capture(code: Path, uri: str) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(_CAPTURE)
    env = {**os.environ, "PYTHONPATH": str(code.resolve())}
    done = subprocess.run(
        [sys.executable, script.name, uri, BENCH_PASSWORD, json.dumps(LISTS)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    Path(script.name).unlink()
    result: dict[str, Any] = json.loads(done.stdout)
    return result


async def measure(
    homes: dict[str, str], codes: dict[str, Path], rounds: int, data_dir: Path = DATA_DIR
) -> str:
    """The markdown table: per list and code version, p50 per size, the ratio, db hits."""
    with ExitStack() as stack:
        dbs = {
            size: stack.enter_context(
                private_neo4j(home, heap="1g", pagecache="512m", data_dir=data_dir)
            )
            for size, home in homes.items()
        }
        statements = {
            (version, size): _capture(code, db.uri)
            for size, db in dbs.items()
            for version, code in codes.items()
        }
        for (version, size), lists in statements.items():
            for name, sent in lists.items():
                first = statements[(next(iter(codes)), size)][name]["answer"]
                if sent["answer"] != first:
                    raise SystemExit(f"{version} answers {name} at {size} differently")
        auth = ("neo4j", BENCH_PASSWORD)
        drivers = {size: AsyncGraphDatabase.driver(db.uri, auth=auth) for size, db in dbs.items()}
        plans: dict[tuple[str, str, str], tuple[int, set[str]]] = {}
        times: dict[tuple[str, str, str], list[float]] = {}
        try:
            for (version, size), lists in statements.items():
                for name, sent in lists.items():
                    result = await drivers[size].execute_query(
                        "PROFILE " + sent["text"], sent["params"], database_="neo4j"
                    )
                    profile = result.summary.profile or {}
                    plans[(name, version, size)] = (
                        _hits(profile),
                        SORTING & set(_operators(profile)),
                    )
                    times[(name, version, size)] = []
            for round_ in range(rounds + 3):  # three rounds of warm-up
                for name in LISTS:
                    for version in codes:
                        for size in dbs:
                            sent = statements[(version, size)][name]
                            began = time.perf_counter()
                            await drivers[size].execute_query(
                                sent["text"], sent["params"], database_="neo4j"
                            )
                            if round_ >= 3:
                                elapsed = (time.perf_counter() - began) * 1000
                                times[(name, version, size)].append(elapsed)
        finally:
            for driver in drivers.values():
                await driver.close()
    sizes = list(homes)
    lines = [
        "| list | code | " + " | ".join(f"p50 {s}" for s in sizes) + f" | {sizes[-1]} / "
        f"{sizes[0]} | db hits ({' / '.join(sizes)}) | sorting operator |",
        "| --- | --- | " + " | ".join("---" for _ in sizes) + " | --- | --- | --- |",
    ]
    for name in LISTS:
        for version in codes:
            p50 = [statistics.median(times[(name, version, s)]) for s in sizes]
            hits = " / ".join(f"{plans[(name, version, s)][0]:,}" for s in sizes)
            sorts = set().union(*(plans[(name, version, s)][1] for s in sizes))
            lines.append(
                f"| {name} | {version} | "
                + " | ".join(f"{v:.1f} ms" for v in p50)
                + f" | {p50[-1] / p50[0]:.2f}× | {hits} | {', '.join(sorted(sorts)) or 'none'} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--code", action="append", default=[], help="NAME=PATH of a checkout (repeatable)"
    )
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    codes = {n: Path(p) for n, p in (c.split("=", 1) for c in args.code or ["after=."])}
    homes: dict[str, str] = {}
    for label in ("10k", "100k", "1M"):
        found = sorted(args.data_dir.glob(f"graph-{label}-seed1-*"))
        if found:
            homes[label] = found[-1].name
    if len(homes) < 2:
        raise SystemExit(f"load the graphs first (python -m bench.run); found {list(homes)}")
    print(asyncio.run(measure(homes, codes, args.rounds, args.data_dir)))


if __name__ == "__main__":
    main()
