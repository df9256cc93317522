"""`kgapi keys create|list|revoke` and `kgapi ingest`, as a partner or curator runs them."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from kgapi.app import create_app
from kgapi.auth import Principal, Role
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.writes import EvidenceInput, add_document, upsert_entity
from tests.integration.graphql_helpers import document_mentions

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PREFIX = "cli-test-"


def _kgapi(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "NEO4J_URI": settings.effective_uri,
        "NEO4J_PASSWORD": settings.neo4j_password,
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "kgapi", *args], capture_output=True, text=True, timeout=120, env=env
    )


@pytest.fixture(scope="module", autouse=True)
async def _clean_up(seeded: Database) -> AsyncIterator[None]:
    yield
    await seeded.write(
        "MATCH (n:Document) WHERE n.slug STARTS WITH $p "
        "OPTIONAL MATCH (s:Sentence)-[:PART_OF]->(n) DETACH DELETE s, n",
        {"p": PREFIX},
    )
    await seeded.write(
        "MATCH (x) WHERE (x:ApiKey AND x.name STARTS WITH $p) "
        "OR (x:ChangeEvent AND x.target_id STARTS WITH $p) DETACH DELETE x",
        {"p": PREFIX},
    )


def test_keys_create_list_revoke(neo4j_settings: Settings, seeded: Database) -> None:
    name = f"{PREFIX}{uuid.uuid4().hex[:6]}"
    created = _kgapi(neo4j_settings, "keys", "create", "--role", "editor", "--name", name)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("kgapi_")
    key_id = token.split("_")[1]

    listed = _kgapi(neo4j_settings, "keys", "list")
    assert key_id in listed.stdout and name in listed.stdout
    assert token.split("_", 2)[2] not in listed.stdout  # the secret is never shown again

    doc_slug = f"{PREFIX}{key_id}"
    mutation = {
        "query": 'mutation($slug: String) { addDocument(input: {text: "A CLI key test.", '
        'language: "en", title: "t", slug: $slug}) { changed userErrors { field } } }',
        "variables": {"slug": doc_slug},
    }
    with TestClient(create_app(neo4j_settings)) as client:
        ok = client.post("/graphql", json=mutation, headers={"authorization": f"Bearer {token}"})
        assert ok.json()["data"]["addDocument"]["changed"] is True
        revoked = _kgapi(neo4j_settings, "keys", "revoke", key_id)
        assert revoked.returncode == 0, revoked.stderr
        refused = client.post(
            "/graphql", json=mutation, headers={"authorization": f"Bearer {token}"}
        )
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    unknown = _kgapi(neo4j_settings, "keys", "revoke", "000000000000")
    assert unknown.returncode == 1 and "no API key" in unknown.stderr
    bad_role = _kgapi(neo4j_settings, "keys", "create", "--role", "god", "--name", name)
    assert bad_role.returncode == 1 and "--role must be one of" in bad_role.stderr


def test_ingest_links_mentions_and_is_idempotent(
    neo4j_settings: Settings, seeded: Database
) -> None:
    slug = f"{PREFIX}{uuid.uuid4().hex[:6]}"
    args = [
        "ingest",
        str(FIXTURES / "ingest_bn.txt"),
        "--lang",
        "bn",
        "--title",
        "পরীক্ষা",
        "--slug",
        slug,
    ]
    first = _kgapi(neo4j_settings, *args)
    assert first.returncode == 0, first.stderr
    assert f"document {slug}: stored" in first.stdout
    assert "mentions linked" in first.stdout and "candidate (not linked)" in first.stdout
    again = _kgapi(neo4j_settings, *args)
    assert again.returncode == 0
    assert "nothing changed" in again.stdout


async def test_ingest_after_add_links_and_relink_links_what_new_names_find(
    neo4j_settings: Settings, seeded: Database
) -> None:
    """Issue 13: `ingestDocument` of a text `addDocument` stored links its mentions (it used to
    report them and link nothing); `kgapi relink` links the mentions a name added later finds,
    once, in the audit trail."""
    slug = f"{PREFIX}{uuid.uuid4().hex[:6]}"
    text = (FIXTURES / "ingest_en.txt").read_text("utf-8")
    data = {"text": text, "language": "en", "title": "test relink", "slug": slug}
    editor = Principal("test:relink", Role.EDITOR)
    stored = await add_document(seeded, editor, neo4j_settings, data, link_mentions=False)
    assert stored.changed and await document_mentions(seeded, slug) == {}

    ingested = await add_document(seeded, editor, neo4j_settings, data, link_mentions=True)
    assert ingested.changed and ingested.report is not None and ingested.report.mentions
    linked = await document_mentions(seeded, slug)
    assert {"pakistan", "kazakhstan"} <= set(linked)
    assert sum(map(len, linked.values())) == len(ingested.report.mentions)
    again = await add_document(seeded, editor, neo4j_settings, data, link_mentions=True)
    assert again.changed is False

    # A name the graph learns later: the article's source, as an alias of a test entity.
    entity = f"{PREFIX}source-{uuid.uuid4().hex[:6]}"
    mention = {"document": "pk-kz-economic-ties-2025", "quote": "যৌথ উদ্যোগ"}
    await upsert_entity(
        seeded,
        editor,
        {
            "slug": entity,
            "kind": "Initiative",
            "names": {"bn": "যৌথ উদ্যোগ", "en": entity},
            "aliases": ["Customs Today Newspaper"],
            "description": "test entity named by an alias the test document uses",
        },
        [EvidenceInput(**mention)],
    )
    result = _kgapi(neo4j_settings, "relink", "--document", slug, "--actor", "relink-test")
    assert result.returncode == 0, result.stderr
    assert "1 documents, 1 mentions newly linked" in result.stdout, result.stdout
    assert (await document_mentions(seeded, slug))[entity] == ["Customs Today Newspaper"]
    events = await seeded.read(
        "MATCH (ev:ChangeEvent {target_id: $slug}) RETURN ev.operation AS op, ev.actor AS actor "
        "ORDER BY ev.seq",
        {"slug": slug},
    )
    assert [(e["op"], e["actor"]) for e in events] == [
        ("addDocument", "test:relink"),
        ("relinkDocument", "test:relink"),
        ("relinkDocument", "cli:relink-test"),
    ]
    twice = _kgapi(neo4j_settings, "relink", "--document", slug)
    assert "1 documents, 0 mentions newly linked" in twice.stdout, twice.stdout
    await seeded.write(
        "MATCH (e:Entity {slug: $slug}) OPTIONAL MATCH (x:ChangeEvent {target_id: $slug}) "
        "DETACH DELETE e, x",
        {"slug": entity},
    )


def test_ingest_refuses_a_file_that_is_not_utf8(neo4j_settings: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Caf\xe9 in Karachi.".encode("latin-1"))
    result = _kgapi(neo4j_settings, "ingest", str(bad), "--lang", "en", "--title", "t")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"error: {bad} is not valid UTF-8 (byte 3)"]
