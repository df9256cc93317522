"""Exports for researchers' tools (JSON-LD, GraphML, CSV) against the real seeded graph.

The counts a researcher would check first (nodes, edges, evidence rows) are compared with what
Neo4j itself counts, and every evidence span is checked against the document text it quotes.
The database is shared with other work, so an export is compared with counts read before and
after it, and taken again while they differ: a concurrent writer cannot make a correct export
look wrong.
"""

from __future__ import annotations

import csv
import inspect
import io
import json
import os
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, LiteralString, TypeVar

import neo4j
import networkx as nx  # type: ignore[import-untyped]
import pytest
from starlette.testclient import TestClient

from kgapi.app import create_app
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.export import (
    CONTEXT_FILE,
    CsvTable,
    ExportFormat,
    _graphml_edge,
    _graphml_node,
    csv_table_chunks,
    csv_zip_chunks,
    export_chunks,
    graphml_chunks,
    jsonld_chunks,
)
from kgapi.queries.export import ExportClaim, ExportEntity, ExportEvidence

SMALL_BATCH = 7  # several batches for every table of the seed graph
ATTEMPTS = 5
RETRACTED_PREFIX = "export-test-retracted-"
T = TypeVar("T")

COUNTS: LiteralString = """
CALL () { MATCH (e:Entity) RETURN count(e) AS entities }
CALL () { MATCH (c:Claim) WHERE c.status <> 'retracted' RETURN count(c) AS claims }
CALL () {
  MATCH (c:Claim)-[ev:SUPPORTED_BY]->(:Sentence) WHERE c.status <> 'retracted'
  RETURN count(ev) AS evidence
}
CALL () { MATCH (d:Document) RETURN count(d) AS documents }
RETURN entities, claims, evidence, documents
"""


@dataclass(frozen=True)
class Counts:
    entities: int
    claims: int
    evidence: int
    documents: int


async def _counts(db: Database) -> Counts:
    record = (await db.read(COUNTS))[0]
    return Counts(**{key: int(record[key]) for key in record.keys()})  # noqa: SIM118


async def _quietly(db: Database, run: Callable[[], Awaitable[T]]) -> tuple[T, Counts]:
    """`run()` and the counts it must match, retried while the database moves under it."""
    for _ in range(ATTEMPTS):
        before = await _counts(db)
        result = await run()
        if await _counts(db) == before:
            break
    return result, before


async def _collect(chunks: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in chunks])


async def _document_texts(db: Database) -> dict[str, str]:
    records = await db.read(
        "MATCH (d:Document) WHERE d.text IS NOT NULL RETURN d.slug AS slug, d.text AS text"
    )
    return {r["slug"]: r["text"] for r in records}


@pytest.fixture(scope="module")
async def retracted_claim(seeded: Database) -> AsyncIterator[str]:
    """A retracted claim between two seed entities: it must appear in no export."""
    claim_id = f"{RETRACTED_PREFIX}{uuid.uuid4().hex[:8]}"
    await seeded.write(
        "MATCH (s:Entity {slug: 'pakistan'}), (o:Entity {slug: 'transit-trade-agreement'}) "
        "CREATE (c:Claim {id: $id, predicate: 'PARTY_TO', status: 'retracted', "
        "rank: 'normal', qualifiers_json: '{}'}) "
        "CREATE (c)-[:SUBJECT]->(s), (c)-[:OBJECT]->(o)",
        {"id": claim_id},
    )
    yield claim_id
    await seeded.write(
        "MATCH (c:Claim) WHERE c.id STARTS WITH $p DETACH DELETE c", {"p": RETRACTED_PREFIX}
    )


# --- GraphML ---------------------------------------------------------------------------------


async def test_graphml_opens_in_networkx_with_the_databases_counts(
    seeded: Database, retracted_claim: str
) -> None:
    data, counts = await _quietly(
        seeded, lambda: _collect(graphml_chunks(seeded, batch_size=SMALL_BATCH))
    )

    ET.fromstring(data)  # noqa: S314 (our own output) well-formed XML
    graph = nx.parse_graphml(data.decode("utf-8"), force_multigraph=True)
    assert graph.is_directed()
    assert graph.number_of_nodes() == counts.entities
    assert graph.number_of_edges() == counts.claims

    pakistan = graph.nodes["pakistan"]
    assert pakistan["kind"] == "Country" and pakistan["name_en"] == "Pakistan"
    assert pakistan["name_bn"] == "পাকিস্তান" and pakistan["label"] == "Pakistan"
    edges = {key: (u, v, attrs) for u, v, key, attrs in graph.edges(keys=True, data=True)}
    assert retracted_claim not in edges
    records = await seeded.read(
        "MATCH (s:Entity)<-[:SUBJECT]-(c:Claim)-[:OBJECT]->(o:Entity) "
        "WHERE c.status <> 'retracted' WITH s, c, o ORDER BY c.id LIMIT 1 "
        "RETURN c.id AS id, c.predicate AS predicate, c.status AS status, "
        "s.slug AS subject, o.slug AS object, "
        "[(c)-[ev:SUPPORTED_BY]->() | ev.quote] AS quotes"
    )
    expected = records[0]
    source, target, attrs = edges[expected["id"]]
    assert (source, target) == (expected["subject"], expected["object"])
    assert attrs["claim_id"] == expected["id"]
    assert attrs["predicate"] == attrs["label"] == expected["predicate"]
    assert attrs["status"] == expected["status"]
    assert sorted(json.loads(attrs["evidence"])) == sorted(expected["quotes"])


def test_graphml_escapes_what_xml_cannot_hold_verbatim() -> None:
    awkward = "A <b>&\"quoted\"</b> 'name'\twith\ncontrol\x01char"
    node = _graphml_node(
        ExportEntity(
            slug="x",
            kind="Goal",
            name_en=awkward,
            name_bn=None,
            aliases=["a|b", "<c>"],
            description=awkward,
        )
    )
    edge = _graphml_edge(
        ExportClaim(
            id="c",
            predicate="AIMS_AT",
            status="planned",
            rank="normal",
            qualifiers={"note": "<&>"},
            subject="x",
            object="x",
            evidence=[ExportEvidence("d", "bn", 0, 0, 3, '"&<', None)],
        )
    )
    root = ET.fromstring(f"<g>{node}{edge}</g>")  # noqa: S314 (our own output)
    data = {el.get("key"): el.text for el in root.iter("data")}
    assert data["n_name_en"] == awkward.replace("\x01", "\ufffd")
    assert data["e_qualifiers"] == '{"note": "<&>"}'
    assert json.loads(data["e_evidence"]) == ['"&<']  # lists are JSON arrays
    assert json.loads(data["n_aliases"]) == ["a|b", "<c>"]


# --- JSON-LD ---------------------------------------------------------------------------------


async def test_jsonld_parses_and_every_claim_carries_its_verbatim_evidence(
    seeded: Database, retracted_claim: str
) -> None:
    data, counts = await _quietly(
        seeded, lambda: _collect(jsonld_chunks(seeded, batch_size=SMALL_BATCH))
    )
    texts = await _document_texts(seeded)

    document = json.loads(data)
    assert document["@context"] == json.loads(CONTEXT_FILE.read_text("utf-8"))["@context"]
    nodes: list[dict[str, Any]] = document["@graph"]
    claims = [n for n in nodes if "kg:Claim" in n["@type"]]
    entities = [n for n in nodes if n["@id"].startswith("entity:")]
    documents = [n for n in nodes if n["@id"].startswith("document:")]
    assert len(claims) == counts.claims
    assert len(entities) == counts.entities
    assert len(documents) == counts.documents
    assert f"claim:{retracted_claim}" not in {c["@id"] for c in claims}

    spans = 0
    for claim in claims:
        assert claim["predicate"].startswith("kg:") and claim["status"].startswith("kg:")
        assert claim["subject"].startswith("entity:") and claim["object"].startswith("entity:")
        assert claim["wasDerivedFrom"], f"{claim['@id']} has no evidence"
        for span in claim["wasDerivedFrom"]:
            slug = span["wasQuotedFrom"].removeprefix("document:")
            quote = span["quote"]["@value"]
            assert texts[slug][span["start"] : span["end"]] == quote, claim["@id"]
            assert span["@id"] == f"{span['wasQuotedFrom']}#char={span['start']},{span['end']}"
            spans += 1
    assert spans == counts.evidence

    by_id = {n["@id"]: n for n in nodes}
    pakistan = by_id["entity:pakistan"]
    assert pakistan["@type"] == ["schema:Country", "kg:Country"]
    assert pakistan["name"] == {"bn": "পাকিস্তান", "en": "Pakistan"}
    assert by_id["entity:pakistan-ministry-of-commerce"]["@type"][0] == (
        "schema:GovernmentOrganization"
    )
    assert by_id["entity:transit-trade-agreement"]["@type"][0] == "schema:CreativeWork"
    article = by_id["document:pk-kz-economic-ties-2025"]
    assert "prov:Entity" in article["@type"] and article["inLanguage"] == "bn"
    assert article["listedOnly"] is False and len(article["sha256"]) == 64


# --- CSV -------------------------------------------------------------------------------------


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


async def test_csv_tables_parse_and_match_the_database(
    seeded: Database, retracted_claim: str
) -> None:

    async def read_tables() -> dict[CsvTable, list[dict[str, str]]]:
        return {
            table: _rows(await _collect(csv_table_chunks(seeded, table, batch_size=SMALL_BATCH)))
            for table in CsvTable
        }

    tables, counts = await _quietly(seeded, read_tables)
    texts = await _document_texts(seeded)

    assert len(tables[CsvTable.NODES]) == counts.entities
    assert len(tables[CsvTable.RELATIONS]) == counts.claims
    assert len(tables[CsvTable.EVIDENCE]) == counts.evidence
    assert len(tables[CsvTable.DOCUMENTS]) == counts.documents
    assert retracted_claim not in {r["claim_id"] for r in tables[CsvTable.RELATIONS]}

    for row in tables[CsvTable.EVIDENCE]:
        start, end = int(row["start"]), int(row["end"])
        assert texts[row["document"]][start:end] == row["quote"], row["claim_id"]
    relation = tables[CsvTable.RELATIONS][0]
    assert isinstance(json.loads(relation["qualifiers"]), dict)
    nodes = {row["slug"]: row for row in tables[CsvTable.NODES]}
    assert nodes["pakistan"]["kind"] == "Country"
    assert "Pakistani" in json.loads(nodes["pakistan"]["aliases"])


async def test_csv_zip_holds_every_table(seeded: Database) -> None:
    data = await _collect(csv_zip_chunks(seeded, batch_size=SMALL_BATCH))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == [f"{t.value}.csv" for t in CsvTable]
        nodes = _rows(archive.read("nodes.csv"))
    assert nodes and set(nodes[0]) == {
        "slug",
        "kind",
        "name_en",
        "name_bn",
        "aliases",
        "description",
        "names_other",
    }


# --- streaming -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "table"),
    [
        (ExportFormat.JSONLD, None),
        (ExportFormat.GRAPHML, None),
        (ExportFormat.CSV, CsvTable.EVIDENCE),
        (ExportFormat.CSV, None),
    ],
)
async def test_exports_stream_in_chunks(
    seeded: Database, fmt: ExportFormat, table: CsvTable | None
) -> None:
    reported: list[int] = []
    chunks = export_chunks(seeded, fmt, table=table, batch_size=5, progress=reported.append)
    assert inspect.isasyncgen(chunks)
    received = [chunk async for chunk in chunks]
    assert len(received) > 2 and all(isinstance(chunk, bytes) for chunk in received)
    assert len(reported) > 2 and all(0 < rows <= 5 for rows in reported)


# --- HTTP ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings, seeded: Database) -> Iterator[TestClient]:
    with TestClient(create_app(neo4j_settings)) as test_client:
        yield test_client


async def test_http_serves_every_format(client: TestClient, seeded: Database) -> None:
    async def download() -> dict[str, Any]:
        return {
            "jsonld": client.get("/export/jsonld"),
            "graphml": client.get("/export/graphml"),
            "csv": client.get("/export/csv"),
            "nodes": client.get("/export/csv", params={"table": "nodes"}),
        }

    responses, counts = await _quietly(seeded, download)
    jsonld, graphml, archive, nodes = responses.values()

    assert jsonld.status_code == 200, jsonld.text
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    assert "@graph" in jsonld.json()

    assert graphml.status_code == 200
    assert graphml.headers["content-type"].startswith("application/graphml+xml")
    assert 'filename="kgapi-export.graphml"' in graphml.headers["content-disposition"]
    graph = nx.parse_graphml(graphml.text, force_multigraph=True)
    assert graph.number_of_nodes() == counts.entities

    assert archive.status_code == 200
    assert archive.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
        assert sorted(opened.namelist()) == sorted(f"{t.value}.csv" for t in CsvTable)

    assert nodes.status_code == 200
    assert nodes.headers["content-type"].startswith("text/csv")
    assert len(_rows(nodes.content)) == counts.entities


def test_http_refuses_unknown_formats_and_tables_clearly(client: TestClient) -> None:
    unknown = client.get("/export/rdfxml")
    assert unknown.status_code == 404
    assert "unknown export format 'rdfxml'" in unknown.json()["error"]
    assert "jsonld, graphml, csv" in unknown.json()["error"]

    table = client.get("/export/csv", params={"table": "claims"})
    assert table.status_code == 400 and "nodes, relations, evidence" in table.json()["error"]

    misplaced = client.get("/export/graphml", params={"table": "nodes"})
    assert misplaced.status_code == 400 and "csv only" in misplaced.json()["error"]


def test_http_head_answers_headers_without_exporting(client: TestClient) -> None:
    probe = client.head("/export/graphml")
    assert probe.status_code == 200 and probe.content == b""
    assert probe.headers["content-type"].startswith("application/graphml+xml")
    assert "content-length" not in probe.headers


def test_http_export_follows_the_read_rules(neo4j_settings: Settings, seeded: Database) -> None:
    closed = neo4j_settings.model_copy(update={"allow_anonymous_reads": False})
    with TestClient(create_app(closed)) as closed_client:
        anonymous = closed_client.get("/export/jsonld")
        assert anonymous.status_code == 401 and "token" in anonymous.json()["error"]
    with TestClient(create_app(neo4j_settings)) as open_client:
        bad = open_client.get("/export/jsonld", headers={"Authorization": "Bearer nonsense"})
        assert bad.status_code == 401


def test_http_export_says_when_neo4j_is_unreachable(neo4j_settings: Settings) -> None:
    unreachable = neo4j_settings.model_copy(
        update={"neo4j_uri": "bolt://127.0.0.1:1", "connect_timeout": 1.0}
    )
    with TestClient(create_app(unreachable)) as down:
        response = down.get("/export/graphml")
    assert response.status_code == 503
    assert "bolt://127.0.0.1:1" in response.json()["error"]


# --- CLI -------------------------------------------------------------------------------------


def _kgapi(settings: Settings, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        "NEO4J_URI": settings.effective_uri,
        "NEO4J_PASSWORD": settings.neo4j_password,
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "kgapi", *args], capture_output=True, timeout=120, env=env
    )


def stderr_of(result: subprocess.CompletedProcess[bytes]) -> str:
    return result.stderr.decode("utf-8", "replace")


def _sync_counts(settings: Settings) -> Counts:
    """Counts for the CLI tests, which run the command synchronously."""
    auth = (settings.neo4j_username, settings.neo4j_password)
    with neo4j.GraphDatabase.driver(settings.effective_uri, auth=auth) as driver:
        records, _, _ = driver.execute_query(COUNTS, database_=settings.neo4j_database)
    return Counts(**{key: int(records[0][key]) for key in records[0].keys()})  # noqa: SIM118


def _export(settings: Settings, *args: str) -> tuple[bytes, Counts]:
    """Run `kgapi export ...` until the database held still meanwhile; stdout and the counts."""
    for _ in range(ATTEMPTS):
        before = _sync_counts(settings)
        done = _kgapi(settings, "export", *args)
        assert done.returncode == 0, stderr_of(done)
        if _sync_counts(settings) == before:
            break
    return done.stdout, before


def test_cli_writes_every_format(
    neo4j_settings: Settings, seeded: Database, tmp_path: Path
) -> None:
    graphml = tmp_path / "graph.graphml"
    _, counts = _export(neo4j_settings, "--format", "graphml", "--out", str(graphml))
    graph = nx.read_graphml(graphml, force_multigraph=True)
    assert graph.number_of_nodes() == counts.entities
    assert graph.number_of_edges() == counts.claims
    assert not list(tmp_path.glob("*.part"))

    stdout, _ = _export(neo4j_settings, "--format", "jsonld", "--batch-size", "3")
    assert json.loads(stdout)["@graph"]

    folder = tmp_path / "tables"
    _, counts = _export(neo4j_settings, "--format", "csv", "--out", str(folder))
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t.value}.csv" for t in CsvTable)
    assert len(_rows((folder / "relations.csv").read_bytes())) == counts.claims

    archive = tmp_path / "tables.zip"
    _, counts = _export(neo4j_settings, "--format", "csv", "--out", str(archive))
    with zipfile.ZipFile(archive) as opened:
        assert len(_rows(opened.read("evidence.csv"))) == counts.evidence

    stdout, counts = _export(neo4j_settings, "--format", "csv", "--table", "documents")
    assert len(_rows(stdout)) == counts.documents


def test_cli_refuses_bad_arguments_in_one_line(neo4j_settings: Settings) -> None:
    unknown = _kgapi(neo4j_settings, "export", "--format", "rdfxml")
    assert unknown.returncode == 1
    message = stderr_of(unknown).strip()
    assert len(message.splitlines()) == 1 and "jsonld, graphml, csv" in message

    no_out = _kgapi(neo4j_settings, "export", "--format", "csv")
    assert no_out.returncode == 1 and "--out" in stderr_of(no_out)
