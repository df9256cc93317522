"""The write API through HTTP against the real Neo4j: roles, validation, idempotency, conflicts,
concurrency, the audit trail, the change feed and document ingestion."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.testclient import TestClient

from kgapi.app import create_app
from kgapi.auth import new_api_key
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.queries.keys import create_key, revoke_key
from tests.integration.graphql_helpers import claim_input as _claim_input
from tests.integration.graphql_helpers import delete_written, document_mentions
from tests.integration.graphql_helpers import entity_input as _entity_input
from tests.integration.live import running_server

DOC = "pk-kz-economic-ties-2025"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
JWT_SECRET = "test-secret-that-is-long-enough-for-hs256"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_PUBLIC = (
    RSA_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


TEST_PREFIX = "wt-"  # every slug these tests create starts with it; the module cleans up


def _unique(prefix: str) -> str:
    return f"{TEST_PREFIX}{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module", autouse=True)
async def _clean_up(seeded: Database) -> AsyncIterator[None]:
    """Remove what this module wrote, so that other modules see the seed graph only."""
    yield
    await seeded.write(
        "MATCH (x) WHERE (x:ApiKey AND x.name STARTS WITH 'test-') "
        "OR (x:IdempotencyRecord AND x.scoped_key CONTAINS ':key-' + $p) DETACH DELETE x",
        {"p": TEST_PREFIX},
    )
    await delete_written(seeded, TEST_PREFIX)


def _jwt(
    role: str = "editor",
    *,
    sub: str = "partner-1",
    expires_in: int = 300,
    algorithm: str = "HS256",
    key: Any = JWT_SECRET,
) -> str:
    return jwt.encode(
        {"sub": sub, "role": role, "exp": int(time.time()) + expires_in}, key, algorithm=algorithm
    )


@pytest.fixture(scope="module")
def write_settings(neo4j_settings: Settings) -> Settings:
    return neo4j_settings.model_copy(
        update={
            "jwt_secret": JWT_SECRET,
            "jwt_public_key": RSA_PUBLIC,
            "max_document_bytes": 20_000,
        }
    )


@pytest.fixture(scope="module")
async def tokens(seeded: Database) -> dict[str, str]:
    """One API key per role, plus a revoked one."""
    made: dict[str, str] = {}
    for role in ("reader", "editor", "admin", "revoked"):
        key_id, token, hashed = new_api_key()
        await create_key(
            seeded, key_id, f"test-{role}", "editor" if role == "revoked" else role, hashed
        )
        if role == "revoked":
            await revoke_key(seeded, key_id)
        made[role] = token
    return made


@pytest.fixture(scope="module")
def client(write_settings: Settings, seeded: Database) -> Iterator[TestClient]:
    with TestClient(create_app(write_settings)) as test_client:
        yield test_client


def _gql(client: TestClient, query: str, token: str | None = None, **variables: Any) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _size(db: Database) -> tuple[int, int]:
    records = await db.read(
        "CALL () { MATCH (n) RETURN count(n) AS n } "
        "CALL () { MATCH ()-[r]->() RETURN count(r) AS r } RETURN n, r"
    )
    return int(records[0]["n"]), int(records[0]["r"])


UPSERT = """mutation($input: UpsertEntityInput!) { upsertEntity(input: $input) {
  changed entity { slug revision name } userErrors { field message code } } }"""
ADD_CLAIM = """mutation($input: AddClaimInput!) { addClaim(input: $input) {
  changed claim { claimId type status evidence { quote start end sentenceIndex }
    history { actor operation } }
  userErrors { field message code } } }"""
RETRACT = """mutation($input: RetractClaimInput!) { retractClaim(input: $input) {
  changed claim { claimId status history { actor operation before after } }
  userErrors { field message code } } }"""
ADD_DOC = """mutation($input: DocumentInput!) { addDocument(input: $input) {
  changed document { slug language text } mentionsLinked candidates { text }
  userErrors { field message code } } }"""
INGEST = """mutation($input: DocumentInput!) { ingestDocument(input: $input) {
  changed document { slug language text } mentionsLinked candidates { text sentenceIndex }
  userErrors { field message code } } }"""


def _new_entity(client: TestClient, token: str) -> str:
    slug = _unique("w-entity")
    body = _gql(client, UPSERT, token, input=_entity_input(slug))
    assert body["data"]["upsertEntity"]["userErrors"] == [], body
    return slug


def _new_claim(client: TestClient, token: str) -> str:
    slug = _new_entity(client, token)
    body = _gql(client, ADD_CLAIM, token, input=_claim_input(slug))
    assert body["data"]["addClaim"]["userErrors"] == [], body
    return str(body["data"]["addClaim"]["claim"]["claimId"])


def _mutation_cases(client: TestClient, editor: str) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        "upsertEntity": (UPSERT, _entity_input(_unique("role"))),
        "addClaim": (ADD_CLAIM, _claim_input(_new_entity(client, editor))),
        "retractClaim": (RETRACT, {"id": _new_claim(client, editor), "reason": "test"}),
        "addDocument": (
            ADD_DOC,
            {
                "text": f"A role test {uuid.uuid4().hex}.",
                "language": "en",
                "title": "role test",
                "slug": _unique("doc"),
            },
        ),
        "ingestDocument": (
            INGEST,
            {
                "text": f"Pakistan role test {uuid.uuid4().hex}.",
                "language": "en",
                "title": "role test",
                "slug": _unique("doc"),
            },
        ),
    }


@pytest.mark.parametrize(
    "role,expected",
    [
        (None, "UNAUTHENTICATED"),
        ("reader", "FORBIDDEN"),
        ("editor", None),
        ("admin", None),
        ("jwt-reader", "FORBIDDEN"),
        ("jwt-editor", None),
        ("jwt-rs256-admin", None),
    ],
)
@pytest.mark.parametrize(
    "mutation", ["upsertEntity", "addClaim", "retractClaim", "addDocument", "ingestDocument"]
)
async def test_every_role_and_every_mutation(
    client: TestClient,
    tokens: dict[str, str],
    seeded: Database,
    mutation: str,
    role: str | None,
    expected: str | None,
) -> None:
    token = {
        None: None,
        "reader": tokens.get("reader"),
        "editor": tokens.get("editor"),
        "admin": tokens.get("admin"),
        "jwt-reader": _jwt("reader"),
        "jwt-editor": _jwt("editor"),
        "jwt-rs256-admin": _jwt("admin", algorithm="RS256", key=RSA_KEY),
    }[role]
    query, variables = _mutation_cases(client, tokens["editor"])[mutation]
    before = await _size(seeded)
    body = _gql(client, query, token, input=variables)
    if expected is None:
        assert body["data"][mutation]["userErrors"] == [], body
        assert body["data"][mutation]["changed"] is True
    else:
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == expected, body
        assert await _size(seeded) == before


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "wrong-signature",
        "alg-none",
        "malformed",
        "revoked-key",
        "unknown-key",
        "not-bearer",
        "bad-role",
    ],
)
async def test_bad_credentials_are_unauthenticated_and_write_nothing(
    client: TestClient, tokens: dict[str, str], seeded: Database, case: str
) -> None:
    header = {
        "expired": f"Bearer {_jwt(expires_in=-10)}",
        "wrong-signature": f"Bearer {_jwt(key='another-secret-that-is-long-enough-too')}",
        "alg-none": "Bearer "
        + jwt.encode(
            {"sub": "x", "role": "admin", "exp": int(time.time()) + 60}, None, algorithm="none"
        ),
        "malformed": "Bearer not-a-token",
        "revoked-key": f"Bearer {tokens['revoked']}",
        "unknown-key": "Bearer kgapi_0123456789ab_secret",
        "not-bearer": f"Basic {tokens['editor']}",
        "bad-role": f"Bearer {_jwt('superuser')}",
    }[case]
    before = await _size(seeded)
    response = client.post(
        "/graphql",
        json={"query": UPSERT, "variables": {"input": _entity_input(_unique("abuse"))}},
        headers={"authorization": header},
    )
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
    assert await _size(seeded) == before
    # A bad credential is refused for reads too, even though anonymous reads are allowed.
    read = client.post(
        "/graphql", json={"query": "{ stats { entities } }"}, headers={"authorization": header}
    ).json()
    assert read["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_anonymous_reads_can_be_turned_off(
    write_settings: Settings, tokens: dict[str, str], seeded: Database
) -> None:
    closed = write_settings.model_copy(update={"allow_anonymous_reads": False})
    with TestClient(create_app(closed)) as strict:
        anonymous = _gql(strict, "{ stats { entities } }")
        assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        reader = _gql(strict, "{ stats { entities } }", tokens["reader"])
        assert reader["data"]["stats"]["entities"] > 0


@pytest.mark.parametrize(
    "case",
    [
        "unknown-slug",
        "offsets-mismatch",
        "quote-not-found",
        "ambiguous-quote",
        "retracted-status",
        "bad-slug",
        "unknown-document",
    ],
)
async def test_bad_input_names_the_field_and_writes_nothing(
    client: TestClient, tokens: dict[str, str], seeded: Database, case: str
) -> None:
    subject = _new_entity(client, tokens["editor"])
    query, data, field = {
        "unknown-slug": (ADD_CLAIM, _claim_input("atlantis"), "subject"),
        "offsets-mismatch": (
            ADD_CLAIM,
            _claim_input(
                subject,
                evidence=[
                    {
                        "document": DOC,
                        "quote": "যৌথ উদ্যোগ",
                        "start": 0,
                        "end": 10,
                        "translation": "x",
                    }
                ],
            ),
            "evidence[0].quote",
        ),
        "quote-not-found": (
            ADD_CLAIM,
            _claim_input(
                subject,
                evidence=[{"document": DOC, "quote": "not in the text", "translation": "x"}],
            ),
            "evidence[0].quote",
        ),
        "ambiguous-quote": (
            ADD_CLAIM,
            _claim_input(
                subject, evidence=[{"document": DOC, "quote": "পাকিস্তান", "translation": "x"}]
            ),
            "evidence[0].quote",
        ),
        "retracted-status": (ADD_CLAIM, _claim_input(subject, status="RETRACTED"), "status"),
        "bad-slug": (UPSERT, _entity_input("Not A Slug!"), "slug"),
        "unknown-document": (
            UPSERT,
            {
                **_entity_input(_unique("e")),
                "mentions": [{"document": "no-such-doc", "quote": "x"}],
            },
            "mentions[0].document",
        ),
    }[case]
    before = await _size(seeded)
    body = _gql(client, query, tokens["editor"], input=data)
    payload = next(iter(body["data"].values()))
    errors = payload["userErrors"]
    assert errors and errors[0]["code"] == "BAD_USER_INPUT", body
    assert any(e["field"] == field for e in errors), errors
    assert await _size(seeded) == before


@pytest.mark.parametrize("case", ["too-large", "lone-surrogate", "empty", "ill-formed-language"])
async def test_bad_documents_are_rejected(
    client: TestClient, tokens: dict[str, str], seeded: Database, case: str
) -> None:
    text = {
        "too-large": "ক" * 10_000,
        "lone-surrogate": "bad \ud800 text.",
        "empty": "  ",
        "ill-formed-language": "A text.",
    }[case]
    # `xx` is no tag at all (documents in any language are stored: test_any_language.py).
    language = {"ill-formed-language": "xx"}.get(case, "en")
    before = await _size(seeded)
    # Sent as ASCII JSON so that a lone surrogate arrives as the escape "\\ud800".
    raw = json.dumps(
        {
            "query": INGEST,
            "variables": {"input": {"text": text, "language": language, "title": "t"}},
        }
    )
    response = client.post(
        "/graphql",
        content=raw,
        headers={"content-type": "application/json", "authorization": f"Bearer {tokens['editor']}"},
    )
    if case == "lone-surrogate":
        # Not Unicode text, so not JSON text either: refused as the body is parsed.
        assert response.status_code == 400 and "surrogate" in response.text, response.text
        assert await _size(seeded) == before
        return
    body = response.json()
    if case == "ill-formed-language":
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", body
        assert "'xx' is not a BCP 47 language tag" in error["message"], body
        assert await _size(seeded) == before
        return
    errors = body["data"]["ingestDocument"]["userErrors"]
    assert errors and errors[0]["field"] in {"text", "language"}, errors
    assert await _size(seeded) == before


async def test_retries_are_idempotent(
    client: TestClient, tokens: dict[str, str], seeded: Database
) -> None:
    slug = _unique("idem")
    data = _entity_input(slug, idempotencyKey=f"key-{slug}")
    first = _gql(client, UPSERT, tokens["editor"], input=data)["data"]["upsertEntity"]
    before = await _size(seeded)
    again = _gql(client, UPSERT, tokens["editor"], input=data)["data"]["upsertEntity"]
    # A replay is the first answer again (issue 13: it used to say `changed: false`), and it
    # writes nothing.
    assert first["changed"] is True and again == first
    assert await _size(seeded) == before
    # The same key for a different request is refused.
    other = _gql(client, UPSERT, tokens["editor"], input={**data, "description": "changed"})[
        "data"
    ]["upsertEntity"]
    assert other["userErrors"][0]["field"] == "idempotencyKey"
    # Without a key, natural keys make a repeated claim a no-op.
    claim = _claim_input(slug)
    one = _gql(client, ADD_CLAIM, tokens["editor"], input=claim)["data"]["addClaim"]
    before = await _size(seeded)
    two = _gql(client, ADD_CLAIM, tokens["editor"], input=claim)["data"]["addClaim"]
    assert one["claim"]["claimId"] == two["claim"]["claimId"] and two["changed"] is False
    assert await _size(seeded) == before


async def test_a_stale_revision_is_a_conflict(
    client: TestClient, tokens: dict[str, str], seeded: Database
) -> None:
    slug = _new_entity(client, tokens["editor"])
    update = _entity_input(slug, description="second", expectedRevision=1)
    ok = _gql(client, UPSERT, tokens["editor"], input=update)["data"]["upsertEntity"]
    assert ok["entity"]["revision"] == 2
    before = await _size(seeded)
    stale = _entity_input(slug, description="lost update?", expectedRevision=1)
    refused = _gql(client, UPSERT, tokens["editor"], input=stale)["data"]["upsertEntity"]
    assert refused["userErrors"][0]["code"] == "CONFLICT"
    assert refused["userErrors"][0]["field"] == "expectedRevision"
    assert await _size(seeded) == before
    records = await seeded.read(
        "MATCH (e:Entity {slug: $s}) RETURN e.description AS d", {"s": slug}
    )
    assert records[0]["d"] == "second"


# --- a real server in another process: true concurrency, and a feed across processes -------


@pytest.fixture(scope="module")
def live_server(write_settings: Settings, seeded: Database) -> Iterator[str]:
    with running_server(write_settings, workers=2, KGAPI_JWT_SECRET=JWT_SECRET) as url:
        yield url


@pytest.fixture
async def http(live_server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as client:
        yield client


async def test_concurrent_upserts_of_one_new_slug_make_one_node(
    http: httpx.AsyncClient, tokens: dict[str, str], seeded: Database
) -> None:
    slug = _unique("race")
    headers = {"authorization": f"Bearer {tokens['editor']}"}

    async def upsert(i: int) -> dict[str, Any]:
        data = _entity_input(slug, description=f"writer {i}")
        response = await http.post(
            "/graphql", headers=headers, json={"query": UPSERT, "variables": {"input": data}}
        )
        return dict(response.json())

    results = await asyncio.gather(*(upsert(i) for i in range(8)))
    assert all("errors" not in r for r in results), results
    records = await seeded.read(
        "MATCH (e:Entity {slug: $s}) RETURN count(e) AS n, max(e.revision) AS revision", {"s": slug}
    )
    assert records[0]["n"] == 1
    changes = await seeded.read(
        "MATCH (ev:ChangeEvent {target_id: $s}) RETURN count(ev) AS n", {"s": slug}
    )
    # every change that happened was recorded once, and revisions count them exactly
    assert records[0]["revision"] == changes[0]["n"]


async def test_concurrent_edits_with_the_same_revision_never_lose_an_update(
    http: httpx.AsyncClient, tokens: dict[str, str], seeded: Database
) -> None:
    slug = _unique("lost")
    headers = {"authorization": f"Bearer {tokens['editor']}"}
    await http.post(
        "/graphql",
        headers=headers,
        json={"query": UPSERT, "variables": {"input": _entity_input(slug)}},
    )

    async def edit(i: int) -> dict[str, Any]:
        data = _entity_input(slug, description=f"edit {i}", expectedRevision=1)
        response = await http.post(
            "/graphql", headers=headers, json={"query": UPSERT, "variables": {"input": data}}
        )
        return dict(response.json()["data"]["upsertEntity"])

    results = await asyncio.gather(*(edit(i) for i in range(6)))
    winners = [r for r in results if not r["userErrors"]]
    losers = [r for r in results if r["userErrors"]]
    assert len(winners) == 1
    assert all(r["userErrors"][0]["code"] == "CONFLICT" for r in losers)


def test_audit_trail_and_claim_history(client: TestClient, tokens: dict[str, str]) -> None:
    claim_id = _new_claim(client, tokens["editor"])
    retracted = _gql(
        client, RETRACT, tokens["admin"], input={"id": claim_id, "reason": "the source was misread"}
    )
    payload = retracted["data"]["retractClaim"]
    assert payload["claim"]["status"] == "RETRACTED"
    history = payload["claim"]["history"]
    assert [h["operation"] for h in history] == ["ADD_CLAIM", "RETRACT_CLAIM"]
    assert history[0]["actor"] != history[1]["actor"]  # editor asserted, admin retracted
    assert history[1]["before"]["status"] == "planned"
    assert history[1]["after"]["status"] == "retracted"
    assert history[1]["after"]["retracted_reason"] == "the source was misread"
    # Retracted: gone from traversal, still readable by id with its history.
    subject = client.post(
        "/graphql",
        json={
            "query": """query($id: String!) { claim(id: $id) {
      source { relations(type: CONCERNS) { totalCount } } } }""",
            "variables": {"id": claim_id},
        },
    )
    assert subject.json()["data"]["claim"]["source"]["relations"]["totalCount"] == 0
    actor = history[1]["actor"]
    changes = _gql(
        client,
        """query($actor: String) { changes(actor: $actor, first: 50) {
      totalCount edges { node { actor operation targetId at } } } }""",
        tokens["reader"],  # the audit trail needs a token (KGAPI_AUDIT_TRAIL_PUBLIC opens it)
        actor=actor,
    )
    nodes = [e["node"] for e in changes["data"]["changes"]["edges"]]
    assert any(n["targetId"] == claim_id and n["operation"] == "RETRACT_CLAIM" for n in nodes)
    assert all(n["actor"] == actor for n in nodes)


def test_a_subscriber_receives_a_change_made_by_another_process(
    client: TestClient, live_server: str, tokens: dict[str, str]
) -> None:
    slug = _unique("feed")
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        # `actor` is the audit trail: a reader's token in connection_init may read it.
        init = {"authorization": f"Bearer {tokens['reader']}"}
        ws.send_json({"type": "connection_init", "payload": init})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {
                    # From the start of the trail: the write below is delivered whether it
                    # commits before or after the feed has taken its starting point.
                    "query": "subscription { graphChanged(kinds: [INITIATIVE], afterSeq: 0) "
                    "{ seq actor operation targetId kinds } }"
                },
            }
        )
        response = httpx.post(
            f"{live_server}/graphql",
            headers={"authorization": f"Bearer {tokens['editor']}"},
            json={"query": UPSERT, "variables": {"input": _entity_input(slug)}},
        )
        assert response.status_code == 200 and "errors" not in response.json()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            message = ws.receive_json()
            assert message["type"] == "next", message
            event = message["payload"]["data"]["graphChanged"]
            if event["targetId"] == slug:
                assert event["operation"] == "UPSERT_ENTITY"
                assert event["kinds"] == ["INITIATIVE"]
                break
        else:
            pytest.fail("no change event arrived")
        ws.send_json({"id": "1", "type": "complete"})


def test_an_anonymous_subscriber_cannot_read_who_wrote(client: TestClient) -> None:
    """The change feed shows the same audit trail as `changes`: `actor` (key ids, JWT subjects)
    needs a token, while what changed stays readable for anonymous subscribers."""
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        assert ws.receive_json()["type"] == "connection_ack"
        for sub_id, fields in (("who", "seq actor"), ("what", "seq operation")):
            query = f"subscription {{ graphChanged(afterSeq: 0) {{ {fields} }} }}"
            ws.send_json({"id": sub_id, "type": "subscribe", "payload": {"query": query}})
        first: dict[str, dict[str, Any]] = {}
        while len(first) < 2:  # both replay the trail: take each one's first event
            message = ws.receive_json()
            assert message["type"] == "next", message
            first.setdefault(message["id"], message["payload"])
        errors = first["who"]["errors"]
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED", errors
        assert "audit trail" in errors[0]["message"]
        assert "errors" not in first["what"], first["what"]
        assert first["what"]["data"]["graphChanged"]["seq"] >= 1


INGESTED_ENTITIES = """query($slug: String!) { entity(slug: $slug) { slug } }"""


@pytest.mark.parametrize("fixture,language", [("ingest_bn.txt", "bn"), ("ingest_en.txt", "en")])
async def test_ingesting_a_new_document_links_mentions_and_reports_candidates(
    client: TestClient, tokens: dict[str, str], seeded: Database, fixture: str, language: str
) -> None:
    text = (FIXTURES / fixture).read_text("utf-8")
    slug = _unique(f"ingest-{language}")
    claims_before = await seeded.read("MATCH (c:Claim) RETURN count(c) AS n")
    body = _gql(
        client,
        INGEST,
        tokens["editor"],
        input={"text": text, "language": language, "title": f"test {language}", "slug": slug},
    )
    payload = body["data"]["ingestDocument"]
    assert payload["userErrors"] == [] and payload["changed"] is True
    assert payload["document"]["text"] == text
    mentions = await document_mentions(seeded, slug)
    assert {
        "pakistan",
        "kazakhstan",
        "jam-kamal-khan",
        "arman-shakkaliyev",
        "transit-trade-agreement",
    } <= set(mentions)
    if language == "en":
        assert "Shaqqaliev" in mentions["arman-shakkaliyev"]  # an alias spelling
        assert "Customs Today Newspaper" in [c["text"] for c in payload["candidates"]]
    else:
        assert "পাকিস্তানের" in mentions["pakistan"]  # a Bengali case ending
        assert payload["candidates"]
    claims_after = await seeded.read("MATCH (c:Claim) RETURN count(c) AS n")
    assert claims_after == claims_before  # ingestion never invents claims
    # The same text again changes nothing.
    before = await _size(seeded)
    again = _gql(
        client,
        INGEST,
        tokens["editor"],
        input={"text": text, "language": language, "title": "again"},
    )
    assert again["data"]["ingestDocument"]["changed"] is False
    assert again["data"]["ingestDocument"]["document"]["slug"] == slug
    assert await _size(seeded) == before


# The valid evidence of `_claim_input`, so that only the model's rules can refuse these claims.
_GOOD_EVIDENCE = _claim_input("x")["evidence"]


async def test_a_claim_outside_its_predicates_domain_and_range_is_refused(
    client: TestClient, tokens: dict[str, str], seeded: Database
) -> None:
    """kgapi.model gives HOLDS_OFFICE the subject kind Person and the object kind Office."""
    before = await _size(seeded)
    claim = {
        "subject": "islamabad",  # a City
        "predicate": "HOLDS_OFFICE",
        "object": "pakistan",  # a Country
        "status": "STATED",
        "evidence": _GOOD_EVIDENCE,
    }
    payload = _gql(client, ADD_CLAIM, tokens["editor"], input=claim)["data"]["addClaim"]
    assert payload["claim"] is None and payload["changed"] is False
    errors = {e["field"]: e for e in payload["userErrors"]}
    assert set(errors) == {"subject", "object"}, payload
    subject, obj = errors["subject"]["message"], errors["object"]["message"]
    for message, wrong, allowed in ((subject, "City", "Person"), (obj, "Country", "Office")):
        assert wrong in message and "HOLDS_OFFICE" in message and allowed in message, message
    assert {e["code"] for e in errors.values()} == {"BAD_USER_INPUT"}
    assert await _size(seeded) == before


async def test_every_problem_of_a_claim_is_reported_at_once(
    client: TestClient, tokens: dict[str, str], seeded: Database
) -> None:
    before = await _size(seeded)
    claim = {
        "subject": "islamabad",  # a City; EXPORTS wants a Country
        "predicate": "EXPORTS",
        "object": "atlantis",  # no such entity
        "status": "POSSIBLE",
        "rank": "NORMAL",
        "qualifiers": {
            "destination": "karachi",  # an entity qualifier naming a City, not a Country
            "colour": "red",  # EXPORTS has no such qualifier
        },
        "evidence": [
            {"document": DOC, "quote": "not in the text", "translation": "x"},
            {"document": "no-such-doc", "quote": "x", "translation": "x"},
        ],
    }
    payload = _gql(client, ADD_CLAIM, tokens["editor"], input=claim)["data"]["addClaim"]
    fields = [e["field"] for e in payload["userErrors"]]
    assert set(fields) == {
        "subject",
        "object",
        "qualifiers.destination",
        "qualifiers.colour",
        "evidence[0].quote",
        "evidence[1].document",
    }, payload
    assert len(fields) == len(set(fields)), "each problem once"
    messages = {e["field"]: e["message"] for e in payload["userErrors"]}
    assert "unknown entity 'atlantis'" in messages["object"]
    assert "City" in messages["qualifiers.destination"]
    assert "Country" in messages["qualifiers.destination"]
    assert "destination" in messages["qualifiers.colour"]  # names the allowed qualifiers
    assert await _size(seeded) == before
    # A status or rank outside the vocabulary is the schema's to refuse, naming each one.
    claim = {**claim, "predicate": "LIKES", "status": "maybe", "rank": "sometimes"}
    body = _gql(client, ADD_CLAIM, tokens["editor"], input=claim)
    assert body.get("data") is None
    problems = " ".join(e["message"] for e in body["errors"])
    assert "ClaimStatus" in problems and "'maybe'" in problems, body
    assert "ClaimRank" in problems and "'sometimes'" in problems, body
    assert "Predicate" in problems and "'LIKES'" in problems, body
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}, body
    assert await _size(seeded) == before


async def test_a_qualifier_of_the_wrong_type_is_refused(
    client: TestClient, tokens: dict[str, str], seeded: Database
) -> None:
    before = await _size(seeded)
    claim = {
        "subject": "kazakhstan-turkmenistan-afghanistan-pakistan-corridor",
        "predicate": "ROUTE_INCLUDES",
        "object": "uzbekistan",
        "status": "STATED",
        "qualifiers": {"position": "first"},
        "evidence": _GOOD_EVIDENCE,
    }
    payload = _gql(client, ADD_CLAIM, tokens["editor"], input=claim)["data"]["addClaim"]
    assert [e["field"] for e in payload["userErrors"]] == ["qualifiers.position"], payload
    assert "integer" in payload["userErrors"][0]["message"]
    assert await _size(seeded) == before
