"""Bulk writes against one mutation per item (issue 13, item 7), side by side in one run.

One kgapi process (uvicorn, one worker, the app factory) against the Neo4j in NEO4J_URI, seeded
first (idempotent). An editor (a JWT) writes `--entities` new entities and `--claims` claims
about them over HTTP, first one upsertEntity / addClaim request per item, one after another as
a partner's loop would, then — with fresh slugs, so that every item is a real write again —
the same numbers through upsertEntities and addClaims, `--per-request` items a request. Each
phase starts after an untimed warm-up of its own shape (a few single writes; one full bulk
request of each kind), so that neither pays Neo4j's planning for the other. It prints items
per second for both and their ratio, then removes what it wrote.

    kgapi neo4j exec --isolated -- .venv/bin/python -m bench.bulk_writes
    kgapi neo4j exec --isolated -- .venv/bin/python -m bench.bulk_writes --per-request 1000

A bulk request's items are bounded by KGAPI_MAX_BULK_ITEMS (1000), not by the bound on other
lists (KGAPI_MAX_LIST_ARGUMENT, 100): `--per-request 1000` runs against the default settings.
The claims quote the seed article verbatim (the sentence of joint ventures being planned), each
about one of the graph's sectors and commodities, so there are as many distinct claims as
entities times those. Timings depend on the machine (2 shared cores here); compare runs on one
machine only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from kgapi import model
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.seed import seed_database
from tests.integration.graphql_helpers import claim_input, delete_written, entity_input
from tests.integration.live import running_server  # the tests' real-server launcher

SECRET = secrets.token_urlsafe(32)  # the benchmark's server accepts JWTs signed with it
UPSERT = (
    "mutation($input: UpsertEntityInput!) { upsertEntity(input: $input) { changed "
    "entity { slug } userErrors { field message } } }"
)
ADD = (
    "mutation($input: AddClaimInput!) { addClaim(input: $input) { changed "
    "claim { claimId } userErrors { field message } } }"
)
UPSERTS = (
    "mutation($inputs: [UpsertEntityInput!]!) { upsertEntities(inputs: $inputs) { written "
    "failed results { index changed entity { slug } userErrors { field message } } "
    "userErrors { field message } } }"
)
ADDS = (
    "mutation($inputs: [AddClaimInput!]!) { addClaims(inputs: $inputs) { written failed "
    "results { index changed claim { claimId } userErrors { field message } } "
    "userErrors { field message } } }"
)


@dataclass(frozen=True)
class Timing:
    items: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.items / self.seconds


def _items(prefix: str, entities: int, claims: int, objects: list[str]) -> tuple[list[Any], ...]:
    """`entities` new entities and `claims` distinct claims about them (subject × object)."""
    slugs = [f"{prefix}{i}" for i in range(entities)]
    made = [entity_input(slug) for slug in slugs]
    stated = [
        claim_input(slugs[i % entities], object=objects[i // entities]) for i in range(claims)
    ]
    return made, stated


def _answer(response: httpx.Response) -> dict[str, Any]:
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    if "errors" in body:
        raise SystemExit(f"the server refused a request: {body['errors']}")
    payload: dict[str, Any] = next(iter(body["data"].values()))
    return payload


async def _one_by_one(client: httpx.AsyncClient, query: str, inputs: list[Any]) -> Timing:
    started = time.perf_counter()
    for given in inputs:
        payload = _answer(
            await client.post("/graphql", json={"query": query, "variables": {"input": given}})
        )
        if payload["userErrors"] or not payload["changed"]:
            raise SystemExit(f"an item was not written: {payload}")
    return Timing(len(inputs), time.perf_counter() - started)


async def _in_bulk(
    client: httpx.AsyncClient, query: str, inputs: list[Any], per_request: int
) -> Timing:
    started = time.perf_counter()
    for start in range(0, len(inputs), per_request):
        chunk = inputs[start : start + per_request]
        payload = _answer(
            await client.post("/graphql", json={"query": query, "variables": {"inputs": chunk}})
        )
        if payload["userErrors"] or payload["written"] != len(chunk):
            raise SystemExit(f"items were not written: {payload['userErrors'][:3]}")
    return Timing(len(inputs), time.perf_counter() - started)


async def _prepare(settings: Settings, prefix: str) -> list[str]:
    """Seed (idempotent) and return the slugs a CONCERNS claim may have as its object."""
    db = Database(settings)
    try:
        await seed_database(db)
        kinds = [k.value for k in model.PREDICATES[model.Predicate.CONCERNS].objects]
        records = await db.read(
            "MATCH (e:Entity) WHERE e.kind IN $kinds RETURN e.slug AS slug ORDER BY slug",
            {"kinds": kinds},
        )
        await delete_written(db, prefix)
        return [str(r["slug"]) for r in records]
    finally:
        await db.close()


async def _clean_up(settings: Settings, prefix: str) -> None:
    db = Database(settings)
    try:
        await delete_written(db, prefix)
    finally:
        await db.close()


async def _run(
    url: str, args: argparse.Namespace, objects: list[str], prefix: str
) -> dict[str, Timing]:
    claims = jwt.encode(
        {"sub": "bench-bulk", "role": "editor", "exp": int(time.time()) + 3600},
        SECRET,
        algorithm="HS256",
    )
    headers = {"authorization": f"Bearer {claims}"}
    single_entities, single_claims = _items(f"{prefix}one-", args.entities, args.claims, objects)
    bulk_entities, bulk_claims = _items(f"{prefix}bulk-", args.entities, args.claims, objects)
    warm = max(1, args.warm_up)
    warm_single = _items(f"{prefix}warm-one-", warm, warm, objects)
    full = max(1, min(args.per_request, args.entities))
    warm_bulk = _items(f"{prefix}warm-bulk-", full, full, objects)
    async with httpx.AsyncClient(base_url=url, timeout=300, headers=headers) as client:
        timings: dict[str, Timing] = {}
        # Untimed, before each phase, writes of the phase's own shape: Neo4j plans a statement
        # again at its first run after the graph's statistics moved (the other phase wrote
        # thousands of nodes) and caches plans per size range of a list parameter, so the
        # first request of a size costs a planning; so do the process's first requests.
        await _one_by_one(client, UPSERT, warm_single[0])
        await _one_by_one(client, ADD, warm_single[1])
        timings["single entities"] = await _one_by_one(client, UPSERT, single_entities)
        timings["single claims"] = await _one_by_one(client, ADD, single_claims)
        await _in_bulk(client, UPSERTS, warm_bulk[0], args.per_request)
        await _in_bulk(client, ADDS, warm_bulk[1], args.per_request)
        timings["bulk entities"] = await _in_bulk(client, UPSERTS, bulk_entities, args.per_request)
        timings["bulk claims"] = await _in_bulk(client, ADDS, bulk_claims, args.per_request)
        return timings


def _row(name: str, single: Timing, bulk: Timing) -> str:
    return (
        f"{name:>9}: {single.rate:7.1f} items/s ({single.seconds:6.1f} s)   "
        f"{bulk.rate:8.1f} items/s ({bulk.seconds:5.2f} s)   {bulk.rate / single.rate:6.1f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--entities", type=int, default=200, help="entities written each way")
    parser.add_argument("--claims", type=int, default=1000, help="claims written each way")
    parser.add_argument("--per-request", type=int, default=100, help="items per bulk request")
    parser.add_argument(
        "--batch-size", type=int, default=Settings().bulk_batch_size, help="items per transaction"
    )
    parser.add_argument(
        "--warm-up", type=int, default=5, help="untimed single writes before that phase"
    )
    args = parser.parse_args()
    if not os.environ.get("NEO4J_URI"):
        parser.error("NEO4J_URI is not set: run under `kgapi neo4j exec --`")
    settings = Settings()
    prefix = f"bench-bulk-{uuid.uuid4().hex[:6]}-"
    objects = asyncio.run(_prepare(settings, prefix))
    if args.claims > args.entities * len(objects):
        parser.error(f"--claims is at most {len(objects)} × --entities (distinct claims)")
    env = {
        "KGAPI_LOG_LEVEL": "warning",
        "KGAPI_GRAPHIQL": "false",
        "KGAPI_JWT_SECRET": SECRET,
        "KGAPI_BULK_BATCH_SIZE": str(args.batch_size),
        "KGAPI_MAX_BULK_ITEMS": str(max(args.per_request, settings.max_bulk_items)),
    }
    try:
        with running_server(settings, **env) as url:
            timings = asyncio.run(_run(url, args, objects, prefix))
    finally:
        asyncio.run(_clean_up(settings, prefix))
    items = args.entities + args.claims
    one = [timings["single entities"], timings["single claims"]]
    many = [timings["bulk entities"], timings["bulk claims"]]
    print(
        f"{args.entities} entities and {args.claims} claims each way over HTTP, one kgapi "
        f"process; bulk: {args.per_request} items per request, {args.batch_size} per transaction"
    )
    print(f"{'':>9}  {'one mutation per item':<32}{'bulk':<28}ratio")
    print(_row("entities", one[0], many[0]))
    print(_row("claims", one[1], many[1]))
    print(
        _row(
            "all",
            Timing(items, sum(t.seconds for t in one)),
            Timing(items, sum(t.seconds for t in many)),
        )
    )


if __name__ == "__main__":
    main()
