"""How well search finds what researchers type: top-1 accuracy and mean reciprocal rank over the
relevance set in bench/relevance/queries.yaml, against the seeded graph at NEO4J_URI.

    kgapi neo4j exec --isolated -- bash -c "kgapi seed && python -m bench.search_relevance"

Entity queries run through the engine `entitySearch` uses (kgapi.queries.search.search_page,
the first 10 hits). Text queries (`search: text`, words found only in sentences or in their
English renderings) need a search over what documents say, which the API does not have yet
(issue 14, item 3): they are reported as misses, apart, so that the baseline is honest.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kgapi.config import Settings
from kgapi.db import Database
from kgapi.queries.search import search_page

RELEVANCE_SET = Path(__file__).parent / "relevance" / "queries.yaml"
DEPTH = 10  # hits read per query: an expected hit below this counts as not found


@dataclass(frozen=True, slots=True)
class Outcome:
    text: str
    search: str
    kind: str
    expect: str
    rank: int | None  # 1-based; None when not in the first DEPTH hits (or not searchable)
    top: str | None


def load_set(path: Path = RELEVANCE_SET) -> list[dict[str, Any]]:
    queries: list[dict[str, Any]] = yaml.safe_load(path.read_text("utf-8"))["queries"]
    return queries


async def run(db: Database, queries: list[dict[str, Any]]) -> list[Outcome]:
    outcomes = []
    for query in queries:
        expect = str(query["expect"])
        ranked: list[str] = []
        if query["search"] == "entity":
            hits, _ = await search_page(db, query["text"], None, DEPTH, None, False)
            ranked = [hit.entity.slug for hit in hits]
        rank = ranked.index(expect) + 1 if expect in ranked else None
        outcomes.append(
            Outcome(
                query["text"],
                query["search"],
                query["kind"],
                expect,
                rank,
                ranked[0] if ranked else None,
            )
        )
    return outcomes


def figures(outcomes: list[Outcome]) -> dict[str, float | int]:
    count = len(outcomes)
    top1 = sum(1 for o in outcomes if o.rank == 1)
    mrr = sum(1 / o.rank for o in outcomes if o.rank) / count if count else 0.0
    return {"queries": count, "top1": top1, "top1_accuracy": top1 / count, "mrr": mrr}


def report(outcomes: list[Outcome]) -> dict[str, Any]:
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.kind].append(outcome)
    return {
        "all": figures(outcomes),
        "entity": figures([o for o in outcomes if o.search == "entity"]),
        "text": figures([o for o in outcomes if o.search == "text"]),
        "by_kind": {kind: figures(group) for kind, group in sorted(by_kind.items())},
        "misses": [
            {"text": o.text, "expect": o.expect, "rank": o.rank, "top": o.top}
            for o in outcomes
            if o.rank != 1
        ],
    }


async def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", type=Path, default=RELEVANCE_SET, help="the relevance set")
    parser.add_argument("--misses", action="store_true", help="list every query not first")
    args = parser.parse_args(argv)
    db = Database(Settings())
    try:
        result = report(await run(db, load_set(args.set)))
    finally:
        await db.close()
    shown = result if args.misses else {k: v for k, v in result.items() if k != "misses"}
    print(json.dumps(shown, indent=2, ensure_ascii=False))
    return result


if __name__ == "__main__":
    asyncio.run(main())
