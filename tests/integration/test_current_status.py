"""Many documents, one truth (issue 13's "done when"): a later report of an agreement's status.

A test agreement starts with one undated claim from the seed article ("its signing is in
process"). A second document — a test fixture, invented here, dated 2026-02-20 — reports it
signed. Then `currentStatus` follows the rule (kgapi.current_status): the later dated claim of
the same rank wins, with its provenance; `asOf` a date before it gives the old status; both
claims stay visible with their evidence; deprecating or retracting the new claim brings the old
status back. Every read goes through both read engines (byte-identical, one statement), and
`Agreement.status` and the `status` filter agree with `currentStatus`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgapi.config import Settings
from kgapi.db import Database
from tests.integration.graphql_helpers import (
    SEED_DOCUMENT,
    bearer,
    both_engines,
    delete_written,
    engine_clients,
    payload_of,
)

PREFIX = "cst-"
SECRET = "current-status-test-secret-long-enough-for-hs256"
AGREEMENT = f"{PREFIX}tta-{uuid.uuid4().hex[:8]}"
REPORT = f"{PREFIX}report-{uuid.uuid4().hex[:8]}"
# A test fixture, not a real report: it exists only to give the graph a later, dated source.
REPORT_TEXT = (
    "Test fixture (invented for kgapi's tests). Pakistan and Kazakhstan signed the Transit "
    "Trade Agreement in February 2026."
)
SIGNED_QUOTE = "Pakistan and Kazakhstan signed the Transit Trade Agreement"
# The seed article's sentence 14: the signing of a transit trade agreement is under way.
IN_PROCESS = {
    "document": SEED_DOCUMENT,
    "start": 1549,
    "end": 1667,
    "quote": "পাকিস্তানের বন্দরগুলির মাধ্যমে কাজাখস্তানের পণ্য পরিবহনের জন্য একটি ট্রানজিট বাণিজ্য "
    "চুক্তি স্বাক্ষরের প্রক্রিয়া চলছে",
    "translation": "the signing of a transit trade agreement for carrying Kazakhstan's goods "
    "through Pakistan's ports is under way",
}

CLAIM = (
    "claimId status rank effectiveDate dateSource validFrom "
    "evidence { quote document { slug published } }"
)
STATUS = (
    "query($slug: String!, $asOf: Date) { entity(slug: $slug) { ... on Agreement { status "
    "currentStatus(asOf: $asOf) { status asOf rule effectiveDate dateSource "
    "claim { " + CLAIM + " } document { slug published } conflicting { " + CLAIM + " } } "
    "statusHistory { from until status rule claim { claimId } } "
    "claims(predicate: PARTY_TO, first: 10) { totalCount edges { node { claimId status } } } "
    "} } }"
)
FILTER = (
    "query($where: AgreementWhere) { agreements(where: $where, first: 50) { "
    "edges { node { slug } } } }"
)
ADD_CLAIM = (
    "mutation($input: AddClaimInput!) { addClaim(input: $input) { changed "
    "claim { claimId } userErrors { field message } } }"
)


@pytest.fixture(scope="module")
def clients(neo4j_settings: Settings, seeded: Database) -> Iterator[tuple[TestClient, TestClient]]:
    with engine_clients(neo4j_settings, jwt_secret=SECRET) as pair:
        yield pair


@pytest.fixture(scope="module", autouse=True)
async def _clean_up(seeded: Database) -> AsyncIterator[None]:
    yield
    await delete_written(seeded, PREFIX)


def _write(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    payload = payload_of(client, query, bearer(SECRET, "curator-test"), **variables)
    assert payload.get("userErrors", []) == [], payload
    return payload


def _status(clients: tuple[TestClient, TestClient], as_of: str | None = None) -> dict[str, Any]:
    found = both_engines(clients, STATUS, {"slug": AGREEMENT, "asOf": as_of})["entity"]
    assert found is not None
    return dict(found)


def _filtered(clients: tuple[TestClient, TestClient], status: str) -> bool:
    where = {"slug": {"eq": AGREEMENT}, "status": {"eq": status}}
    edges = both_engines(clients, FILTER, {"where": where})["agreements"]["edges"]
    return [edge["node"]["slug"] for edge in edges] == [AGREEMENT]


def _party_to(status: str, evidence: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "subject": "pakistan",
        "predicate": "PARTY_TO",
        "object": AGREEMENT,
        "status": status,
        "evidence": [evidence],
        **extra,
    }


SIGNED_EVIDENCE = {"document": REPORT, "quote": SIGNED_QUOTE, "translation": SIGNED_QUOTE}


@pytest.fixture(scope="module")
def written(clients: tuple[TestClient, TestClient]) -> dict[str, str]:
    """The agreement with its first claim, and the later report (no claim from it yet)."""
    client = clients[0]
    _write(
        client,
        "mutation($input: UpsertEntityInput!) { upsertEntity(input: $input) { changed "
        "userErrors { field message } } }",
        input={
            "slug": AGREEMENT,
            "kind": "AGREEMENT",
            "names": [
                {"lang": "bn", "value": "ট্রানজিট বাণিজ্য চুক্তি"},
                {"lang": "en", "value": "Transit Trade Agreement (test)"},
            ],
            "description": "A test twin of the Transit Trade Agreement.",
            "mentions": [
                {
                    "document": SEED_DOCUMENT,
                    "start": 1617,
                    "end": 1640,
                    "quote": "ট্রানজিট বাণিজ্য চুক্তি",
                }
            ],
        },
    )
    old = _write(client, ADD_CLAIM, input=_party_to("IN_PROGRESS", IN_PROCESS))
    _write(
        client,
        "mutation($input: DocumentInput!) { addDocument(input: $input) { changed "
        "document { slug published } } }",
        input={
            "slug": REPORT,
            "text": REPORT_TEXT,
            "language": "en",
            "title": "Test fixture: a later report",
            "published": "2026-02-20",
        },
    )
    return {"old": old["claim"]["claimId"]}


def test_one_undated_claim_holds_for_every_date(
    clients: tuple[TestClient, TestClient], written: dict[str, str]
) -> None:
    for as_of in (None, "1990-01-01", "2026-06-01"):
        found = _status(clients, as_of)
        current = found["currentStatus"]
        assert found["status"] == current["status"] == "IN_PROGRESS"
        assert current["rule"] == "UNANIMOUS" and current["conflicting"] == []
        assert current["claim"]["claimId"] == written["old"]
        assert (current["effectiveDate"], current["dateSource"]) == (None, "UNKNOWN")
        assert current["document"] == {"slug": SEED_DOCUMENT, "published": None}
        if as_of is not None:
            assert current["asOf"] == as_of
    history = _status(clients)["statusHistory"]
    assert history == [
        {
            "from": None,
            "until": None,
            "status": "IN_PROGRESS",
            "rule": "UNANIMOUS",
            "claim": {"claimId": written["old"]},
        }
    ]
    assert _filtered(clients, "IN_PROGRESS") and not _filtered(clients, "SIGNED")


def test_a_later_report_changes_the_status_and_both_claims_stay(
    clients: tuple[TestClient, TestClient], written: dict[str, str]
) -> None:
    client = clients[0]
    new = _write(client, ADD_CLAIM, input=_party_to("SIGNED", SIGNED_EVIDENCE))["claim"]["claimId"]

    found = _status(clients)
    current = found["currentStatus"]
    assert found["status"] == current["status"] == "SIGNED"
    assert current["rule"] == "LATEST_DATE"
    assert current["claim"]["claimId"] == new
    assert current["claim"]["evidence"] == [
        {"quote": SIGNED_QUOTE, "document": {"slug": REPORT, "published": "2026-02-20"}}
    ]
    assert (current["effectiveDate"], current["dateSource"]) == ("2026-02-20", "DOCUMENT")
    assert current["document"] == {"slug": REPORT, "published": "2026-02-20"}
    # The claim it won over stays beside it, with its evidence.
    assert [c["claimId"] for c in current["conflicting"]] == [written["old"]]
    assert current["conflicting"][0]["evidence"][0]["quote"] == IN_PROCESS["quote"]
    assert current["conflicting"][0]["status"] == "IN_PROGRESS"
    # Both are still the agreement's claims.
    claims = {e["node"]["claimId"]: e["node"]["status"] for e in found["claims"]["edges"]}
    assert claims == {written["old"]: "IN_PROGRESS", new: "SIGNED"}
    # The timeline: in process from an unknown time, signed from the report's date.
    assert found["statusHistory"] == [
        {
            "from": None,
            "until": "2026-02-20",
            "status": "IN_PROGRESS",
            "rule": "UNANIMOUS",
            "claim": {"claimId": written["old"]},
        },
        {
            "from": "2026-02-20",
            "until": None,
            "status": "SIGNED",
            "rule": "LATEST_DATE",
            "claim": {"claimId": new},
        },
    ]
    assert _filtered(clients, "SIGNED") and not _filtered(clients, "IN_PROGRESS")

    # Before the report, the report's claim does not hold yet.
    before = _status(clients, "2026-02-19")["currentStatus"]
    assert (before["status"], before["rule"]) == ("IN_PROGRESS", "UNANIMOUS")
    assert before["claim"]["claimId"] == written["old"] and before["conflicting"] == []
    on_the_day = _status(clients, "2026-02-20")["currentStatus"]
    assert on_the_day["status"] == "SIGNED"

    # Deprecated, the new claim loses to the old one by rank, and stays listed against it.
    _write(client, ADD_CLAIM, input=_party_to("SIGNED", SIGNED_EVIDENCE, rank="DEPRECATED"))
    current = _status(clients)["currentStatus"]
    assert (current["status"], current["rule"]) == ("IN_PROGRESS", "RANK")
    assert [(c["claimId"], c["rank"]) for c in current["conflicting"]] == [(new, "DEPRECATED")]
    assert _filtered(clients, "IN_PROGRESS") and not _filtered(clients, "SIGNED")

    # Back to normal rank it wins again; retracted, it never counts.
    _write(client, ADD_CLAIM, input=_party_to("SIGNED", SIGNED_EVIDENCE, rank="NORMAL"))
    assert _status(clients)["currentStatus"]["status"] == "SIGNED"
    _write(
        client,
        "mutation($input: RetractClaimInput!) { retractClaim(input: $input) { changed "
        "userErrors { field message } } }",
        input={"id": new, "reason": "test: the report was withdrawn"},
    )
    found = _status(clients)
    current = found["currentStatus"]
    assert (found["status"], current["status"], current["rule"]) == (
        "IN_PROGRESS",
        "IN_PROGRESS",
        "UNANIMOUS",
    )
    assert current["conflicting"] == []
    assert [p["status"] for p in found["statusHistory"]] == ["IN_PROGRESS"]
    assert _filtered(clients, "IN_PROGRESS")
    retracted = both_engines(
        clients,
        "query($id: String!) { claim(id: $id) { status evidence { quote } } }",
        {"id": new},
    )["claim"]
    assert retracted == {"status": "RETRACTED", "evidence": [{"quote": SIGNED_QUOTE}]}

    # A retraction can be undone: the claim counts again. A replay of the same request (same
    # idempotency key) gives the first answer back, `changed: true`, and writes nothing.
    restore = (
        "mutation($input: RestoreClaimInput!) { restoreClaim(input: $input) { changed "
        "claim { claimId status } userErrors { field message } } }"
    )
    given = {"id": new, "reason": "test: the report stands", "idempotencyKey": f"r-{new}"}
    first = _write(client, restore, input=given)
    assert first == {
        "changed": True,
        "claim": {"claimId": new, "status": "SIGNED"},
        "userErrors": [],
    }
    assert _write(client, restore, input=given) == first
    current = _status(clients)["currentStatus"]
    assert (current["status"], current["rule"], current["claim"]["claimId"]) == (
        "SIGNED",
        "LATEST_DATE",
        new,
    )
    assert _filtered(clients, "SIGNED")
    again = _write(client, restore, input={"id": new, "reason": "test: again"})
    assert again["changed"] is False  # not retracted: nothing to restore
    _write(
        client,
        "mutation($input: RetractClaimInput!) { retractClaim(input: $input) { changed "
        "userErrors { field message } } }",
        input={"id": new, "reason": "test: withdrawn for good"},
    )
    assert _status(clients)["currentStatus"]["status"] == "IN_PROGRESS"


def test_a_date_the_text_gives_outranks_the_documents_date(
    clients: tuple[TestClient, TestClient], written: dict[str, str]
) -> None:
    """`validFrom` is the date the claim held from; `validTo` ends it. The report says
    "February 2026"; a curator who reads a precise day records it on the claim."""
    client = clients[0]
    quote = "signed the Transit Trade Agreement in February 2026"
    evidence = {"document": REPORT, "quote": quote, "translation": quote}
    dated = _party_to("SIGNED", evidence, validFrom="2026-02-10", validTo="2026-11-01")
    claim_id = _write(client, ADD_CLAIM, input=dated)["claim"]["claimId"]
    current = _status(clients, "2026-02-15")["currentStatus"]
    assert current["claim"]["claimId"] == claim_id
    assert (current["effectiveDate"], current["dateSource"]) == ("2026-02-10", "TEXT")
    assert current["claim"]["validFrom"] == "2026-02-10"
    assert _status(clients, "2026-02-09")["currentStatus"]["status"] == "IN_PROGRESS"
    # From validTo on it no longer holds.
    assert _status(clients, "2026-11-01")["currentStatus"]["status"] == "IN_PROGRESS"
    # What the sources said held on a date is one list.
    listed = (
        "query($where: ClaimWhere) { claims(where: $where, first: 10) { "
        "edges { node { claimId } } } }"
    )
    for as_of, expected in (
        ("2026-02-09", {written["old"]}),
        ("2026-02-15", {written["old"], claim_id}),
        ("2026-11-01", {written["old"]}),
    ):
        where = {"about": AGREEMENT, "asOf": as_of}
        edges = both_engines(clients, listed, {"where": where})["claims"]["edges"]
        assert {edge["node"]["claimId"] for edge in edges} == expected, as_of
    # Newest first: the dated claim, then the undated one (unknown sorts last descending).
    newest = both_engines(
        clients,
        "query($where: ClaimWhere) { claims(where: $where, orderBy: {field: EFFECTIVE_DATE, "
        "direction: DESC}, first: 10) { edges { node { claimId effectiveDate } } } }",
        {"where": {"about": AGREEMENT}},
    )["claims"]["edges"]
    assert [e["node"] for e in newest] == [
        {"claimId": claim_id, "effectiveDate": "2026-02-10"},
        {"claimId": written["old"], "effectiveDate": None},
    ]
    where = {"about": AGREEMENT, "rankIn": ["DEPRECATED"]}
    assert both_engines(clients, listed, {"where": where})["claims"]["edges"] == []
    periods = [(p["from"], p["until"], p["status"]) for p in _status(clients)["statusHistory"]]
    assert periods == [
        (None, "2026-02-10", "IN_PROGRESS"),
        ("2026-02-10", "2026-11-01", "SIGNED"),
        ("2026-11-01", None, "IN_PROGRESS"),
    ]


def test_a_period_that_ends_before_it_starts_is_refused(
    clients: tuple[TestClient, TestClient], written: dict[str, str]
) -> None:
    response = clients[0].post(
        "/graphql",
        json={
            "query": ADD_CLAIM,
            "variables": {
                "input": _party_to(
                    "SIGNED", SIGNED_EVIDENCE, validFrom="2026-03-01", validTo="2026-02-01"
                )
            },
        },
        headers=bearer(SECRET, "curator-test"),
    )
    payload = response.json()["data"]["addClaim"]
    assert payload["claim"] is None
    assert [e["field"] for e in payload["userErrors"]] == ["validTo"]
    assert "later than valid_from" in payload["userErrors"][0]["message"]
