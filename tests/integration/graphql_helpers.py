"""Run GraphQL operations in-process against the real database, counting round trips."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import jwt
from starlette.testclient import TestClient

from kgapi.app import create_app
from kgapi.config import Settings
from kgapi.db import Database, count_round_trips
from kgapi.graphql.context import Context
from kgapi.graphql.schema import build_schema
from kgapi.observability import COMPILED_READS
from kgapi.queries.entities import store_claim_counts
from kgapi.queries.revision import BUMP_REVISION

_schemas: dict[int, Any] = {}

SEED_DOCUMENT = "pk-kz-economic-ties-2025"


def entity_input(slug: str, **extra: Any) -> dict[str, Any]:
    """An UpsertEntityInput that validates: an initiative named in the seed document."""
    return {
        "slug": slug,
        "kind": "INITIATIVE",
        "names": [{"lang": "bn", "value": "যৌথ উদ্যোগ"}, {"lang": "en", "value": slug}],
        "description": "test entity",
        "aliases": [],
        "mentions": [{"document": SEED_DOCUMENT, "quote": "যৌথ উদ্যোগ"}],
        **extra,
    }


def claim_input(subject: str, **extra: Any) -> dict[str, Any]:
    """An AddClaimInput that validates: `subject` CONCERNS transport, with a real quote."""
    return {
        "subject": subject,
        "predicate": "CONCERNS",
        "object": "transport-and-logistics",
        "status": "PLANNED",
        "evidence": [
            {
                "document": SEED_DOCUMENT,
                "quote": "যৌথ উদ্যোগ বিকাশের পরিকল্পনা করছে",
                "translation": "are planning to develop joint ventures",
            }
        ],
        **extra,
    }


async def run(db: Database, query: str, **variables: Any) -> tuple[dict[str, Any], int]:
    """(response as a client sees it, Neo4j round trips it cost)."""
    settings: Settings = db.settings
    schema = _schemas.setdefault(id(settings), build_schema(settings))
    with count_round_trips() as trips:
        result = await schema.execute(
            query,
            variable_values=variables,
            context_value=Context(db=db, settings=settings, request_id="test"),
        )
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [{"message": e.message, "extensions": e.extensions} for e in result.errors]
    return body, trips.count


async def data(db: Database, query: str, **variables: Any) -> dict[str, Any]:
    body, _ = await run(db, query, **variables)
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result


async def document_mentions(db: Database, slug: str) -> dict[str, list[str]]:
    """The entities document `slug` is linked to, each with the quotes that name it."""
    records = await db.read(
        "MATCH (:Document {slug: $doc})<-[:PART_OF]-(:Sentence)-[m:MENTIONS]->(e:Entity) "
        "RETURN e.slug AS entity, collect(m.quote) AS quotes",
        {"doc": slug},
    )
    return {r["entity"]: r["quotes"] for r in records}


async def recount_claims(db: Database) -> None:
    """Store every entity's claim count again: a test that deleted claims with Cypher of its own
    (the API never deletes one) leaves the other ends' stored counts behind."""
    await db.write("MATCH (e:Entity) " + store_claim_counts("e"))


async def delete_written(db: Database, prefix: str) -> None:
    """Remove the entities and documents a test wrote (slugs starting with `prefix`), their
    claims, sentences and change events, and bump the graph revision as every write must."""
    await db.write(
        "MATCH (n) WHERE (n:Entity OR n:Document) AND n.slug STARTS WITH $p "
        "OPTIONAL MATCH (c:Claim)-[:SUBJECT|OBJECT]->(n) "
        "OPTIONAL MATCH (s:Sentence)-[:PART_OF]->(n) "
        "DETACH DELETE c, s, n",
        {"p": prefix},
    )
    await db.write(
        "MATCH (x:ChangeEvent) WHERE x.target_id STARTS WITH $p DETACH DELETE x", {"p": prefix}
    )
    await recount_claims(db)
    await db.write(BUMP_REVISION)


def both_engines(clients: Any, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """`data` of a query that the read planner (`clients[0]`, in one statement) and the
    resolvers (`clients[1]`) answer with the same body and no error."""
    before = COMPILED_READS.labels("one_statement")._value.get()
    bodies = [
        re.sub(
            r'"requestId":\s*"[0-9a-f]+"',
            "",
            client.post("/graphql", json={"query": query, "variables": variables}).text,
        )
        for client in clients
    ]
    assert bodies[0] == bodies[1], bodies
    assert COMPILED_READS.labels("one_statement")._value.get() == before + 1, bodies[0]
    body = json.loads(bodies[0])
    assert "errors" not in body, body
    return dict(body["data"])


@contextmanager
def engine_clients(settings: Settings, **update: Any) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps over one database: the read planner's (first) and the resolvers' (second), for
    `both_engines`; `update`: settings both share (e.g. a `jwt_secret` for writes)."""
    base = settings.model_copy(update=update)
    fast = base.model_copy(update={"compiled_reads": True})
    slow = base.model_copy(update={"compiled_reads": False})
    with TestClient(create_app(fast)) as one, TestClient(create_app(slow)) as other:
        yield one, other


def bearer(secret: str, sub: str, role: str = "editor") -> dict[str, str]:
    """The headers of a request with a fresh HS256 JWT of `role`, signed with `secret`."""
    claims = {"sub": sub, "role": role, "exp": int(time.time()) + 600}
    return {"authorization": f"Bearer {jwt.encode(claims, secret, algorithm='HS256')}"}


def payload_of(
    client: TestClient, query: str, headers: dict[str, str], **variables: Any
) -> dict[str, Any]:
    """The first root field of a request's `data`, which must come without errors."""
    response = client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return dict(next(iter(body["data"].values())))
