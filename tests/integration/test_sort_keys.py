"""The stored sort keys (issue 12, item 9) against the real Neo4j: every write path keeps each
entity's `claim_count` and `sort_name` equal to what they are computed from, and a first page
of every sort order is read from an index in order, never sorted whole."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any, LiteralString

import neo4j
import pytest
from starlette.testclient import TestClient

from kgapi.app import create_app
from kgapi.auth import Principal, Role, new_api_key
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.model import EntityKind
from kgapi.queries.entities import EntityFilter, SortField, claim_count_of, sort_name_of
from kgapi.queries.graph_writes import seed_steps
from kgapi.queries.keys import create_key
from kgapi.queries.schema import backfill_sort_keys
from kgapi.queries.selection import EntityFetch, EntityListRoot, read_statement
from kgapi.writes import EvidenceInput, add_claim
from tests.integration.graphql_helpers import claim_input, delete_written, entity_input

PREFIX = "sk-"  # every slug these tests write starts with it; the module cleans up

# Entities whose stored keys differ from the computed ones (none, when every write kept them).
DRIFT: LiteralString = (
    "MATCH (e:Entity) WITH e, "
    + claim_count_of("e")
    + " AS counted, "
    + sort_name_of("e")
    + " AS named "
    "WHERE e.claim_count IS NULL OR e.claim_count <> counted "
    "OR e.sort_name IS NULL OR e.sort_name <> named "
    "RETURN e.slug AS slug, e.claim_count AS stored, counted, e.sort_name AS sort_name, named"
)


async def _drift(db: Database) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.read(DRIFT)]


async def _count(db: Database, slug: str) -> int:
    records = await db.read("MATCH (e:Entity {slug: $s}) RETURN e.claim_count AS n", {"s": slug})
    return int(records[0]["n"])


@pytest.fixture(scope="module", autouse=True)
async def _clean_up(seeded: Database) -> AsyncIterator[None]:
    yield
    await seeded.write("MATCH (k:ApiKey) WHERE k.name STARTS WITH 'test-sk-' DETACH DELETE k")
    await delete_written(seeded, PREFIX)


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings, seeded: Database) -> Iterator[TestClient]:
    with TestClient(create_app(neo4j_settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
async def editor(seeded: Database) -> str:
    key_id, token, hashed = new_api_key()
    await create_key(seeded, key_id, "test-sk-editor", "editor", hashed)
    return token


def _mutate(client: TestClient, token: str, field: str, query: str, **variables: Any) -> Any:
    response = client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    payload = response.json()["data"][field]
    assert payload["userErrors"] == [], payload
    return payload


UPSERT = """mutation($input: UpsertEntityInput!) { upsertEntity(input: $input) {
  changed userErrors { field message } } }"""
ADD_CLAIM = """mutation($input: AddClaimInput!) { addClaim(input: $input) {
  changed claim { claimId } userErrors { field message } } }"""
RETRACT = """mutation($input: RetractClaimInput!) { retractClaim(input: $input) {
  changed userErrors { field message } } }"""
OBJECT = "transport-and-logistics"  # the object of graphql_helpers.claim_input


async def test_the_seed_stores_every_entitys_keys(seeded: Database) -> None:
    assert await _drift(seeded) == []
    # ...and they mean something: the seed has entities with claims and without a name_en.
    records = await seeded.read("MATCH (e:Entity) RETURN max(e.claim_count) AS most")
    assert records[0]["most"] > 1


async def test_the_write_api_keeps_the_keys_in_its_transaction(
    seeded: Database, client: TestClient, editor: str
) -> None:
    slug = f"{PREFIX}api-{uuid.uuid4().hex[:8]}"
    object_before = await _count(seeded, OBJECT)
    _mutate(client, editor, "upsertEntity", UPSERT, input=entity_input(slug))
    assert await _count(seeded, slug) == 0
    assert await _drift(seeded) == []

    renamed = entity_input(
        slug, names=[{"lang": "bn", "value": "যৌথ উদ্যোগ"}, {"lang": "en", "value": "Zebra Works"}]
    )
    _mutate(client, editor, "upsertEntity", UPSERT, input=renamed)
    records = await seeded.read("MATCH (e:Entity {slug: $s}) RETURN e.sort_name AS n", {"s": slug})
    assert records[0]["n"] == "zebra works"

    added = _mutate(client, editor, "addClaim", ADD_CLAIM, input=claim_input(slug))
    claim_id = added["claim"]["claimId"]
    assert (await _count(seeded, slug), await _count(seeded, OBJECT)) == (1, object_before + 1)
    assert await _drift(seeded) == []

    again = _mutate(client, editor, "addClaim", ADD_CLAIM, input=claim_input(slug))
    assert again["changed"] is False  # the same claim: nothing is counted twice
    assert await _count(seeded, OBJECT) == object_before + 1

    _mutate(client, editor, "retractClaim", RETRACT, input={"id": claim_id, "reason": "test"})
    assert (await _count(seeded, slug), await _count(seeded, OBJECT)) == (0, object_before)
    assert await _drift(seeded) == []


async def test_concurrent_claims_on_one_entity_are_all_counted(
    seeded: Database, client: TestClient, editor: str
) -> None:
    """Eight writers add a claim on the same object at once, each in its own transaction: the
    object's stored count takes all eight (a count taken before the entity's lock, while
    another writer's claim is still uncommitted, would lose some)."""
    principal = Principal("test-sk-writer", Role.EDITOR)
    subjects = [f"{PREFIX}race-{uuid.uuid4().hex[:8]}" for _ in range(8)]
    for slug in subjects:
        _mutate(client, editor, "upsertEntity", UPSERT, input=entity_input(slug))
    before = await _count(seeded, OBJECT)

    async def write(subject: str) -> None:
        data = claim_input(subject)
        evidence = [EvidenceInput(**e) for e in data.pop("evidence")]
        # The write layer takes the model's stored values (`planned`), the API its enum names.
        stored = {**data, "status": data["status"].lower(), "rank": "normal", "qualifiers": {}}
        await add_claim(seeded, principal, stored, evidence)

    await asyncio.gather(*(write(slug) for slug in subjects))
    assert await _count(seeded, OBJECT) == before + len(subjects)
    assert await _drift(seeded) == []


def _entity_row(slug: str, kind: EntityKind = EntityKind.INITIATIVE) -> dict[str, Any]:
    props = {"slug": slug, "kind": kind.value, "name_en": slug.upper(), "aliases": []}
    return {"slug": slug, "kind": kind.value, "hash": uuid.uuid4().hex, "props": props}


def _claim_row(claim_id: str, subject: str, obj: str, status: str = "planned") -> dict[str, Any]:
    props = {"id": claim_id, "predicate": "CONCERNS", "status": status, "rank": "normal"}
    return {
        "id": claim_id,
        "subject": subject,
        "object": obj,
        "predicate": "CONCERNS",
        "traversable": True,
        "hash": uuid.uuid4().hex,
        "props": props,
        "evidence": [],
    }


async def test_the_seed_and_bulk_statements_keep_the_keys_batch_after_batch(
    seeded: Database,
) -> None:
    """The seed loader and bench/generate.py's bulk loader write with the same statements
    (SEED_STEPS): a batch whose rows share a hub, then one that moves a claim to another
    object and retracts another."""
    tag = uuid.uuid4().hex[:8]
    hub, other, *leaves = [f"{PREFIX}bulk-{tag}-{i}" for i in range(6)]
    entities = [_entity_row(slug) for slug in (hub, other, *leaves)]
    claims = [_claim_row(f"{PREFIX}c-{tag}-{i}", leaf, hub) for i, leaf in enumerate(leaves)]
    await seeded.write_in_one_transaction(seed_steps({"entities": entities, "claims": claims}))
    assert await _count(seeded, hub) == len(leaves)
    assert await _drift(seeded) == []

    moved = {**claims[0], "object": other, "hash": uuid.uuid4().hex}
    retracted = {**claims[1], "hash": uuid.uuid4().hex}
    retracted["props"] = {**retracted["props"], "status": "retracted"}
    await seeded.write_in_one_transaction(seed_steps({"claims": [moved, retracted]}))
    assert (await _count(seeded, hub), await _count(seeded, other)) == (len(leaves) - 2, 1)
    assert (await _count(seeded, leaves[0]), await _count(seeded, leaves[1])) == (1, 0)
    assert await _drift(seeded) == []


async def test_the_backfill_gives_old_entities_their_keys_once(seeded: Database) -> None:
    tag = uuid.uuid4().hex[:8]
    hub, leaf = f"{PREFIX}old-{tag}-hub", f"{PREFIX}old-{tag}-leaf"
    rows = {
        "entities": [_entity_row(hub), _entity_row(leaf)],
        "claims": [_claim_row(f"{PREFIX}old-{tag}", leaf, hub)],
    }
    await seeded.write_in_one_transaction(seed_steps(rows))
    # As a database written before the keys existed holds them.
    await seeded.write(
        "MATCH (e:Entity) WHERE e.slug IN $s REMOVE e.claim_count, e.sort_name", {"s": [hub, leaf]}
    )
    assert len(await _drift(seeded)) == 2
    assert await backfill_sort_keys(seeded, batch=1) == 2  # in batches: here one per batch
    assert await _drift(seeded) == []
    assert await backfill_sort_keys(seeded) == 0


# -- plans -----------------------------------------------------------------------------------

SORTING_OPERATORS = {"Sort", "Top", "PartialSort", "PartialTop"}


def _operators(plan: dict[str, Any]) -> list[tuple[str, str]]:
    own = (plan["operatorType"].split("@")[0], str(plan.get("args", {}).get("Details", "")))
    return [own] + [op for child in plan.get("children", []) for op in _operators(child)]


PAGES: dict[str, tuple[EntityKind | None, SortField, bool, list[Any] | None, str]] = {
    # name: (kind, sort, descending, after, the index that must serve the page in order);
    # a name ending in "of eight kinds" filters on kindIn, as the benchmark's Q2a does
    "by name, of eight kinds": (None, SortField.NAME, False, None, "Entity(sort_name"),
    "top by relation count": (None, SortField.RELATION_COUNT, True, None, "Entity(claim_count"),
    "by relation count, after a cursor": (
        None,
        SortField.RELATION_COUNT,
        True,
        [2, "pakistan"],
        "Entity(claim_count",
    ),
    "by name": (None, SortField.NAME, False, None, "Entity(sort_name"),
    "by name, after a cursor": (None, SortField.NAME, False, ["k", "k"], "Entity(sort_name"),
    "countries by name": (EntityKind.COUNTRY, SortField.NAME, False, None, "Country(sort_name"),
    "countries by relation count": (
        EntityKind.COUNTRY,
        SortField.RELATION_COUNT,
        True,
        None,
        "Country(claim_count",
    ),
    "by slug": (None, SortField.SLUG, False, None, "Entity(slug)"),
    "by kind": (None, SortField.KIND, True, None, "Entity(kind, slug)"),
    "countries by slug": (EntityKind.COUNTRY, SortField.SLUG, False, None, "Entity(kind, slug)"),
}


@pytest.mark.parametrize("page", list(PAGES))
async def test_a_page_is_read_from_an_index_in_order_not_sorted(
    seeded: Database, neo4j_settings: Settings, page: str
) -> None:
    """The plan of the statement the API sends for the page (kgapi.queries.selection) walks the
    sort's index and stops at the page's end: no operator sorts the entities. A shape check
    (EXPLAIN), not a timing."""
    kind, sort, descending, after, index = PAGES[page]
    where = EntityFilter(kind_in=list(EntityKind)[:8]) if page.endswith("eight kinds") else None
    root = EntityListRoot(
        kind=kind,
        where=where,
        sort=sort,
        descending=descending,
        first=10,
        after=after,
        entity=EntityFetch(properties={"name_en"}),
        total=False,
    )
    statement, params = read_statement([root])
    auth = (neo4j_settings.neo4j_username, neo4j_settings.neo4j_password)
    async with neo4j.AsyncGraphDatabase.driver(neo4j_settings.effective_uri, auth=auth) as driver:
        result = await driver.execute_query("EXPLAIN " + statement, params)
    plan = result.summary.plan
    assert plan is not None
    operators = _operators(plan)
    assert not SORTING_OPERATORS & {name for name, _ in operators}, operators
    assert any(
        name.startswith("Node") and "Index" in name and index in details
        for name, details in operators
    ), operators
