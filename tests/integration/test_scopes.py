"""Key scopes and the curator role, through a real uvicorn process over TCP: a scoped key may
call only its mutations and write only its slug namespace; a seeded claim (a curated fact) is
retracted only by a curator, never by an ordinary editor."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from kgapi.auth import MUTATIONS, Role, new_api_key
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.graphql.schema import build_schema
from kgapi.queries.graph_writes import MARK_SEEDED
from kgapi.queries.keys import create_key
from kgapi.seed import load_bundle
from tests.integration.graphql_helpers import claim_input as _claim
from tests.integration.graphql_helpers import delete_written
from tests.integration.graphql_helpers import entity_input as _entity
from tests.integration.live import running_server

PREFIX = "tsc-"  # every slug and key name this module writes starts with it
NAMESPACE = f"{PREFIX}acme-"

UPSERT = """mutation($input: UpsertEntityInput!) { upsertEntity(input: $input) {
  changed entity { slug } userErrors { field message code } } }"""
ADD_CLAIM = """mutation($input: AddClaimInput!) { addClaim(input: $input) {
  changed claim { claimId } userErrors { field message code } } }"""
RETRACT = """mutation($input: RetractClaimInput!) { retractClaim(input: $input) {
  changed claim { claimId status history { actor operation } } userErrors { field message } } }"""
CLAIM_STATUS = "query($id: String!) { claim(id: $id) { status } }"


async def _key(db: Database, role: Role, **scope: Any) -> str:
    key_id, token, hashed = new_api_key()
    await create_key(db, key_id, f"{PREFIX}{role.value}", role.value, hashed, **scope)
    return token


@pytest.fixture(scope="module", autouse=True)
async def _clean_up(seeded: Database) -> AsyncIterator[None]:
    yield
    await seeded.write(
        "MATCH (x:ApiKey) WHERE x.name STARTS WITH $p DETACH DELETE x",
        {"p": PREFIX},
    )
    await delete_written(seeded, PREFIX)


@pytest.fixture(scope="module")
async def tokens(seeded: Database) -> dict[str, str]:
    return {
        "scoped": await _key(
            seeded, Role.EDITOR, mutations=["upsertEntity"], namespaces=[NAMESPACE]
        ),
        "editor": await _key(seeded, Role.EDITOR),
        "curator": await _key(seeded, Role.CURATOR),
    }


@pytest.fixture(scope="module")
def url(neo4j_settings: Settings, seeded: Database) -> Iterator[str]:
    with running_server(neo4j_settings) as base:
        yield base


def _gql(url: str, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        f"{url}/graphql",
        json={"query": query, "variables": variables},
        headers=headers,
        timeout=120,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _forbidden(body: dict[str, Any]) -> str:
    """The message of the one FORBIDDEN error in `body` (fails if there is none)."""
    errors = body.get("errors") or []
    assert [e["extensions"]["code"] for e in errors] == ["FORBIDDEN"], body
    message: str = errors[0]["message"]
    return message


def test_the_scope_names_every_mutation_of_the_schema() -> None:
    """`--scope mutation:NAME` is checked against kgapi.auth.MUTATIONS: it must be the schema's
    Mutation type, or a new mutation could not be granted (or a typo would be accepted)."""
    schema = build_schema(Settings())
    mutation = schema.get_type_by_name("Mutation")
    assert mutation is not None
    fields = {f.graphql_name or f.python_name for f in mutation.fields}  # type: ignore[union-attr]
    camel = {"".join([n.split("_")[0], *(p.title() for p in n.split("_")[1:])]) for n in fields}
    assert camel == set(MUTATIONS)
    assert [r.value for r in Role] == ["reader", "editor", "curator", "admin"]


def test_a_scoped_key_may_call_only_its_mutations(url: str, tokens: dict[str, str]) -> None:
    subject = f"{NAMESPACE}claims-{uuid.uuid4().hex[:8]}"
    made = _gql(url, UPSERT, tokens["editor"], input=_entity(subject))
    assert made["data"]["upsertEntity"]["userErrors"] == [], made

    body = _gql(url, ADD_CLAIM, tokens["scoped"], input=_claim(subject))
    message = _forbidden(body)
    assert "mutation:addClaim" in message and "mutation:upsertEntity" in message
    assert body["data"] is None
    # the same claim from an unscoped editor goes through: the refusal was the scope's
    allowed = _gql(url, ADD_CLAIM, tokens["editor"], input=_claim(subject))
    assert allowed["data"]["addClaim"]["changed"] is True, allowed


def test_a_scoped_key_may_write_only_its_namespace(url: str, tokens: dict[str, str]) -> None:
    outside = f"{PREFIX}other-{uuid.uuid4().hex[:8]}"
    body = _gql(url, UPSERT, tokens["scoped"], input=_entity(outside))
    message = _forbidden(body)
    assert f"namespace:{NAMESPACE}" in message and outside in message
    assert _gql(url, "query($s: String!) { entity(slug: $s) { slug } }", s=outside)["data"] == {
        "entity": None
    }

    inside = f"{NAMESPACE}{uuid.uuid4().hex[:8]}"
    ok = _gql(url, UPSERT, tokens["scoped"], input=_entity(inside))
    assert ok["data"]["upsertEntity"] == {
        "changed": True,
        "entity": {"slug": inside},
        "userErrors": [],
    }


async def test_every_seed_claim_carries_the_marker(seeded: Database) -> None:
    ids = [claim.id for claim in load_bundle().claims]
    records = await seeded.read(
        "UNWIND $ids AS id MATCH (c:Claim {id: id}) RETURN count(c) AS all, "
        "count(CASE WHEN c.seeded THEN 1 END) AS marked",
        {"ids": ids},
    )
    assert records[0]["all"] == len(ids) > 0
    assert records[0]["marked"] == len(ids)


def test_an_editor_cannot_retract_a_seeded_claim(url: str, tokens: dict[str, str]) -> None:
    seeded_claim = next(c for c in load_bundle().claims if c.status.value != "retracted")
    before = _gql(url, CLAIM_STATUS, id=seeded_claim.id)["data"]["claim"]["status"]

    body = _gql(
        url, RETRACT, tokens["editor"], input={"id": seeded_claim.id, "reason": "editor try"}
    )
    message = _forbidden(body)
    assert "curator" in message and seeded_claim.id in message
    assert _gql(url, CLAIM_STATUS, id=seeded_claim.id)["data"]["claim"]["status"] == before


async def test_a_curator_retracts_a_seeded_claim(
    url: str, tokens: dict[str, str], seeded: Database
) -> None:
    """On a claim of this test's own, marked as the seed marks its claims (retracting one of
    the real seed's claims would change the graph other tests read)."""
    subject = f"{PREFIX}curated-{uuid.uuid4().hex[:8]}"
    assert _gql(url, UPSERT, tokens["editor"], input=_entity(subject))["data"]["upsertEntity"][
        "changed"
    ]
    added = _gql(url, ADD_CLAIM, tokens["editor"], input=_claim(subject))
    claim_id = added["data"]["addClaim"]["claim"]["claimId"]
    await seeded.write(MARK_SEEDED, {"rows": [{"id": claim_id}]})

    refused = _gql(url, RETRACT, tokens["editor"], input={"id": claim_id, "reason": "no"})
    assert "curator role" in _forbidden(refused)

    done = _gql(url, RETRACT, tokens["curator"], input={"id": claim_id, "reason": "curated"})
    claim = done["data"]["retractClaim"]["claim"]
    assert done["data"]["retractClaim"]["changed"] is True, done
    assert claim["status"] == "RETRACTED"
    assert claim["history"][-1]["operation"] == "RETRACT_CLAIM"
    assert claim["history"][-1]["actor"].startswith("key:")


def test_keys_create_takes_scopes(neo4j_settings: Settings, url: str) -> None:
    env = {
        **os.environ,
        "NEO4J_URI": neo4j_settings.effective_uri,
        "NEO4J_PASSWORD": neo4j_settings.neo4j_password,
        "COLUMNS": "200",
    }

    def kgapi(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kgapi", *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )

    name = f"{PREFIX}cli"
    created = kgapi(
        "keys",
        "create",
        "--role",
        "editor",
        "--name",
        name,
        "--scope",
        "mutation:upsertEntity",
        "--scope",
        f"namespace:{NAMESPACE}",
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    listed = kgapi("keys", "list")
    assert f"mutation:upsertEntity namespace:{NAMESPACE}" in listed.stdout

    refused = _gql(url, ADD_CLAIM, token, input=_claim("pakistan"))
    assert "mutation:addClaim" in _forbidden(refused)

    bad = kgapi("keys", "create", "--role", "editor", "--name", name, "--scope", "mutation:drop")
    assert bad.returncode == 1 and "unknown mutation 'drop'" in bad.stderr
    bad = kgapi("keys", "create", "--role", "editor", "--name", name, "--scope", "ns:acme-")
    assert bad.returncode == 1 and "use mutation:NAME" in bad.stderr
