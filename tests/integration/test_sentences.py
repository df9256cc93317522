"""Documents as first-class (issue 13 item 4): a document's sentences, the mentions in them, an
entity's mentions across documents, and the whole sentence behind each quote. Every answer is
checked against the document's own text, through both read engines (byte-identical bodies, the
planner in one statement)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgapi.config import Settings
from kgapi.db import Database
from tests.integration.graphql_helpers import SEED_DOCUMENT, both_engines, engine_clients

Clients = tuple[TestClient, TestClient]

SENTENCES = (
    "query($slug: String!, $first: Int, $after: String, $last: Int, $before: String) { "
    "document(slug: $slug) { text sentences(first: $first, after: $after, last: $last, "
    "before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor "
    "endCursor } edges { cursor node { index start end text mentions { sentenceIndex start end "
    "surface entity { slug kind } document { slug } } } } } } }"
)
MENTIONS = (
    "query($slug: String!, $first: Int, $after: String, $last: Int, $before: String) { "
    "entity(slug: $slug) { mentions(first: $first, after: $after, last: $last, "
    "before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor "
    "endCursor } edges { cursor node { sentenceIndex start end surface entity { slug } "
    "document { slug text } } } } } }"
)
EVIDENCE = (
    "query($slug: String!) { entity(slug: $slug) { claims(first: 50) { edges { node { "
    "claimId evidence { quote start end sentenceIndex startInSentence endInSentence "
    "sentence { index start end text } document { slug } } } } } } }"
)


@pytest.fixture(scope="module")
def clients(neo4j_settings: Settings, seeded: Database) -> Iterator[Clients]:
    with engine_clients(neo4j_settings) as pair:
        yield pair


def _walk(clients: Clients, query: str, root: str, field: str, slug: str, size: int) -> Any:
    """Every page forward, then every page backward; both must give the same rows."""
    forward: list[dict[str, Any]] = []
    after = None
    while True:
        found = both_engines(clients, query, {"slug": slug, "first": size, "after": after})[root]
        page = found[field]
        forward += page["edges"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    backward: list[dict[str, Any]] = []
    before = None
    while True:
        page = both_engines(clients, query, {"slug": slug, "last": size, "before": before})[root][
            field
        ]
        backward = page["edges"] + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert backward == forward
    assert len(forward) == page["totalCount"]
    return found, [edge["node"] for edge in forward]


def test_a_documents_sentences_cover_its_text_in_order(clients: Clients) -> None:
    document, sentences = _walk(clients, SENTENCES, "document", "sentences", SEED_DOCUMENT, 7)
    text = document["text"]
    assert [s["index"] for s in sentences] == list(range(len(sentences)))
    assert len(sentences) > 20
    for sentence in sentences:
        assert text[sentence["start"] : sentence["end"]] == sentence["text"]
    named = [m for s in sentences for m in s["mentions"]]
    assert len(named) >= 50  # the seed's entities are named throughout the article
    for sentence in sentences:
        mentions = sentence["mentions"]
        assert mentions == sorted(
            mentions, key=lambda m: (m["start"], m["end"], m["entity"]["slug"])
        )
        for mention in mentions:
            assert mention["sentenceIndex"] == sentence["index"]
            assert sentence["start"] <= mention["start"] < mention["end"] <= sentence["end"]
            assert text[mention["start"] : mention["end"]] == mention["surface"]
            assert mention["document"] == {"slug": SEED_DOCUMENT}


DOCUMENT_MENTIONS = (
    "query($slug: String!, $first: Int, $after: String, $last: Int, $before: String) { "
    "document(slug: $slug) { mentions(first: $first, after: $after, last: $last, "
    "before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor "
    "endCursor } edges { cursor node { sentenceIndex start end surface entity { slug } } } } } }"
)


def test_a_documents_mentions_are_its_sentences_mentions_in_text_order(
    clients: Clients,
) -> None:
    _, mentions = _walk(clients, DOCUMENT_MENTIONS, "document", "mentions", SEED_DOCUMENT, 9)
    _, sentences = _walk(clients, SENTENCES, "document", "sentences", SEED_DOCUMENT, 50)
    expected = sorted(
        (
            {
                "sentenceIndex": m["sentenceIndex"],
                "start": m["start"],
                "end": m["end"],
                "surface": m["surface"],
                "entity": {"slug": m["entity"]["slug"]},
            }
            for s in sentences
            for m in s["mentions"]
        ),
        key=lambda m: (m["start"], m["end"], m["entity"]["slug"]),
    )
    assert mentions == expected and len(mentions) >= 50


def test_an_entitys_mentions_are_where_the_documents_name_it(clients: Clients) -> None:
    _, mentions = _walk(clients, MENTIONS, "entity", "mentions", "transit-trade-agreement", 1)
    assert mentions
    keys = [(m["document"]["slug"], m["start"], m["end"]) for m in mentions]
    assert keys == sorted(keys)
    for mention in mentions:
        assert mention["entity"] == {"slug": "transit-trade-agreement"}
        assert mention["document"]["text"][mention["start"] : mention["end"]] == mention["surface"]
    surfaces = {m["surface"] for m in mentions}
    assert "ট্রানজিট বাণিজ্য চুক্তি" in surfaces


def test_every_quote_sits_in_its_whole_sentence(clients: Clients) -> None:
    found = both_engines(clients, EVIDENCE, {"slug": "pakistan"})["entity"]
    texts = {
        SEED_DOCUMENT: both_engines(
            clients, "query($s: String!) { document(slug: $s) { text } }", {"s": SEED_DOCUMENT}
        )["document"]["text"]
    }
    spans = [ev for edge in found["claims"]["edges"] for ev in edge["node"]["evidence"]]
    assert len(spans) >= 10
    for span in spans:
        sentence = span["sentence"]
        assert sentence["index"] == span["sentenceIndex"]
        inside = sentence["text"][span["startInSentence"] : span["endInSentence"]]
        assert inside == span["quote"]
        assert span["start"] - sentence["start"] == span["startInSentence"]
        text = texts[span["document"]["slug"]]
        assert text[sentence["start"] : sentence["end"]] == sentence["text"]


def test_a_tampered_sentence_cursor_is_bad_input(clients: Clients) -> None:
    for client in clients:
        body = client.post(
            "/graphql",
            json={
                "query": SENTENCES,
                "variables": {"slug": SEED_DOCUMENT, "after": "bm90LWEtY3Vyc29y"},
            },
        ).json()
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
