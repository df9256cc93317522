"""Property-based fuzzing: valid queries generated from our own SDL (hypothesis-graphql).

No response may be an HTTP 500, carry an unmasked internal error, or an error without
`extensions.code`. `make test` runs a short version; `make test-soak` runs thousands.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema
from starlette.testclient import TestClient

from kgapi.db import Database
from kgapi.graphql.sdl import SDL_FILE
from tests.graphql_scalars import CUSTOM_SCALARS

SDL = SDL_FILE.read_text("utf-8")
EXAMPLES = int(os.environ.get("KGAPI_FUZZ_EXAMPLES", "150"))
INTERNAL_MARKERS = ("Traceback", "neo4j.exceptions", "Cypher", 'File "')


def _check(client: TestClient, query: str) -> None:
    response = client.post("/graphql", json={"query": query})
    assert response.status_code < 500, (query, response.text[:500])
    if response.status_code != 200:
        return
    body = response.json()
    for error in body.get("errors", []):
        code = (error.get("extensions") or {}).get("code")
        assert code, (query, error)
        assert not any(m in error["message"] for m in INTERNAL_MARKERS), (query, error)
        assert code != "INTERNAL_SERVER_ERROR", (query, error)


@settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
@given(data=st.data())
def test_generated_queries_never_fail_the_server(client: TestClient, data: st.DataObject) -> None:
    query = data.draw(from_schema(SDL, fields=None, custom_scalars=CUSTOM_SCALARS))
    _check(client, query)


@pytest.fixture(scope="module")
async def editor_token(seeded: Database) -> object:
    """An editor key for fuzzing mutations; whatever the fuzzer manages to write is removed."""
    from kgapi.auth import new_api_key
    from kgapi.queries.keys import create_key

    key_id, token, hashed = new_api_key()
    await create_key(seeded, key_id, "test-fuzz", "editor", hashed)
    yield token
    actor = f"key:{key_id}"
    await seeded.write(
        "MATCH (ev:ChangeEvent {actor: $actor}) OPTIONAL MATCH (ev)-[:CHANGED]->(t) "
        "OPTIONAL MATCH (s:Sentence)-[:PART_OF]->(t) DETACH DELETE s, t, ev",
        {"actor": actor},
    )
    await seeded.write("MATCH (k:ApiKey {id: $id}) DETACH DELETE k", {"id": key_id})


@settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
@given(data=st.data())
def test_generated_mutations_by_an_editor_never_fail_the_server(
    client: TestClient, editor_token: str, data: st.DataObject
) -> None:
    mutation = data.draw(
        from_schema(
            SDL,
            fields=["upsertEntity", "addClaim", "retractClaim"],
            custom_scalars=CUSTOM_SCALARS,
        )
    )
    response = client.post(
        "/graphql", json={"query": mutation}, headers={"authorization": f"Bearer {editor_token}"}
    )
    assert response.status_code < 500, (mutation, response.text[:500])
    for error in response.json().get("errors", []):
        assert (error.get("extensions") or {}).get("code") not in (None, "INTERNAL_SERVER_ERROR"), (
            mutation,
            error,
        )
