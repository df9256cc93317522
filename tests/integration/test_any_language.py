"""Any language (issue 13 item 5): a document, names and evidence in a third language and
script — Russian, in Cyrillic — written as a test fixture (invented text, labelled so), through
the API with an editor's token: stored and split into sentences, its names linked on ingest,
found by search, read back in their language, and cited as evidence with the English rendering
every non-English quote needs."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgapi.config import Settings
from kgapi.db import Database
from tests.integration.graphql_helpers import (
    bearer,
    both_engines,
    delete_written,
    engine_clients,
    payload_of,
)

PREFIX = "alt-"
SECRET = "any-language-test-secret-long-enough-for-hs256"
TAG = uuid.uuid4().hex[:8]
DOCUMENT = f"{PREFIX}ru-{TAG}"
ENTITY = f"{PREFIX}transit-{TAG}"
# A test fixture, invented for kgapi's tests: not a real report.
TEXT = (
    "Тестовый текст, выдуманный для тестов kgapi. "
    "Казахстан и Пакистан подписали Транзитное торговое соглашение в феврале 2026 года. "
    "Транзитное торговое соглашение вступит в силу позже."
)
NAME_RU = "Транзитное торговое соглашение"
SIGNED_RU = "Казахстан и Пакистан подписали Транзитное торговое соглашение"

Clients = tuple[TestClient, TestClient]


@pytest.fixture(scope="module")
def clients(neo4j_settings: Settings, seeded: Database) -> Iterator[Clients]:
    with engine_clients(neo4j_settings, jwt_secret=SECRET) as pair:
        yield pair


@pytest.fixture(scope="module", autouse=True)
async def _clean_up(seeded: Database) -> AsyncIterator[None]:
    yield
    await delete_written(seeded, PREFIX)


def _post(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    return payload_of(client, query, bearer(SECRET, "language-test"), **variables)


DOCUMENT_INPUT = {
    "slug": DOCUMENT,
    "text": TEXT,
    "language": "ru",
    "title": "Тестовый документ (фикстура)",
    "titleEn": "Test document (a fixture)",
    "published": "2026-02-21",
}
ADD_DOCUMENT = (
    "mutation($input: DocumentInput!) { addDocument(input: $input) { changed "
    "document { slug language } userErrors { field message } } }"
)
INGEST = (
    "mutation($input: DocumentInput!) { ingestDocument(input: $input) { changed "
    "mentionsLinked userErrors { field message } } }"
)
UPSERT = (
    "mutation($input: UpsertEntityInput!) { upsertEntity(input: $input) { changed "
    "entity { slug names { lang value } } userErrors { field message } } }"
)
ADD_CLAIM = (
    "mutation($input: AddClaimInput!) { addClaim(input: $input) { changed claim { claimId } "
    "userErrors { field message } } }"
)


def _entity(names: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "slug": ENTITY,
        "kind": "AGREEMENT",
        "names": names,
        "description": "A test agreement named in a Russian test fixture.",
        "mentions": [{"document": DOCUMENT, "quote": SIGNED_RU}],
    }


@pytest.fixture(scope="module")
def written(clients: Clients) -> None:
    client = clients[0]
    stored = _post(client, ADD_DOCUMENT, input=DOCUMENT_INPUT)
    assert stored["userErrors"] == [] and stored["document"]["language"] == "ru"
    made = _post(
        client,
        UPSERT,
        input=_entity([{"lang": "en", "value": "Transit trade agreement (test)"}]),
    )
    assert made["userErrors"] == []
    # The entity's Russian name, added later: an ingest of the stored text links it.
    named = _post(
        client,
        UPSERT,
        input={
            "slug": ENTITY,
            "names": [
                {"lang": "en", "value": "Transit trade agreement (test)"},
                {"lang": "RU", "value": NAME_RU},
            ],
        },
    )
    assert named["userErrors"] == []
    assert named["entity"]["names"] == [
        {"lang": "en", "value": "Transit trade agreement (test)"},
        {"lang": "ru", "value": NAME_RU},
    ]
    linked = _post(client, INGEST, input=DOCUMENT_INPUT)
    assert linked["userErrors"] == [] and linked["changed"] is True
    assert linked["mentionsLinked"] >= 2  # both sentences that name it


def test_the_document_is_split_into_its_sentences(clients: Clients, written: None) -> None:
    query = (
        "query($s: String!) { document(slug: $s) { language published sentences(first: 10) { "
        "edges { node { index text mentions { surface entity { slug } } } } } } }"
    )
    found = both_engines(clients, query, {"s": DOCUMENT})["document"]
    assert (found["language"], found["published"]) == ("ru", "2026-02-21")
    sentences = [edge["node"] for edge in found["sentences"]["edges"]]
    assert [s["text"] for s in sentences] == [
        "Тестовый текст, выдуманный для тестов kgapi.",
        "Казахстан и Пакистан подписали Транзитное торговое соглашение в феврале 2026 года.",
        "Транзитное торговое соглашение вступит в силу позже.",
    ]
    named = {
        (s["index"], m["surface"])
        for s in sentences
        for m in s["mentions"]
        if m["entity"]["slug"] == ENTITY
    }
    assert (1, SIGNED_RU) in named and (2, NAME_RU) in named


def test_the_name_is_read_and_found_in_its_language(clients: Clients, written: None) -> None:
    query = (
        'query($s: String!) { entity(slug: $s) { ru: name(lang: "ru") en: name '
        'bn: name(lang: "bn") names { lang value } } }'
    )
    found = both_engines(clients, query, {"s": ENTITY})["entity"]
    assert (found["ru"], found["en"], found["bn"]) == (
        NAME_RU,
        "Transit trade agreement (test)",
        None,
    )
    search = "query($t: String!) { entitySearch(text: $t, first: 3) { edges { node { slug } } } }"
    for text in ("торговое соглашение", "Транзитное"):
        hits = both_engines(clients, search, {"t": text})["entitySearch"]["edges"]
        assert hits and hits[0]["node"]["slug"] == ENTITY, text


def test_russian_evidence_needs_an_english_rendering(clients: Clients, written: None) -> None:
    client = clients[0]
    claim = {
        "subject": "kazakhstan",
        "predicate": "PARTY_TO",
        "object": ENTITY,
        "status": "SIGNED",
        "evidence": [{"document": DOCUMENT, "quote": SIGNED_RU}],
    }
    refused = _post(client, ADD_CLAIM, input=claim)
    assert refused["claim"] is None
    assert [e["field"] for e in refused["userErrors"]] == ["evidence[0].translation"]
    rendering = "Kazakhstan and Pakistan signed the Transit Trade Agreement"
    claim["evidence"] = [{**claim["evidence"][0], "translation": rendering}]
    added = _post(client, ADD_CLAIM, input=claim)
    assert added["userErrors"] == []
    query = (
        "query($id: String!) { claim(id: $id) { effectiveDate evidence { quote translation "
        "sentence { text } document { language } } } }"
    )
    found = both_engines(clients, query, {"id": added["claim"]["claimId"]})["claim"]
    assert found["effectiveDate"] == "2026-02-21"  # the fixture's date
    assert found["evidence"] == [
        {
            "quote": SIGNED_RU,
            "translation": rendering,
            "sentence": {
                "text": "Казахстан и Пакистан подписали Транзитное торговое соглашение в "
                "феврале 2026 года."
            },
            "document": {"language": "ru"},
        }
    ]


def test_names_must_be_one_per_language_in_real_languages_with_english(
    clients: Clients, written: None
) -> None:
    client = clients[0]
    cases = [
        ([{"lang": "ru", "value": NAME_RU}], "names"),  # no English name
        (
            [{"lang": "en", "value": "x"}, {"lang": "EN", "value": "y"}],
            "names",
        ),  # twice in one language
    ]
    for names, field in cases:
        refused = _post(client, UPSERT, input={"slug": ENTITY, "names": names})
        assert refused["entity"] is None, names
        assert [e["field"] for e in refused["userErrors"]] == [field], refused
    bad_tag = client.post(
        "/graphql",
        json={
            "query": UPSERT,
            "variables": {"input": {"slug": ENTITY, "names": [{"lang": "xx-nope", "value": "x"}]}},
        },
    ).json()
    assert bad_tag["errors"][0]["extensions"]["code"] in {
        "BAD_USER_INPUT",
        "GRAPHQL_VALIDATION_FAILED",
    }
    assert "LanguageTag" in bad_tag["errors"][0]["message"]
