"""Bulk writes (issue 13 item 7): upsertEntities and addClaims over HTTP with an editor's token,
and `kgapi import` as a partner runs it, against the real Neo4j.

Each item is checked as its single mutation would check it and answered in input order; a bad
item names its index and field and is not written at all, the good ones are; a re-run changes
nothing; the list is bounded; key scopes hold per item; every changed item leaves its audit
event; and the Neo4j round trips do not grow with the number of items.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema
from starlette.testclient import TestClient

from kgapi.app import create_app
from kgapi.auth import Principal, Role, new_api_key
from kgapi.config import Settings
from kgapi.db import Database, count_round_trips
from kgapi.graphql.context import Context
from kgapi.graphql.schema import build_schema
from kgapi.graphql.sdl import export_sdl
from kgapi.queries.graph_writes import MARK_SEEDED
from kgapi.queries.keys import create_key
from tests.graphql_scalars import CUSTOM_SCALARS
from tests.integration.graphql_helpers import (
    SEED_DOCUMENT,
    claim_input,
    delete_written,
    entity_input,
    recount_claims,
)
from tests.integration.test_cli_writes import _kgapi

PREFIX = "blk-"  # every slug and key name this module writes starts with it
SECRET = "bulk-writes-test-secret-long-enough-for-hs256"
ACTOR = "jwt:bulk-test"
FUZZ_SUBJECT = "bulk-fuzz"
NOT_IN_THE_DOCUMENT = "এই বাক্যটি নথিতে নেই"  # "this sentence is not in the document"

UPSERTS = """mutation($inputs: [UpsertEntityInput!]!) { upsertEntities(inputs: $inputs) {
  written unchanged failed userErrors { field message code }
  results { index changed entity { slug kind revision aliases description }
    userErrors { field message code } } } }"""
ADDS = """mutation($inputs: [AddClaimInput!]!) { addClaims(inputs: $inputs) {
  written unchanged failed userErrors { field message code }
  results { index changed claim { claimId status rank evidence { quote } }
    userErrors { field message code } } } }"""
ENTITY = "query($s: String!) { entity(slug: $s) { slug } }"


def _slug(what: str = "e") -> str:
    return f"{PREFIX}{what}-{uuid.uuid4().hex[:8]}"


def _token(sub: str = "bulk-test", role: str = "editor") -> str:
    claims = {"sub": sub, "role": role, "exp": int(time.time()) + 600}
    return jwt.encode(claims, SECRET, algorithm="HS256")


@pytest.fixture(scope="module")
def settings(neo4j_settings: Settings) -> Settings:
    return neo4j_settings.model_copy(update={"jwt_secret": SECRET})


@pytest.fixture(scope="module")
def client(settings: Settings, seeded: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module", autouse=True)
async def _clean_up(seeded: Database) -> AsyncIterator[None]:
    yield
    # What the fuzzer managed to create (any slug): the targets its events created.
    await seeded.write(
        "MATCH (ev:ChangeEvent {actor: $actor})-[:CHANGED]->(t) WHERE ev.before_json IS NULL "
        "OPTIONAL MATCH (t)<-[:SUBJECT|OBJECT]-(c:Claim) DETACH DELETE c, t",
        {"actor": f"jwt:{FUZZ_SUBJECT}"},
    )
    await seeded.write(
        "MATCH (x) WHERE (x:ApiKey AND x.name STARTS WITH $p) "
        "OR (x:ChangeEvent AND x.actor = $fuzz) "
        "OR (x:IdempotencyRecord AND x.actor IN [$actor, $fuzz]) DETACH DELETE x",
        {"p": PREFIX, "actor": ACTOR, "fuzz": f"jwt:{FUZZ_SUBJECT}"},
    )
    await delete_written(seeded, PREFIX)
    await recount_claims(seeded)


def _post(
    client: TestClient, query: str, token: str | None = None, **variables: Any
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _bulk(client: TestClient, query: str, inputs: list[dict[str, Any]], **kw: Any) -> Any:
    body = _post(client, query, kw.get("token", _token()), inputs=inputs)
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


def _fields(result: dict[str, Any]) -> list[str]:
    return [e["field"] for e in result["userErrors"]]


async def _entity_exists(db: Database, slug: str) -> bool:
    records = await db.read(
        "OPTIONAL MATCH (e:Entity {slug: $s}) "
        "RETURN e IS NOT NULL AS node, COUNT { ()-[:MENTIONS]->(:Entity {slug: $s}) } AS mentions",
        {"s": slug},
    )
    node, mentions = bool(records[0]["node"]), int(records[0]["mentions"])
    assert node or mentions == 0  # never a mention of an entity that was not written
    return node


async def _events(db: Database, targets: list[str]) -> list[dict[str, Any]]:
    records = await db.read(
        "MATCH (ev:ChangeEvent)-[:CHANGED]->(t) WHERE ev.target_id IN $ids "
        "RETURN ev.target_id AS target, ev.operation AS operation, ev.actor AS actor, "
        "ev.seq AS seq ORDER BY seq",
        {"ids": targets},
    )
    return [dict(r) for r in records]


async def _revision(db: Database) -> int:
    records = await db.read("MATCH (s:Sequence {name: 'graph_revision'}) RETURN s.value AS v")
    return int(records[0]["v"])


async def test_good_items_are_written_and_each_bad_one_names_its_index_and_field(
    client: TestClient, seeded: Database
) -> None:
    good = [_slug("good") for _ in range(3)]
    bad_mention = _slug("bad-mention")
    missing = _slug("missing")
    half = _slug("half")
    inputs = [
        entity_input(good[0]),
        entity_input(bad_mention, mentions=[{"document": SEED_DOCUMENT, "quote": "nowhere"}]),
        entity_input(good[1]),
        {"slug": missing, "aliases": ["x"]},  # a new entity without its required fields
        entity_input(good[2]),
        # one good mention and one bad: the whole item fails, not half of it
        entity_input(
            half,
            mentions=[
                {"document": SEED_DOCUMENT, "quote": "যৌথ উদ্যোগ"},
                {"document": "no-such-document", "quote": "যৌথ উদ্যোগ"},
            ],
        ),
        entity_input("Not A Slug"),
    ]
    payload = _bulk(client, UPSERTS, inputs)
    results = payload["results"]
    assert [r["index"] for r in results] == list(range(len(inputs)))
    assert (payload["written"], payload["unchanged"], payload["failed"]) == (3, 0, 4)
    for index in (0, 2, 4):
        assert results[index]["changed"] and results[index]["userErrors"] == []
        assert results[index]["entity"]["slug"] == inputs[index]["slug"]
    assert _fields(results[1]) == ["mentions[0].quote"]
    assert sorted(_fields(results[3])) == ["description", "kind", "mentions", "names"]
    assert _fields(results[5]) == ["mentions[1].document"]
    assert _fields(results[6]) == ["slug"]
    for index in (1, 3, 5, 6):
        assert results[index]["entity"] is None and results[index]["changed"] is False
    # The request's own list names each problem with its path from `inputs`.
    assert "inputs[1].mentions[0].quote" in [e["field"] for e in payload["userErrors"]]
    assert "inputs[5].mentions[1].document" in [e["field"] for e in payload["userErrors"]]
    for slug in good:
        assert await _entity_exists(seeded, slug)
    for slug in (bad_mention, missing, half):
        assert not await _entity_exists(seeded, slug)

    claims = [
        claim_input(good[0]),
        claim_input(good[1], object=f"{PREFIX}nobody"),
        claim_input(
            good[2],
            evidence=[
                {"document": SEED_DOCUMENT, "quote": NOT_IN_THE_DOCUMENT, "translation": "no"}
            ],
        ),
        claim_input(good[1]),
        claim_input(good[2], predicate="PARTY_TO"),  # an initiative is no party to anything
        claim_input(good[2], status="RETRACTED"),
    ]
    added = _bulk(client, ADDS, claims)
    results = added["results"]
    assert (added["written"], added["unchanged"], added["failed"]) == (2, 0, 4)
    assert results[0]["claim"]["status"] == "PLANNED" and results[3]["changed"]
    assert _fields(results[1]) == ["object"]
    assert _fields(results[2]) == ["evidence[0].quote"]
    assert "subject" in _fields(results[4])
    assert _fields(results[5]) == ["status"]
    stored = await seeded.read(
        "MATCH (c:Claim)-[:SUBJECT]->(e:Entity) WHERE e.slug IN $s RETURN e.slug AS s, c.id AS id",
        {"s": good},
    )
    assert sorted(r["s"] for r in stored) == sorted([good[0], good[1]])
    assert {r["id"] for r in stored} == {
        results[0]["claim"]["claimId"],
        results[3]["claim"]["claimId"],
    }


async def test_a_re_run_changes_nothing_and_records_nothing(
    client: TestClient, seeded: Database
) -> None:
    slugs = [_slug("rerun") for _ in range(4)]
    entities = [entity_input(slug) for slug in slugs]
    claims = [claim_input(slug) for slug in slugs]
    first = _bulk(client, UPSERTS, entities)
    assert (first["written"], first["failed"]) == (4, 0)
    added = _bulk(client, ADDS, claims)
    assert (added["written"], added["failed"]) == (4, 0)
    ids = [r["claim"]["claimId"] for r in added["results"]]
    events = await _events(seeded, slugs + ids)

    again = _bulk(client, UPSERTS, entities)
    assert (again["written"], again["unchanged"], again["failed"]) == (0, 4, 0)
    assert [r["changed"] for r in again["results"]] == [False] * 4
    assert [r["entity"]["revision"] for r in again["results"]] == [1] * 4
    re_added = _bulk(client, ADDS, claims)
    assert (re_added["written"], re_added["unchanged"], re_added["failed"]) == (0, 4, 0)
    assert [r["claim"]["claimId"] for r in re_added["results"]] == ids
    assert await _events(seeded, slugs + ids) == events


async def test_every_changed_item_leaves_its_event_and_each_batch_bumps_the_revision_once(
    settings: Settings, seeded: Database
) -> None:
    small_batches = settings.model_copy(update={"bulk_batch_size": 2})
    slugs = [_slug("audit") for _ in range(5)]
    with TestClient(create_app(small_batches)) as client:
        before = await _revision(seeded)
        made = _bulk(client, UPSERTS, [entity_input(slug) for slug in slugs])
        assert made["written"] == 5
        assert await _revision(seeded) == before + 3  # five items, three transactions
        events = await _events(seeded, slugs)
        assert [e["target"] for e in events] == slugs  # one each, in input order
        assert {(e["operation"], e["actor"]) for e in events} == {("upsertEntity", ACTOR)}
        assert [e["seq"] for e in events] == list(range(events[0]["seq"], events[0]["seq"] + 5))

        # A patch of two of them (one a no-op) and a new one: two events, not three.
        fresh = _slug("audit")
        patched = _bulk(
            client,
            UPSERTS,
            [
                {"slug": slugs[0], "description": "described anew"},
                {"slug": slugs[1], "description": "test entity"},
                entity_input(fresh),
            ],
        )
        assert [r["changed"] for r in patched["results"]] == [True, False, True]
        assert patched["results"][0]["entity"]["aliases"] == []  # the patch kept them
        assert patched["results"][0]["entity"]["revision"] == 2
        later = await _events(seeded, [*slugs, fresh])
        assert [e["target"] for e in later[5:]] == [slugs[0], fresh]


def test_the_list_is_bounded_and_over_the_bound_nothing_is_written(
    settings: Settings, seeded: Database
) -> None:
    bounded = settings.model_copy(update={"max_bulk_items": 3})
    slugs = [_slug("bound") for _ in range(4)]
    with TestClient(create_app(bounded)) as client:
        refused = _bulk(client, UPSERTS, [entity_input(slug) for slug in slugs])
        assert refused["results"] == [] and (refused["written"], refused["failed"]) == (0, 4)
        assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
            ("inputs", "BAD_USER_INPUT")
        ]
        assert "KGAPI_MAX_BULK_ITEMS" in refused["userErrors"][0]["message"]
        assert "at most 3" in refused["userErrors"][0]["message"]
        for slug in slugs:
            assert _post(client, ENTITY, s=slug)["data"] == {"entity": None}
        claims = _bulk(client, ADDS, [claim_input(slug) for slug in slugs])
        assert claims["userErrors"][0]["field"] == "inputs" and claims["results"] == []

        within = _bulk(client, UPSERTS, [entity_input(slug) for slug in slugs[:3]])
        assert within["written"] == 3 and within["userErrors"] == []
        assert _bulk(client, UPSERTS, [])["results"] == []


def test_the_items_may_outnumber_the_list_bound_but_the_lists_inside_them_may_not(
    settings: Settings, seeded: Database
) -> None:
    """A bulk request's items are bounded by KGAPI_MAX_BULK_ITEMS, not by the bound on every
    other list (KGAPI_MAX_LIST_ARGUMENT), which still holds inside the items and for any other
    variable; over either bound the request is refused before anything runs."""
    bounded = settings.model_copy(update={"max_list_argument": 3, "max_bulk_items": 6})
    slugs = [_slug("many") for _ in range(5)]
    with TestClient(create_app(bounded)) as client:
        within = _bulk(client, UPSERTS, [entity_input(slug) for slug in slugs])
        assert within["written"] == 5 and within["userErrors"] == []

        def refused(inputs: list[dict[str, Any]]) -> dict[str, Any]:
            body = _post(client, UPSERTS, inputs=inputs)
            assert body["data"] is None, body
            [error] = body["errors"]
            assert error["extensions"]["code"] == "BAD_USER_INPUT"
            return dict(error)

        over = refused([entity_input(_slug("over")) for _ in range(7)])
        assert "at most 6" in over["message"] and "KGAPI_MAX_BULK_ITEMS" in over["message"]
        aliases = refused([entity_input(_slug("aliases"), aliases=["a", "b", "c", "d"])])
        assert "KGAPI_MAX_LIST_ARGUMENT" in aliases["message"]
        assert "$inputs[0].aliases" in aliases["message"]


def test_a_payload_that_would_read_too_much_is_refused_before_anything_is_written(
    client: TestClient,
) -> None:
    """The cost model prices what a bulk payload reads back, a result per item: selecting
    every claim's evidence with its document's text for each of 100 items is over an editor's
    budget, refused with QUERY_TOO_COMPLEX before the first item is written."""
    heavy = (
        "mutation($inputs: [UpsertEntityInput!]!) { upsertEntities(inputs: $inputs) { "
        "results { entity { claims(first: 100) { edges { node { evidence { "
        "document { text } } } } } } } } }"
    )
    slugs = [_slug("heavy") for _ in range(100)]
    body = _post(client, heavy, _token(), inputs=[entity_input(slug) for slug in slugs])
    assert body["data"] is None, body
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX", body
    for slug in slugs[:3]:
        assert _post(client, ENTITY, s=slug)["data"] == {"entity": None}


async def test_key_scopes_apply_to_the_mutation_and_to_every_item(
    client: TestClient, seeded: Database
) -> None:
    namespace = f"{PREFIX}acme-"

    async def key(role: str, **scope: Any) -> str:
        key_id, token, hashed = new_api_key()
        await create_key(seeded, key_id, f"{PREFIX}{role}", role, hashed, **scope)
        return token

    single_only = await key("editor", mutations=["upsertEntity"])
    scoped = await key("editor", mutations=["upsertEntities", "addClaims"], namespaces=[namespace])
    reader = await key("reader")

    refused = _post(client, UPSERTS, single_only, inputs=[entity_input(f"{namespace}one")])
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    assert "mutation:upsertEntities" in refused["errors"][0]["message"]
    assert refused["data"] is None
    for token, code in ((reader, "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        body = _post(client, ADDS, token, inputs=[claim_input("pakistan")])
        assert body["errors"][0]["extensions"]["code"] == code and body["data"] is None

    inside, outside = f"{namespace}{uuid.uuid4().hex[:8]}", _slug("outside")
    made = _bulk(client, UPSERTS, [entity_input(inside), entity_input(outside)], token=scoped)
    assert [r["changed"] for r in made["results"]] == [True, False]
    denied = made["results"][1]["userErrors"]
    assert [(e["field"], e["code"]) for e in denied] == [("slug", "FORBIDDEN")]
    assert f"namespace:{namespace}" in denied[0]["message"] and outside in denied[0]["message"]
    assert not await _entity_exists(seeded, outside)

    # An editor's entity outside the namespace: the scoped key may not make it a subject.
    _bulk(client, UPSERTS, [entity_input(outside)])
    claims = _bulk(client, ADDS, [claim_input(inside), claim_input(outside)], token=scoped)
    assert claims["results"][0]["changed"] is True
    assert [(e["field"], e["code"]) for e in claims["results"][1]["userErrors"]] == [
        ("subject", "FORBIDDEN")
    ]


async def test_a_curated_fact_is_refused_to_an_editor_per_item(
    client: TestClient, seeded: Database
) -> None:
    """On claims of this test's own, marked as the seed marks its claims (changing one of the
    real seed's claims would change the graph other tests read)."""
    curated, other = _slug("curated"), _slug("other")
    _bulk(client, UPSERTS, [entity_input(curated), entity_input(other)])
    added = _bulk(client, ADDS, [claim_input(curated)])
    claim_id = added["results"][0]["claim"]["claimId"]
    await seeded.write(MARK_SEEDED, {"rows": [{"id": claim_id}]})

    unchanged = _bulk(client, ADDS, [claim_input(curated)])  # no change: nothing to refuse
    assert unchanged["unchanged"] == 1 and unchanged["failed"] == 0
    payload = _bulk(client, ADDS, [claim_input(curated, rank="PREFERRED"), claim_input(other)])
    refusal = payload["results"][0]["userErrors"]
    assert [(e["field"], e["code"]) for e in refusal] == [("(entry)", "FORBIDDEN")]
    assert "curator role" in refusal[0]["message"] and claim_id in refusal[0]["message"]
    assert payload["userErrors"][0]["field"] == "inputs[0]"
    assert payload["results"][1]["changed"] is True
    rank = await seeded.read("MATCH (c:Claim {id: $id}) RETURN c.rank AS rank", {"id": claim_id})
    assert rank[0]["rank"] == "normal"


async def test_items_for_one_target_in_one_request(client: TestClient) -> None:
    """An exact repeat answers as a re-send after the first would; a different version of the
    same entity or claim is refused, naming the first; so is a key reused for another item."""
    slug = _slug("twice")
    entities = _bulk(
        client,
        UPSERTS,
        [
            entity_input(slug),
            entity_input(slug),
            entity_input(slug, description="another description"),
            entity_input(_slug("key"), idempotencyKey=f"{slug}-key"),
            entity_input(_slug("key"), idempotencyKey=f"{slug}-key"),
        ],
    )
    results = entities["results"]
    assert [r["changed"] for r in results] == [True, False, False, True, False]
    assert results[1]["userErrors"] == [] and results[1]["entity"]["slug"] == slug
    assert _fields(results[2]) == ["slug"] and "item 0" in results[2]["userErrors"][0]["message"]
    assert _fields(results[4]) == ["idempotencyKey"]
    assert "item 3" in results[4]["userErrors"][0]["message"]

    claim = claim_input(slug)
    claims = _bulk(client, ADDS, [claim, claim, {**claim, "rank": "PREFERRED"}])
    results = claims["results"]
    assert [r["changed"] for r in results] == [True, False, False]
    assert results[1]["claim"]["claimId"] == results[0]["claim"]["claimId"]
    assert _fields(results[2]) == ["rank"] and "item 0" in results[2]["userErrors"][0]["message"]


async def test_each_item_is_a_patch_with_its_own_revision_and_idempotency_key(
    client: TestClient,
) -> None:
    slugs = [_slug("patch") for _ in range(3)]
    keyed = [entity_input(slug, aliases=["JV"], idempotencyKey=f"{slug}-k") for slug in slugs]
    first = _bulk(client, UPSERTS, keyed)
    assert first["written"] == 3

    patch = _bulk(
        client,
        UPSERTS,
        [
            {"slug": slugs[0], "description": "patched", "expectedRevision": 1},
            {"slug": slugs[1], "description": "stale", "expectedRevision": 7},
            {"slug": slugs[2], "kind": "GOAL"},
        ],
    )
    results = patch["results"]
    assert results[0]["entity"]["aliases"] == ["JV"]  # kept: a field left out is not cleared
    assert results[0]["entity"]["description"] == "patched"
    assert [(e["field"], e["code"]) for e in results[1]["userErrors"]] == [
        ("expectedRevision", "CONFLICT")
    ]
    assert (
        _fields(results[2]) == ["kind"] and "changeKind" in results[2]["userErrors"][0]["message"]
    )

    moved = _bulk(
        client,
        UPSERTS,
        [
            {"slug": slugs[2], "kind": "GOAL", "changeKind": True},
            {"slug": slugs[1], "description": "now at revision 1", "expectedRevision": 1},
        ],
    )
    assert moved["results"][0]["entity"]["kind"] == "GOAL"
    assert moved["results"][1]["entity"]["revision"] == 2

    # A replay gives the first answer (changed: true, as the first time); the same key for a
    # different request is refused.
    replay = _bulk(client, UPSERTS, keyed)
    assert [r["changed"] for r in replay["results"]] == [True, True, True]
    other = _bulk(client, UPSERTS, [{**keyed[0], "description": "different"}])
    assert _fields(other["results"][0]) == ["idempotencyKey"]


async def test_round_trips_do_not_grow_with_the_number_of_items(
    settings: Settings, seeded: Database
) -> None:
    schema = build_schema(settings)
    editor = Principal(ACTOR, Role.EDITOR)

    async def trips(query: str, inputs: list[dict[str, Any]]) -> int:
        context = Context(db=seeded, settings=settings, request_id="test", principal=editor)
        with count_round_trips() as counter:
            result = await schema.execute(
                query, variable_values={"inputs": inputs}, context_value=context
            )
        assert result.errors is None, result.errors
        payload = next(iter((result.data or {}).values()))
        assert payload["failed"] == 0, payload
        return counter.count

    few = [_slug("trips") for _ in range(2)]
    many = [_slug("trips") for _ in range(40)]
    entity_trips = [await trips(UPSERTS, [entity_input(s) for s in slugs]) for slugs in (few, many)]
    claim_trips = [await trips(ADDS, [claim_input(s) for s in slugs]) for slugs in (few, many)]
    assert entity_trips[0] == entity_trips[1] <= 8, entity_trips
    assert claim_trips[0] == claim_trips[1] <= 8, claim_trips
    # The same items one mutation each cost that many times more.
    single = "mutation($input: UpsertEntityInput!) { upsertEntity(input: $input) { changed } }"
    context = Context(db=seeded, settings=settings, request_id="test", principal=editor)
    with count_round_trips() as counter:
        for slug in few:
            await schema.execute(
                single, variable_values={"input": entity_input(slug)}, context_value=context
            )
    assert counter.count > entity_trips[0]


def test_kgapi_import_writes_entities_then_claims_and_reports_each_failed_line(
    neo4j_settings: Settings, seeded: Database, client: TestClient, tmp_path: Path
) -> None:
    slugs = [_slug("import") for _ in range(3)]
    lines = [
        # a claim before its subject: entities are written first
        json.dumps({"claim": claim_input(slugs[0])}, ensure_ascii=False),
        *(json.dumps({"entity": entity_input(slug)}, ensure_ascii=False) for slug in slugs),
        json.dumps({"claim": claim_input(slugs[1])}, ensure_ascii=False),
        "",  # blank lines are skipped, but counted
        '{"entity": {"slug": "' + slugs[2] + '", ',  # not JSON
        json.dumps({"document": {"slug": "x"}}),  # neither shape
        json.dumps({"entity": {**entity_input(_slug("bad")), "kind": "PLANET"}}),
        json.dumps({"claim": claim_input(slugs[2], object=f"{PREFIX}nobody")}, ensure_ascii=False),
        json.dumps({"entity": {**entity_input(_slug("bad")), "colour": "red"}}),
    ]
    path = tmp_path / "partner.ndjson"
    path.write_text("\n".join(lines) + "\n", "utf-8")

    first = _kgapi(neo4j_settings, "import", str(path), "--batch-size", "2")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "Traceback" not in first.stdout + first.stderr
    table = first.stdout
    assert "entity" in table and "claim" in table
    failed = {
        int(line.split(":")[0].split()[1]): line
        for line in first.stderr.splitlines()
        if line.startswith("line ")
    }
    assert sorted(failed) == [7, 8, 9, 10, 11], first.stderr
    assert "not JSON" in failed[7]
    assert '{"entity": {...}}' in failed[8] and "['document']" in failed[8]
    assert "(entity): kind: " in failed[9] and "PLANET" in failed[9]
    assert "(claim): object: unknown entity" in failed[10]
    assert "colour" in failed[11]
    assert "5 lines failed" in first.stderr
    for slug in slugs:
        assert _post(client, ENTITY, s=slug)["data"] == {"entity": {"slug": slug}}

    good = tmp_path / "good.ndjson"
    good.write_text("\n".join(lines[:5]) + "\n", "utf-8")
    again = _kgapi(neo4j_settings, "import", str(good))
    assert again.returncode == 0, again.stdout + again.stderr
    rows = {
        cells[0]: cells[1:]
        for cells in (
            [c.strip() for c in line.strip("│┃ ").split("│")] for line in again.stdout.splitlines()
        )
        if cells and cells[0] in ("entity", "claim")
    }
    assert rows == {"entity": ["0", "3", "0"], "claim": ["0", "2", "0"]}, again.stdout


def test_kgapi_import_says_what_is_wrong_with_the_file(
    neo4j_settings: Settings, seeded: Database, tmp_path: Path
) -> None:
    missing = _kgapi(neo4j_settings, "import", str(tmp_path / "absent.ndjson"))
    assert missing.returncode == 1 and "cannot read" in missing.stderr
    binary = tmp_path / "binary.ndjson"
    binary.write_bytes(b'\xff\xfe{"entity": {}}\n')
    result = _kgapi(neo4j_settings, "import", str(binary))
    assert result.returncode == 1 and "line 1: not UTF-8" in result.stderr
    assert "Traceback" not in result.stderr


@hypothesis_settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
@given(data=st.data())
def test_generated_bulk_writes_never_fail_the_server(
    client: TestClient, settings: Settings, data: st.DataObject
) -> None:
    mutation = data.draw(
        from_schema(
            export_sdl(settings),
            fields=["upsertEntities", "addClaims"],
            custom_scalars=CUSTOM_SCALARS,
        )
    )
    response = client.post(
        "/graphql",
        json={"query": mutation},
        headers={"authorization": f"Bearer {_token(FUZZ_SUBJECT)}"},
    )
    assert response.status_code < 500, (mutation, response.text[:500])
    for error in response.json().get("errors", []):
        code = (error.get("extensions") or {}).get("code")
        assert code not in (None, "INTERNAL_SERVER_ERROR"), (mutation, error)
