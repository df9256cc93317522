"""The read cache (KGAPI_READ_CACHE) against the real Neo4j: hits answer the very bytes a miss
sent, and no write — through this app, through another worker process, or by the seed — leaves
a stale answer behind; roles and variables never share an entry; errors, mutations and a cache
that is off store nothing; every write path bumps the graph revision."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, LiteralString

import httpx
import neo4j
import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from kgapi.app import KgapiGraphQL, create_app
from kgapi.auth import Principal, Role, new_api_key
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.model import EntityKind
from kgapi.queries.keys import create_key
from kgapi.queries.revision import BUMP_REVISION, Revision, current_revision
from kgapi.read_cache import CacheStatus, ReadCache
from kgapi.seed import seed_database
from kgapi.writes import EvidenceInput, add_claim, add_document, retract_claim, upsert_entity
from tests.integration.graphql_helpers import delete_written
from tests.integration.live import running_server

DOC = "pk-kz-economic-ties-2025"
TEST_PREFIX = "rc-"  # every slug these tests create starts with it; the module cleans up
KEY_NAME = "test-read-cache"
CACHE = "x-kgapi-cache"
MENTION = "যৌথ উদ্যোগ"  # occurs once in DOC

ENTITY = "query($slug: String!) { entity(slug: $slug) { slug name description } }"
UPSERT = """mutation($input: UpsertEntityInput!) { upsertEntity(input: $input) {
  changed entity { slug } userErrors { field message code } } }"""


def _unique(prefix: str) -> str:
    return f"{TEST_PREFIX}{prefix}-{uuid.uuid4().hex[:10]}"


def _entity_input(slug: str, description: str = "first") -> dict[str, Any]:
    return {
        "slug": slug,
        "kind": "INITIATIVE",
        "names": [{"lang": "bn", "value": "যৌথ উদ্যোগ"}, {"lang": "en", "value": slug}],
        "description": description,
        "aliases": [],
        "mentions": [{"document": DOC, "quote": MENTION}],
    }


@pytest.fixture(scope="module", autouse=True)
async def _clean_up(seeded: Database) -> AsyncIterator[None]:
    """Remove what this module wrote (and bump the revision, as every graph write must)."""
    yield
    await seeded.write("MATCH (k:ApiKey {name: $key}) DETACH DELETE k", {"key": KEY_NAME})
    await delete_written(seeded, TEST_PREFIX)


@pytest.fixture(scope="module")
def cached_settings(neo4j_settings: Settings) -> Settings:
    return neo4j_settings.model_copy(update={"read_cache": True})


@pytest.fixture(scope="module")
async def tokens(seeded: Database) -> dict[str, str]:
    """One API key per role."""
    made: dict[str, str] = {}
    for role in ("reader", "editor"):
        key_id, token, hashed = new_api_key()
        await create_key(seeded, key_id, KEY_NAME, role, hashed)
        made[role] = token
    return made


@pytest.fixture
def client(cached_settings: Settings, seeded: Database) -> Iterator[TestClient]:
    """A fresh app, so a fresh (empty) cache, for every test."""
    with TestClient(create_app(cached_settings)) as test_client:
        yield test_client


def _view(client: TestClient) -> KgapiGraphQL:
    app = client.app
    assert isinstance(app, Starlette)
    for route in app.routes:
        if isinstance(route, Route) and isinstance(route.app, KgapiGraphQL):
            return route.app
    raise AssertionError("no GraphQL route")


def _cache(client: TestClient) -> ReadCache:
    cache = _view(client).read_cache
    assert cache is not None
    return cache


def _post(
    client: TestClient,
    query: str,
    token: str | None = None,
    accept: str | None = None,
    **variables: Any,
) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    if accept:
        headers["accept"] = accept
    return client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


def _upsert(client: TestClient, token: str, slug: str, description: str) -> None:
    response = _post(client, UPSERT, token, input=_entity_input(slug, description))
    assert response.status_code == 200, response.text
    assert response.json()["data"]["upsertEntity"]["userErrors"] == [], response.text
    assert response.headers[CACHE] == "bypass"


async def _revision(db: Database) -> Revision:
    revision = await current_revision(db)
    assert revision is not None
    return revision


def test_a_repeated_query_is_a_hit_with_the_identical_body(client: TestClient) -> None:
    first = _post(client, ENTITY, slug="transit-trade-agreement")
    again = _post(client, ENTITY, slug="transit-trade-agreement")
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.headers[CACHE] == "miss"
    assert again.headers[CACHE] == "hit"
    assert again.content == first.content
    assert again.json()["data"]["entity"]["slug"] == "transit-trade-agreement"
    # A hit is still an answer of its own: its own request id, the media type asked for.
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert again.headers["content-type"].startswith("application/json")
    spec = _post(
        client,
        ENTITY,
        accept="application/graphql-response+json",
        slug="transit-trade-agreement",
    )
    assert spec.headers[CACHE] == "hit"
    assert spec.headers["content-type"].startswith("application/graphql-response+json")
    assert spec.content == first.content


def test_get_requests_are_cached_like_posts(client: TestClient) -> None:
    params = {"query": "{ stats { entities claims documents } }"}
    first = client.get("/graphql", params=params)
    again = client.get("/graphql", params=params)
    assert (first.headers[CACHE], again.headers[CACHE]) == ("miss", "hit")
    assert again.content == first.content


def test_a_mutation_makes_the_next_read_a_miss_with_the_new_data(
    client: TestClient, tokens: dict[str, str]
) -> None:
    slug = _unique("mutated")
    _upsert(client, tokens["editor"], slug, "first")
    assert _post(client, ENTITY, slug=slug).headers[CACHE] == "miss"
    cached = _post(client, ENTITY, slug=slug)
    assert cached.headers[CACHE] == "hit"
    assert cached.json()["data"]["entity"]["description"] == "first"

    _upsert(client, tokens["editor"], slug, "second")
    after = _post(client, ENTITY, slug=slug)
    assert after.headers[CACHE] == "miss"
    assert after.json()["data"]["entity"]["description"] == "second"
    assert _post(client, ENTITY, slug=slug).headers[CACHE] == "hit"


def test_two_workers_never_serve_a_stale_answer(
    cached_settings: Settings, client: TestClient, tokens: dict[str, str]
) -> None:
    """Worker A is this process's app, worker B a uvicorn process of its own: each has its own
    cache, and they share nothing but Neo4j. Writes through either one are seen by the other."""
    slug = _unique("workers")
    editor = tokens["editor"]
    _upsert(client, editor, slug, "v0")
    payload = {"query": ENTITY, "variables": {"slug": slug}}
    with (
        running_server(cached_settings, KGAPI_READ_CACHE="true") as url,
        httpx.Client(base_url=url, timeout=30) as worker_b,
    ):

        def read_b() -> httpx.Response:
            response = worker_b.post("/graphql", json=payload)
            assert response.status_code == 200, response.text
            return response

        def upsert_b(description: str) -> None:
            response = worker_b.post(
                "/graphql",
                json={"query": UPSERT, "variables": {"input": _entity_input(slug, description)}},
                headers={"authorization": f"Bearer {editor}"},
            )
            assert response.json()["data"]["upsertEntity"]["userErrors"] == [], response.text

        for round_ in range(1, 4):
            # B has the current answer cached ...
            read_b()
            warm = read_b()
            assert warm.headers[CACHE] == "hit"
            # ... A writes; B's next answer is the new one, never the one it holds.
            _upsert(client, editor, slug, f"a{round_}")
            fresh = read_b()
            assert fresh.headers[CACHE] == "miss"
            assert fresh.json()["data"]["entity"]["description"] == f"a{round_}"
            # And the other way round: A caches, B writes, A answers anew.
            _post(client, ENTITY, slug=slug)
            assert _post(client, ENTITY, slug=slug).headers[CACHE] == "hit"
            upsert_b(f"b{round_}")
            seen_by_a = _post(client, ENTITY, slug=slug)
            assert seen_by_a.headers[CACHE] == "miss"
            assert seen_by_a.json()["data"]["entity"]["description"] == f"b{round_}"


def test_roles_and_variables_do_not_share_entries(
    client: TestClient, tokens: dict[str, str]
) -> None:
    def status(slug: str, token: str | None = None) -> str:
        response = _post(client, ENTITY, token, slug=slug)
        assert response.status_code == 200
        assert "errors" not in response.json(), response.text
        return response.headers[CACHE]

    assert status("pakistan") == "miss"
    assert status("kazakhstan") == "miss"  # other variables, other entry
    assert status("pakistan") == "hit"
    assert status("pakistan", tokens["reader"]) == "miss"  # same question, another role
    assert status("pakistan", tokens["reader"]) == "hit"
    assert status("pakistan", tokens["editor"]) == "miss"
    assert status("pakistan") == "hit"  # the anonymous entry is still its own
    # Variables are compared as values, not as text: their order does not matter.
    query = (
        "query($slug: String!, $lang: LanguageTag) { entity(slug: $slug) { name(lang: $lang) } }"
    )
    first = client.post(
        "/graphql", json={"query": query, "variables": {"slug": "pakistan", "lang": "bn"}}
    )
    again = client.post(
        "/graphql", json={"variables": {"lang": "bn", "slug": "pakistan"}, "query": query}
    )
    assert "errors" not in first.json(), first.text
    assert (first.headers[CACHE], again.headers[CACHE]) == ("miss", "hit")
    assert again.content == first.content


def test_errors_and_mutations_are_never_cached(client: TestClient, tokens: dict[str, str]) -> None:
    cache = _cache(client)
    too_big = "{ entities(first: 100000) { totalCount } }"  # BAD_USER_INPUT
    invalid = "{ stats { noSuchField } }"  # GRAPHQL_VALIDATION_FAILED
    unparsable = "{ stats { "  # GRAPHQL_PARSE_FAILED: not even looked up
    for query, outcome in ((too_big, "miss"), (invalid, "miss"), (unparsable, "bypass")):
        for _ in range(2):
            response = client.post("/graphql", json={"query": query})
            assert response.json()["errors"], response.text
            assert response.headers[CACHE] == outcome
    # The media type of the spec: a request error is a 400, and still not kept.
    for _ in range(2):
        response = _post(client, invalid, accept="application/graphql-response+json")
        assert response.status_code == 400
        assert response.headers[CACHE] == "miss"
    # A bad credential is refused every time, never answered from the cache.
    _post(client, ENTITY, slug="pakistan")
    for _ in range(2):
        refused = _post(client, ENTITY, "kgapi_nosuchkey_secret", slug="pakistan")
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert refused.headers[CACHE] == "bypass"
    # Mutations neither hit nor store, even when they repeat exactly.
    slug = _unique("never")
    for _ in range(2):
        _upsert(client, tokens["editor"], slug, "same")
    assert len(cache) == 1  # only the one good entity answer
    metrics = client.get("/metrics").text
    assert 'kgapi_read_cache_requests_total{result="bypass"}' in metrics
    assert "kgapi_read_cache_bytes" in metrics


def test_cache_off_says_off_and_stores_nothing(neo4j_settings: Settings, seeded: Database) -> None:
    assert neo4j_settings.read_cache is False  # the default
    with TestClient(create_app(neo4j_settings)) as off:
        assert _view(off).read_cache is None
        for _ in range(2):
            response = _post(off, ENTITY, slug="pakistan")
            assert response.status_code == 200
            assert response.headers[CACHE] == "off"
        assert _post(off, UPSERT, input=_entity_input(_unique("off"))).headers[CACHE] == "off"


async def test_the_cache_is_bounded_in_entries_and_bytes(seeded: Database) -> None:
    cache = ReadCache(max_entries=3, max_bytes=100, max_entry_bytes=60)
    keys = []
    for i in range(5):
        lookup = await cache.lookup(seeded, "{ stats { entities } }", None, {"i": i}, None, "r")
        assert lookup.status is CacheStatus.MISS
        assert cache.store(lookup, b"x" * 30)
        keys.append(lookup)
        assert len(cache) <= 3
        assert cache.size_bytes <= 100
    assert len(cache) == 3  # the two least recently used went
    oldest = await cache.lookup(seeded, "{ stats { entities } }", None, {"i": 0}, None, "r")
    newest = await cache.lookup(seeded, "{ stats { entities } }", None, {"i": 4}, None, "r")
    assert (oldest.status, newest.status) == (CacheStatus.MISS, CacheStatus.HIT)
    assert not cache.store(oldest, b"y" * 61)  # larger than one entry may be
    assert cache.store(oldest, b"y" * 60)
    assert cache.size_bytes <= 100
    # A subscription or a mutation is never even looked up.
    for document in ("subscription { graphChanged { seq } }", "mutation { x }"):
        skipped = await cache.lookup(seeded, document, None, None, None, "r")
        assert skipped.status is CacheStatus.BYPASS


class _HeldReads(Database):
    """The real database, except that an answered read waits for `release` before returning,
    as a slow network would hold it: a read that began before a write, still under way after."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.answered = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()

    async def read_once(
        self, text: LiteralString, parameters: Mapping[str, Any] | None = None
    ) -> list[neo4j.Record]:
        records = await super().read_once(text, parameters)
        self.answered.set()
        await self.release.wait()
        return records


async def test_a_lookup_never_shares_a_revision_read_that_began_before_it_came(
    neo4j_settings: Settings, seeded: Database
) -> None:
    """Lookups share revision reads, but one that starts after a write committed must not join
    a read that was already under way: that read may predate the write."""
    held = _HeldReads(neo4j_settings)
    try:
        cache = ReadCache(max_entries=10, max_bytes=10_000, max_entry_bytes=1_000)
        query = "{ stats { entities } }"
        stored = await cache.lookup(held, query, None, None, None, "r")
        assert cache.store(stored, b"before the write")

        held.release.clear()
        held.answered.clear()
        early = asyncio.create_task(cache.lookup(held, query, None, None, None, "r"))
        await held.answered.wait()  # its read has its answer (the old revision), held
        await seeded.write(BUMP_REVISION)  # a write commits
        late = asyncio.create_task(cache.lookup(held, query, None, None, None, "r"))
        await asyncio.sleep(0)  # the late lookup is now waiting for a revision
        held.release.set()

        assert (await early).status is CacheStatus.HIT  # it asked before the write: fine
        assert (await late).status is CacheStatus.MISS  # it asked after: never the old answer
    finally:
        await held.close()


async def test_the_seed_bumps_the_revision_when_it_changes_something(
    client: TestClient, seeded: Database
) -> None:
    query = '{ entity(slug: "pakistan") { name } }'
    assert client.post("/graphql", json={"query": query}).headers[CACHE] == "miss"
    assert client.post("/graphql", json={"query": query}).headers[CACHE] == "hit"

    unchanged = await _revision(seeded)
    report = await seed_database(seeded)
    assert not report.changed
    assert await _revision(seeded) == unchanged  # a seed that changes nothing keeps answers
    assert client.post("/graphql", json={"query": query}).headers[CACHE] == "hit"

    # Make the seed rewrite one sentence (same text, stale hash): a change, so a bump.
    await seeded.write(
        "MATCH (s:Sentence {key: $key}) SET s.content_hash = 'stale'", {"key": f"{DOC}#0"}
    )
    report = await seed_database(seeded)
    assert report.changed
    bumped = await _revision(seeded)
    assert bumped.value == unchanged.value + 1
    assert bumped.token != unchanged.token
    assert client.post("/graphql", json={"query": query}).headers[CACHE] == "miss"


async def test_every_write_path_bumps_the_revision(
    seeded: Database, cached_settings: Settings
) -> None:
    """The mutations' own functions (which `kgapi ingest` uses too), each in its transaction."""
    editor = Principal("test:read-cache", Role.EDITOR)
    slug = _unique("paths")
    before = await _revision(seeded)

    async def bumped_since(previous: Revision) -> Revision:
        now = await _revision(seeded)
        assert now.value > previous.value
        assert now.token != previous.token
        return now

    data = {
        "slug": slug,
        "kind": EntityKind.INITIATIVE.value,
        "names": [{"lang": "bn", "value": "যৌথ উদ্যোগ"}, {"lang": "en", "value": slug}],
        "aliases": [],
        "description": "write paths",
    }
    await upsert_entity(seeded, editor, data, [EvidenceInput(DOC, MENTION)])
    after_entity = await bumped_since(before)
    claim = await add_claim(
        seeded,
        editor,
        {
            "subject": slug,
            "predicate": "CONCERNS",
            "object": "transport-and-logistics",
            "status": "planned",
        },
        [
            EvidenceInput(
                DOC,
                "যৌথ উদ্যোগ বিকাশের পরিকল্পনা করছে",
                translation="are planning to develop joint ventures",
            )
        ],
    )
    after_claim = await bumped_since(after_entity)
    await retract_claim(seeded, editor, claim.target, "test")
    after_retract = await bumped_since(after_claim)
    await add_document(
        seeded,
        editor,
        cached_settings,
        {
            "slug": _unique("doc"),
            "language": "en",
            "title": "read cache test",
            "text": f"Shaqqaliev met Jam Kamal Khan. {uuid.uuid4().hex}.",
        },
        link_mentions=True,
    )
    await bumped_since(after_retract)


def test_malformed_requests_are_answered_by_graphql_not_by_the_cache(client: TestClient) -> None:
    for body in (
        {"query": "{ stats { entities } }", "operationName": {"not": "a string"}},
        {"query": "{ stats { entities } }", "operationName": ["x"]},
        {"query": {"not": "a string"}},
    ):
        response = client.post("/graphql", json=body)
        assert response.status_code in (200, 400), response.text
        assert response.headers.get(CACHE, "bypass") == "bypass"
