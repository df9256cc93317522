"""How well the cost model (kgapi.graphql.cost) tracks the work Neo4j does.

Loads the benchmark graph into a private Neo4j (bench.private_neo4j, bench.generate), generates
read queries that vary what the cost model prices — filter conditions (relation-existence
subqueries, string conditions, AND/OR/NOT), page sizes down a nesting, sorting by relation
count, paths and neighbourhoods, evidence and document text — and runs each through kgapi's
schema (both read paths: the one-statement compiler and the resolvers), recording for every
Cypher statement Neo4j's own time (the driver summary's `result_available_after +
result_consumed_after`) and, in a PROFILE run, its db hits. Each query runs cold (the first
time its statement text reaches Neo4j: planning included, which is what an attacker who varies
shapes causes) and then warm (the median of repeats).

It reports the Pearson and Spearman correlations of cost with warm time, cold time and db hits,
and the worst ratios of time to cost (the most milliseconds one cost unit bought):

    python -m bench.cost_calibration --relationships 10k        # the private benchmark graph
    python -m bench.cost_calibration --seed-graph               # the graph at NEO4J_URI, as is
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, LiteralString

import neo4j
from graphql import parse

from bench.generate import GeneratedGraph, generate, parse_size, size_label
from bench.private_neo4j import private_neo4j
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.graphql.context import Context
from kgapi.graphql.cost import document_cost
from kgapi.graphql.schema import build_schema

__all__ = ["Measured", "MeasuringDatabase", "generated_queries", "measure", "pearson", "spearman"]

RESULTS = Path(__file__).resolve().parent / "results"
PREDICATES = ["PARTY_TO", "HEADS", "EXPORTS", "COOPERATES_IN", "EMPHASIZES", "PLANS", "CONCERNS"]


@dataclass
class Statement:
    text: str
    parameters: dict[str, Any]
    milliseconds: int


class MeasuringDatabase(Database):
    """kgapi's Database whose reads record Neo4j's own time per statement (no retries: a
    measurement must not hide a failure)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.statements: list[Statement] = []
        # Plan every statement anew, as if its text were new to Neo4j: what an attacker who
        # varies the query text causes (`CYPHER replan=force` ignores the plan cache).
        self.replan = False

    async def read(
        self, text: LiteralString, parameters: Mapping[str, Any] | None = None
    ) -> list[neo4j.Record]:
        async with self.driver.session(
            database=self.name, default_access_mode=neo4j.READ_ACCESS
        ) as session:
            sent: LiteralString = "CYPHER replan=force " + text if self.replan else text
            result = await session.run(self._query(sent), dict(parameters or {}))
            records = [record async for record in result]
            summary = await result.consume()
        took = (summary.result_available_after or 0) + (summary.result_consumed_after or 0)
        self.statements.append(Statement(text, dict(parameters or {}), took))
        return records

    async def db_hits(self, statement: Statement) -> int:
        """db hits of one statement, from a PROFILE run of it."""
        profiled: LiteralString = "PROFILE " + statement.text  # type: ignore[assignment]
        async with self.driver.session(
            database=self.name, default_access_mode=neo4j.READ_ACCESS
        ) as session:
            result = await session.run(self._query(profiled), statement.parameters)
            summary = await result.consume()
        return _hits(summary.profile or {})


def _hits(plan: Mapping[str, Any]) -> int:
    own = int(plan.get("dbHits", 0) or 0)
    return own + sum(_hits(child) for child in plan.get("children", []))


@dataclass
class Measured:
    family: str
    query: str
    cost: float
    cold_ms: int
    warm_ms: float
    db_hits: int
    errors: list[str] = field(default_factory=list)


async def measure(
    db: MeasuringDatabase,
    settings: Settings,
    query: str,
    family: str = "",
    repeats: int = 3,
    profile: bool = True,
) -> Measured:
    """Run one query through kgapi's schema (budget lifted: we measure, not refuse)."""
    schema = build_schema(settings)
    context = Context(db=db, settings=settings, request_id="calibration")
    cost = document_cost(schema._schema, parse(query), None, {}, settings)
    times: list[int] = []
    errors: list[str] = []
    for run in range(1 + repeats):
        db.statements = []
        db.replan = run == 0  # the first run plans every statement: the cold case
        result = await schema.execute(query, context_value=context)
        errors = [e.message for e in result.errors or []]
        times.append(sum(s.milliseconds for s in db.statements))
    db.replan = False
    hits = 0
    if profile:
        for statement in db.statements:
            hits += await db.db_hits(statement)
    return Measured(
        family,
        query,
        cost.units if cost else 0.0,
        times[0],
        statistics.median(times[1:]) if repeats else float(times[0]),
        hits,
        errors,
    )


# -- generated queries -----------------------------------------------------------------------


def _relation_condition(rng: random.Random, slugs: Sequence[str]) -> str:
    parts = [f'type: "{rng.choice(PREDICATES)}"']
    if rng.random() < 0.5:
        parts.append(f'other: "{rng.choice(slugs)}"')
    if rng.random() < 0.3:
        parts.append(f"direction: {rng.choice(['IN', 'OUT'])}")
    return "{" + ("some" if rng.random() < 0.7 else "none") + ": {" + ", ".join(parts) + "}}"


def _string_condition(rng: random.Random) -> str:
    field_ = rng.choice(["name", "slug", "description"])
    op = rng.choice(["contains", "startsWith", "eq"])
    return f'{{{field_}: {{{op}: "{rng.choice("aeioukrst")}{rng.randint(0, 99)}"}}}}'


def generated_queries(
    rng: random.Random, slugs: Sequence[str], hubs: Sequence[str], count: int
) -> list[tuple[str, str]]:
    """(family, query) pairs; every shape distinct, so the first run of each is cold."""
    out: list[tuple[str, str]] = []
    families = ["or", "and", "strings", "sort", "nested", "evidence", "path", "hood", "docs"]
    for i in range(count):
        family = families[i % len(families)]
        first = rng.choice([1, 5, 10, 25, 50, 100])
        total = "totalCount " if rng.random() < 0.5 else ""
        tag = f"q{i}: "  # an alias per query: every statement text is new to Neo4j
        if family in {"or", "and"}:
            k = rng.randint(1, 40)  # the attack was an OR of 40
            conditions = ", ".join(_relation_condition(rng, slugs) for _ in range(k))
            where = f"{{{family.upper()}: [{conditions}]}}"
            query = f"{{ {tag}entities(where: {where}, first: {first}) {{ {total}edges {{ node {{ slug }} }} }} }}"  # noqa: E501 - one query per line reads best
        elif family == "strings":
            k = rng.randint(1, 10)
            conditions = ", ".join(_string_condition(rng) for _ in range(k))
            query = f"{{ {tag}entities(where: {{OR: [{conditions}]}}, first: {first}) {{ {total}edges {{ node {{ slug name }} }} }} }}"  # noqa: E501 - one query per line reads best
        elif family == "sort":
            query = f"{{ {tag}entities(orderBy: {{field: RELATION_COUNT, direction: DESC}}, first: {first}) {{ edges {{ node {{ slug }} }} }} }}"  # noqa: E501 - one query per line reads best
        elif family in {"nested", "evidence"}:
            inner_first = rng.choice([1, 5, 10, 20])
            leaf = (
                "evidence { quote document { slug } }"
                if family == "evidence"
                else "target { slug name }"
            )
            query = (
                f'{{ {tag}entity(slug: "{rng.choice(hubs)}") {{ relations(first: {first}) {{ edges {{ node {{ '  # noqa: E501
                f"claimId {leaf} source {{ relations(first: {inner_first}) {{ edges {{ node {{ claimId {leaf} }} }} }} }} }} }} }} }} }}"  # noqa: E501 - one query per line reads best
            )
        elif family == "path":
            hops = rng.randint(1, 10)
            query = (
                f'{{ {tag}shortestPath(from: "{rng.choice(slugs)}", to: "{rng.choice(slugs)}", '
                f"maxHops: {hops}) {{ length nodes {{ slug }} relations {{ type evidence {{ quote }} }} }} }}"  # noqa: E501 - one query per line reads best
            )
        elif family == "hood":
            hops = rng.randint(1, 3)
            query = (
                f'{{ {tag}neighborhood(slug: "{rng.choice(hubs)}", hops: {hops}) '
                "{ nodes { slug name } relations { type source { slug } target { slug } } } }"
            )
        else:
            query = f"{{ {tag}documents(first: {rng.choice([1, 2, 5, 10])}) {{ edges {{ node {{ slug text }} }} }} }}"  # noqa: E501 - one query per line reads best
        out.append((family, query))
    return out


# -- statistics ------------------------------------------------------------------------------


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs))
    sy = math.sqrt(sum((y - my) ** 2 for y in ys))
    if sx == 0 or sy == 0:
        return float("nan")
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / (sx * sy)


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2
        i = j + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    return pearson(_ranks(xs), _ranks(ys))


def report(rows: list[Measured], budget: float, bound_ms: float) -> dict[str, Any]:
    """Correlations and worst ratios over every answered query; and, over those an anonymous
    caller may send (cost within `budget`), the most Neo4j time one took, planning included
    (cold), against `bound_ms`."""
    ok = [r for r in rows if not r.errors and r.cost > 0]
    costs = [r.cost for r in ok]

    def against(values: list[float]) -> dict[str, Any]:
        worst = max(ok, key=lambda r: values[ok.index(r)] / r.cost)
        return {
            "pearson": round(pearson(costs, values), 3),
            "spearman": round(spearman(costs, values), 3),
            "worst_ratio_per_unit": round(values[ok.index(worst)] / worst.cost, 3),
            "worst_query": worst.query[:300],
        }

    return {
        "queries": len(rows),
        "answered": len(ok),
        "refused_or_failed": [(r.family, r.errors[:1]) for r in rows if r.errors][:10],
        "warm_ms": against([r.warm_ms for r in ok]),
        "cold_ms": against([float(r.cold_ms) for r in ok]),
        "db_hits": against([float(r.db_hits) for r in ok]),
        "max_warm_ms": max(r.warm_ms for r in ok),
        "max_cold_ms": max(r.cold_ms for r in ok),
        "max_cost": max(costs),
        "within_anonymous_budget": _within(ok, budget, bound_ms),
        "families": {
            family: {
                "max_cost": max(r.cost for r in group),
                "max_warm_ms_per_unit": round(max(r.warm_ms / r.cost for r in group), 3),
                "max_cold_ms": max(r.cold_ms for r in group),
            }
            for family in sorted({r.family for r in ok})
            for group in [[r for r in ok if r.family == family]]
        },
    }


def _within(ok: list[Measured], budget: float, bound_ms: float) -> dict[str, Any]:
    allowed = [r for r in ok if r.cost <= budget]
    worst = max(allowed, key=lambda r: r.cold_ms)
    return {
        "budget": budget,
        "queries": len(allowed),
        "max_cold_ms": worst.cold_ms,
        "max_warm_ms": max(r.warm_ms for r in allowed),
        "max_db_hits": max(r.db_hits for r in allowed),
        "worst_query": worst.query[:300],
        "bound_ms": bound_ms,
        "holds": worst.cold_ms <= bound_ms,
    }


async def _slugs(db: Database) -> tuple[list[str], list[str]]:
    records = await db.read(
        "MATCH (e:Entity) WITH e, COUNT { (e)<-[:SUBJECT|OBJECT]-(:Claim) } AS degree "
        "RETURN e.slug AS slug, degree ORDER BY degree DESC, slug"
    )
    slugs = [r["slug"] for r in records]
    return slugs, slugs[:10]


async def calibrate(
    settings: Settings, count: int, seed: int, repeats: int, bound_ms: float = 3000.0
) -> dict[str, Any]:
    lifted = settings.model_copy(
        update={
            "cost_budget_anonymous": 1e12,
            "max_response_bytes": 10**12,
            "query_timeout": 120.0,
        }
    )
    db = MeasuringDatabase(lifted)
    try:
        slugs, hubs = await _slugs(db)
        rng = random.Random(seed)  # noqa: S311 - reproducible queries, not secrets
        rows: list[Measured] = []
        for compiled in (True, False):
            path_settings = lifted.model_copy(update={"compiled_reads": compiled})
            for family, query in generated_queries(rng, slugs, hubs, count):
                rows.append(await measure(db, path_settings, query, family, repeats))
        budget = settings.cost_budget_anonymous
        return {"both_paths": report(rows, budget, bound_ms), "rows": [r.__dict__ for r in rows]}
    finally:
        await db.close()


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    if args.seed_graph:
        return await calibrate(Settings(), args.queries, args.seed, args.repeats, args.bound_ms)
    graph: GeneratedGraph = generate(parse_size(args.relationships), 1)
    label = size_label(graph.relationships)
    name = f"graph-{label}-seed1-v{graph.summary()['digest'][:8]}"
    from bench.run import _prepare_database

    with private_neo4j(name, heap="512m", pagecache="256m") as target:
        await _prepare_database(target, graph)
        out = await calibrate(target.settings, args.queries, args.seed, args.repeats, args.bound_ms)
    out["graph"] = graph.summary()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--relationships", default="10k")
    parser.add_argument("--seed-graph", action="store_true", help="use NEO4J_URI's graph")
    parser.add_argument("--queries", type=int, default=90, help="per read path")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument(
        "--bound-ms",
        type=float,
        default=3000.0,
        help="the most Neo4j time (planning included) a query within the anonymous budget may take",
    )
    args = parser.parse_args(argv)
    began = time.perf_counter()
    out = asyncio.run(_main(args))
    out["seconds"] = round(time.perf_counter() - began, 1)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path = RESULTS / f"cost-calibration-{stamp}.json"
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False), "utf-8")
    print(json.dumps(out["both_paths"], indent=2, ensure_ascii=False))
    print(f"written: {path}")


if __name__ == "__main__":
    main()
