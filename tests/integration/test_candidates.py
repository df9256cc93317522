"""Candidates (issue 14's "done when"): a new document read into proposals a curator reviews.

An editor ingests a document (a test fixture, invented here); its reading queues candidate
claims with evidence and a status from the sentence's modality, and a candidate entity for a
name no entity explains. Nothing of it is a fact: fact queries, claim lists, stats and exports
do not see it. A curator accepts a claim candidate (with the English rendering every claim's
evidence needs) and it becomes a claim, with the candidate as its origin and the curator in
the audit trail, in one transaction; another is rejected with a reason; a candidate entity is
accepted with a description. Every refusal names its field, and writes nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgapi.app import create_app
from kgapi.config import Settings
from kgapi.db import Database
from tests.integration.graphql_helpers import bearer, delete_written, payload_of

PREFIX = "cdt-"
SECRET = "candidates-test-secret-long-enough-for-hs256"
DOCUMENT = f"{PREFIX}{uuid.uuid4().hex[:8]}"
NEW_ENTITY = f"{PREFIX}caspian-{uuid.uuid4().hex[:6]}"
# A test fixture, not a real report: invented text that names seed entities.
TEXT = (
    "Test fixture (invented for kgapi's tests). Kazakhstan plans to export grain to Pakistan. "
    "Pakistan exports sugarcane. The Caspian Millers Association will open an office in Karachi."
)
EDITOR = bearer(SECRET, "cand-editor", "editor")
CURATOR = bearer(SECRET, "cand-curator", "curator")

INGEST = (
    "mutation($input: DocumentInput!) { ingestDocument(input: $input) { changed "
    "candidatesQueued userErrors { field message } } }"
)
LIST = (
    "query($document: String, $state: CandidateState, $type: CandidateType) { "
    "candidates(document: $document, state: $state, type: $type, first: 50) { totalCount "
    "edges { node { __typename id type state quote start end confidence extractor "
    "extractorVersion documentSlug sentenceIndex reviewedBy reason "
    "document { slug } "
    "... on ClaimCandidate { predicate status trigger triggerStart triggerEnd cue "
    "subjectSlug objectSlug subject { slug } object { slug } claim { claimId status } } "
    "... on EntityCandidate { kind slug entity { slug } } } } } }"
)
ACCEPT = (
    "mutation($input: AcceptCandidateInput!) { acceptCandidate(input: $input) { changed "
    "candidate { id state reviewedBy } claim { claimId status predicate "
    "evidence { quote translation document { slug } } } entity { slug kind } "
    "userErrors { field message code } } }"
)
REJECT = (
    "mutation($input: RejectCandidateInput!) { rejectCandidate(input: $input) { changed "
    "candidate { id state reason reviewedBy } userErrors { field message code } } }"
)
FACTS = (
    "query($document: String!) { claims(where: {document: $document}) { totalCount } "
    "stats { claims } }"
)


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings) -> Iterator[TestClient]:
    settings = neo4j_settings.model_copy(update={"jwt_secret": SECRET})
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module", autouse=True)
async def _clean_up(seeded: Database) -> AsyncIterator[None]:
    yield
    # Claims accepted from the fixture's candidates name seed entities: remove them, and their
    # ids from the traversal shortcut, before their documents go.
    await seeded.write(
        "MATCH (c:Claim)-[:SUPPORTED_BY]->(:Sentence)-[:PART_OF]->(d:Document) "
        "WHERE d.slug STARTS WITH $p "
        "OPTIONAL MATCH (c)-[:SUBJECT]->(s), (c)-[:OBJECT]->(o), (s)-[r]->(o) "
        "WHERE c.id IN coalesce(r.claim_ids, []) "
        "SET r.claim_ids = [x IN r.claim_ids WHERE x <> c.id] "
        "WITH c, r CALL (r) { WITH r WHERE r IS NOT NULL AND size(r.claim_ids) = 0 DELETE r } "
        "DETACH DELETE c",
        {"p": PREFIX},
    )
    await seeded.write(
        "MATCH (c:Candidate) WHERE c.document STARTS WITH $p "
        "OPTIONAL MATCH (ev:ChangeEvent {target_type: 'Candidate', target_id: c.id}) "
        "DETACH DELETE ev, c",
        {"p": PREFIX},
    )
    await delete_written(seeded, PREFIX)


def _post(client: TestClient, query: str, headers: dict[str, str], **variables: Any) -> Any:
    return client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


def _facts(client: TestClient) -> dict[str, Any]:
    """Claims citing the fixture document, and every claim of the graph."""
    body = _post(client, FACTS, EDITOR, document=DOCUMENT).json()
    assert "errors" not in body, body
    return {"cited": body["data"]["claims"]["totalCount"], "all": body["data"]["stats"]["claims"]}


def _nodes(client: TestClient, headers: dict[str, str] = EDITOR, **where: Any) -> list[Any]:
    listed = payload_of(client, LIST, headers, document=DOCUMENT, **where)
    nodes = [edge["node"] for edge in listed["edges"]]
    assert listed["totalCount"] == len(nodes)
    return nodes


def _exported(client: TestClient) -> str:
    response = client.get("/export/jsonld")
    assert response.status_code == 200, response.text
    return response.text


@pytest.fixture(scope="module")
def ingested(client: TestClient) -> dict[str, Any]:
    before = _facts(client)
    document = {"slug": DOCUMENT, "text": TEXT, "language": "en", "title": "Test fixture"}
    result = payload_of(client, INGEST, EDITOR, input=document)
    assert result["changed"] is True and result["userErrors"] == []
    return {"queued": result["candidatesQueued"], "before": before}


def _export_candidate(nodes: list[Any], typename: str, **match: Any) -> dict[str, Any]:
    found = [
        n for n in nodes if n["__typename"] == typename and all(n[k] == v for k, v in match.items())
    ]
    assert len(found) == 1, nodes
    return dict(found[0])


def test_ingesting_queues_candidates_with_evidence_and_modality(
    client: TestClient, ingested: dict[str, Any]
) -> None:
    nodes = _nodes(client)
    assert ingested["queued"] == len(nodes) >= 2
    for node in nodes:
        assert node["state"] == "PENDING" and node["reviewedBy"] is None
        assert node["quote"] == TEXT[node["start"] : node["end"]]
        assert node["documentSlug"] == DOCUMENT and node["document"] == {"slug": DOCUMENT}
        assert 0.0 <= node["confidence"] <= 1.0 and node["extractor"] and node["extractorVersion"]
    export = _export_candidate(
        nodes, "ClaimCandidate", predicate="EXPORTS", subjectSlug="kazakhstan", objectSlug="grain"
    )
    # "plans to": a plan, never a stated export
    assert export["status"] == "PLANNED" and export["cue"]
    assert export["trigger"] == TEXT[export["triggerStart"] : export["triggerEnd"]]
    assert export["subject"] == {"slug": "kazakhstan"} and export["object"] == {"slug": "grain"}
    assert export["claim"] is None
    entity = _export_candidate(nodes, "EntityCandidate", kind="ASSOCIATION")
    assert entity["quote"] == "Caspian Millers Association" and entity["entity"] is None


def test_candidates_are_not_facts(client: TestClient, ingested: dict[str, Any]) -> None:
    facts = _facts(client)
    assert facts == ingested["before"] and facts["cited"] == 0
    # no candidate id, and no claim with the fixture's sugarcane quote, in an export
    exported = _exported(client)
    assert "cand-" not in exported
    kazakhstan = payload_of(
        client,
        '{ entity(slug: "kazakhstan") { claims(where: {predicateIn: [EXPORTS]}) { '
        "edges { node { evidence { document { slug } } } } } } }",
        EDITOR,
    )
    documents = {
        ev["document"]["slug"]
        for edge in kazakhstan["claims"]["edges"]
        for ev in edge["node"]["evidence"]
    }
    assert DOCUMENT not in documents


def test_reading_candidates_needs_a_token_and_reviewing_needs_a_curator(
    client: TestClient, ingested: dict[str, Any]
) -> None:
    anonymous = _post(client, LIST, {}, document=DOCUMENT).json()
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    some = _nodes(client)[0]
    refused = _post(client, REJECT, EDITOR, input={"id": some["id"], "reason": "no"}).json()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert _nodes(client)[0]["state"] == "PENDING"


def test_accepting_a_claim_candidate_makes_the_claim_with_its_origin(
    client: TestClient, ingested: dict[str, Any]
) -> None:
    export = _export_candidate(
        _nodes(client), "ClaimCandidate", predicate="EXPORTS", subjectSlug="kazakhstan"
    )
    missing = payload_of(client, ACCEPT, CURATOR, input={"id": export["id"]})
    assert missing["candidate"] is None and missing["claim"] is None
    assert [e["field"] for e in missing["userErrors"]] == ["edits.translation"]
    assert _facts(client)["cited"] == 0
    assert (
        _export_candidate(_nodes(client), "ClaimCandidate", id=export["id"])["state"] == "PENDING"
    )

    rendering = "the fixture's rendering of its own English quote"
    accepted = payload_of(
        client, ACCEPT, CURATOR, input={"id": export["id"], "edits": {"translation": rendering}}
    )
    assert accepted["userErrors"] == [] and accepted["changed"] is True
    assert accepted["candidate"] == {
        "id": export["id"],
        "state": "ACCEPTED",
        "reviewedBy": "jwt:cand-curator",
    }
    claim = accepted["claim"]
    assert claim["status"] == "PLANNED" and claim["predicate"] == "EXPORTS"
    assert claim["evidence"] == [
        {"quote": export["quote"], "translation": rendering, "document": {"slug": DOCUMENT}}
    ]
    assert _facts(client)["cited"] == 1
    listed = _export_candidate(_nodes(client), "ClaimCandidate", id=export["id"])
    assert listed["claim"] == {"claimId": claim["claimId"], "status": "PLANNED"}

    trail = payload_of(
        client,
        '{ changes(actor: "jwt:cand-curator", last: 10) { edges { node { operation '
        "targetType targetId after } } } }",
        CURATOR,
    )
    events = [edge["node"] for edge in trail["edges"]]
    added = next(e for e in events if e["targetId"] == claim["claimId"])
    assert added["operation"] == "ADD_CLAIM"
    assert added["after"]["origin_candidate"] == export["id"]
    assert added["after"]["reviewed_by"] == "jwt:cand-curator"
    marked = next(e for e in events if e["targetId"] == export["id"])
    assert marked["operation"] == "ACCEPT_CANDIDATE" and marked["targetType"] == "CANDIDATE"

    again = payload_of(
        client, ACCEPT, CURATOR, input={"id": export["id"], "edits": {"translation": rendering}}
    )
    assert [(e["field"], e["code"]) for e in again["userErrors"]] == [("id", "CONFLICT")]
    assert "already accepted" in again["userErrors"][0]["message"]


def test_rejecting_keeps_the_reason_and_writes_no_fact(
    client: TestClient, ingested: dict[str, Any]
) -> None:
    target = _export_candidate(
        _nodes(client), "ClaimCandidate", predicate="EXPORTS", objectSlug="sugarcane"
    )
    assert target["status"] == "STATED" and target["state"] == "PENDING"
    blank = payload_of(client, REJECT, CURATOR, input={"id": target["id"], "reason": "  "})
    assert [e["field"] for e in blank["userErrors"]] == ["reason"]
    rejected = payload_of(
        client, REJECT, CURATOR, input={"id": target["id"], "reason": "not what it says"}
    )
    assert rejected["candidate"] == {
        "id": target["id"],
        "state": "REJECTED",
        "reason": "not what it says",
        "reviewedBy": "jwt:cand-curator",
    }
    twice = payload_of(client, REJECT, CURATOR, input={"id": target["id"], "reason": "again"})
    assert [e["code"] for e in twice["userErrors"]] == ["CONFLICT"]
    unknown = payload_of(client, REJECT, CURATOR, input={"id": "cand-nope", "reason": "x"})
    assert [e["code"] for e in unknown["userErrors"]] == ["NOT_FOUND"]
    assert _facts(client)["cited"] == 1


def test_accepting_an_entity_candidate_and_reading_again(
    client: TestClient, ingested: dict[str, Any]
) -> None:
    entity = _export_candidate(_nodes(client), "EntityCandidate", kind="ASSOCIATION")
    if entity["state"] != "PENDING":
        pytest.fail("the entity candidate was reviewed by another test")
    no_description = payload_of(client, ACCEPT, CURATOR, input={"id": entity["id"]})
    assert [e["field"] for e in no_description["userErrors"]] == ["edits.description"]
    edits = {"slug": NEW_ENTITY, "description": "An association a test fixture invents."}
    accepted = payload_of(client, ACCEPT, CURATOR, input={"id": entity["id"], "edits": edits})
    assert accepted["userErrors"] == []
    assert accepted["entity"] == {"slug": NEW_ENTITY, "kind": "ASSOCIATION"}
    found = payload_of(
        client, "query($s: String!) { entity(slug: $s) { slug } }", EDITOR, s=NEW_ENTITY
    )
    assert found == {"slug": NEW_ENTITY}

    # Reading the document again keeps every review and queues nothing twice.
    before = {n["id"]: n["state"] for n in _nodes(client)}
    again = payload_of(
        client,
        "mutation($d: String!) { proposeCandidates(input: {document: $d}) { proposed queued "
        "extractor userErrors { field } } }",
        EDITOR,
        d=DOCUMENT,
    )
    assert again["userErrors"] == []
    after = {n["id"]: n["state"] for n in _nodes(client)}
    assert {k: after[k] for k in before} == before
    assert again["queued"] == len(after) - len(before)


def test_proposing_for_an_unknown_document_names_it(client: TestClient) -> None:
    result = payload_of(
        client,
        'mutation { proposeCandidates(input: {document: "cdt-none"}) { queued '
        "userErrors { field code } } }",
        EDITOR,
    )
    assert result == {"queued": 0, "userErrors": [{"field": "document", "code": "NOT_FOUND"}]}


def test_kgapi_ingest_then_review_from_the_command_line(
    neo4j_settings: Settings, client: TestClient, tmp_path: Path
) -> None:
    slug = f"{PREFIX}cli-{uuid.uuid4().hex[:6]}"
    text = (
        "Test fixture (invented for kgapi's tests). Kazakhstan exports grain. "
        "Pakistan is expected to export sugarcane."
    )
    file = tmp_path / "fixture.txt"
    file.write_text(text, encoding="utf-8")
    env = {
        **os.environ,
        "NEO4J_URI": neo4j_settings.effective_uri,
        "NEO4J_PASSWORD": neo4j_settings.neo4j_password,
        "COLUMNS": "200",
    }

    def kgapi(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kgapi", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )

    ingested = kgapi("ingest", str(file), "--lang", "en", "--title", "t", "--slug", slug)
    assert ingested.returncode == 0, ingested.stderr
    assert (
        "newly queued" in ingested.stdout and f"kgapi review --document {slug}" in ingested.stdout
    )
    listed = payload_of(client, LIST, EDITOR, document=slug)
    assert listed["totalCount"] >= 2
    reviewed = kgapi(
        "review", "--document", slug, "--actor", "cand-cli",
        stdin="x 1\nr 9 out of range\nr 1 not what the text says\nr 2 not either\nq\n",
    )  # fmt: skip
    assert reviewed.returncode == 0, reviewed.stderr
    assert "not a command" in reviewed.stdout and "no candidate 9" in reviewed.stdout
    assert "1: rejected" in reviewed.stdout and "2: rejected" in reviewed.stdout
    assert "0 accepted, 2 rejected" in reviewed.stdout
    after = payload_of(client, LIST, EDITOR, document=slug, state="REJECTED")
    assert after["totalCount"] == 2
    assert {edge["node"]["reviewedBy"] for edge in after["edges"]} == {"cli:cand-cli"}
