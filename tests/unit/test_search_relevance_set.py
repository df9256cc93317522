"""The search relevance set (bench/relevance/queries.yaml) is well formed: enough queries in every
category, in both scripts, each expecting an entity or sentence that exists and, for text
queries, a sentence that really holds the query's words. No database."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from kgapi.seed import DEFAULT_SEED_DIR
from kgapi.text import split_sentences

QUERIES = Path(__file__).resolve().parents[2] / "bench" / "relevance" / "queries.yaml"
DOCUMENT = "pk-kz-economic-ties-2025"

ENTITY_KINDS = (
    "name",
    "alias",
    "article",
    "order",
    "possessive",
    "plural",
    "description",
    "bengali-inflection",
)
TEXT_KINDS = ("sentence-word", "rendering-word")
KINDS = ENTITY_KINDS + TEXT_KINDS
# Categories whose queries can be written in either script (a description is English, an
# inflection Bengali, a rendering English, a sentence word Bengali).
BOTH_SCRIPTS = ("name", "alias", "article", "order", "possessive", "plural")
MIN_QUERIES = 80
MIN_PER_KIND = 4

_TOKEN = re.compile(r"[\w\u0980-\u09FF]+")
_BENGALI = re.compile(r"[\u0980-\u09FF]")
_LATIN = re.compile(r"[A-Za-z]")

Query = dict[str, Any]


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text("utf-8"))


@cache
def _queries() -> tuple[Query, ...]:
    data = _load(QUERIES)
    assert isinstance(data, dict) and isinstance(data.get("queries"), list), (
        f"{QUERIES}: expected a mapping with a `queries` list"
    )
    return tuple(data["queries"])


@cache
def _entity_slugs() -> frozenset[str]:
    entities = _load(DEFAULT_SEED_DIR / "graph" / "entities.yaml")["entities"]
    return frozenset(e["slug"] for e in entities)


@cache
def _sentences() -> tuple[str, ...]:
    documents = _load(DEFAULT_SEED_DIR / "graph" / "documents.yaml")["documents"]
    (meta,) = [d for d in documents if d["slug"] == DOCUMENT]
    text = (DEFAULT_SEED_DIR / meta["file"]).read_text("utf-8")
    return tuple(span.text for span in split_sentences(text))


@cache
def _translations() -> dict[int, tuple[str, ...]]:
    """The English renderings of claim evidence in the document, by sentence index."""
    found: dict[int, list[str]] = {}
    for claim in _load(DEFAULT_SEED_DIR / "graph" / "claims.yaml")["claims"]:
        for evidence in claim["evidence"]:
            if evidence["document"] == DOCUMENT:
                found.setdefault(evidence["sentence"], []).append(evidence["translation"])
    return {index: tuple(texts) for index, texts in found.items()}


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _singular(word: str) -> str:
    """The search treats a plural as its singular."""
    return word[:-1] if len(word) > 1 and word.endswith("s") else word


def _prefix_matches(word: str, tokens: list[str]) -> bool:
    return any(token.startswith(word) for token in tokens)


def _label(query: Query) -> str:
    return f"query {query.get('text')!r} ({query.get('search')}, {query.get('kind')})"


def _of_kind(kind: str) -> list[Query]:
    return [q for q in _queries() if q["kind"] == kind]


def test_every_query_has_its_fields() -> None:
    for query in _queries():
        assert isinstance(query, dict), f"{query!r}: a query is a mapping"
        assert set(query) == {"text", "search", "expect", "kind"}, (
            f"{_label(query)}: fields must be text, search, expect, kind; got {sorted(query)}"
        )
        assert isinstance(query["text"], str) and query["text"].strip(), (
            f"{_label(query)}: empty text"
        )
        assert query["kind"] in KINDS, f"{_label(query)}: unknown kind {query['kind']!r}"
        expected_search = "text" if query["kind"] in TEXT_KINDS else "entity"
        assert query["search"] == expected_search, (
            f"{_label(query)}: a {query['kind']} query searches {expected_search!r}"
        )
        assert _words(query["text"]), f"{_label(query)}: no searchable word"


def test_there_are_enough_queries_in_every_category() -> None:
    assert len(_queries()) >= MIN_QUERIES, f"{len(_queries())} queries, want ≥ {MIN_QUERIES}"
    counts = Counter(q["kind"] for q in _queries())
    for kind in KINDS:
        assert counts[kind] >= MIN_PER_KIND, (
            f"category {kind!r} has {counts[kind]} queries, want ≥ {MIN_PER_KIND}"
        )


def test_both_scripts_are_queried() -> None:
    texts = [q["text"] for q in _queries()]
    assert any(_BENGALI.search(t) for t in texts), "no Bengali-script query"
    assert any(_LATIN.search(t) for t in texts), "no Latin-script query"


@pytest.mark.parametrize("kind", BOTH_SCRIPTS)
def test_categories_that_allow_it_are_queried_in_both_scripts(kind: str) -> None:
    texts = [q["text"] for q in _of_kind(kind)]
    assert any(_BENGALI.search(t) for t in texts), f"category {kind!r}: no Bengali-script query"
    assert any(_LATIN.search(t) for t in texts), f"category {kind!r}: no Latin-script query"


def test_no_query_text_is_repeated_within_a_search_type() -> None:
    seen: dict[tuple[str, str], Query] = {}
    for query in _queries():
        key = (query["search"], " ".join(query["text"].lower().split()))
        assert key not in seen, f"{_label(query)} repeats {_label(seen[key])}"
        seen[key] = query


def test_entity_queries_expect_a_seeded_entity() -> None:
    slugs = _entity_slugs()
    for query in _queries():
        if query["search"] == "entity":
            assert query["expect"] in slugs, (
                f"{_label(query)}: expects {query['expect']!r}, not a slug in entities.yaml"
            )


def test_text_queries_expect_a_sentence_of_the_document() -> None:
    count = len(_sentences())
    for query in _queries():
        if query["search"] == "text":
            expect = query["expect"]
            assert isinstance(expect, int) and not isinstance(expect, bool), (
                f"{_label(query)}: expects {expect!r}, not a sentence index"
            )
            assert 0 <= expect < count, (
                f"{_label(query)}: sentence {expect} is outside 0..{count - 1} of {DOCUMENT}"
            )


def test_sentence_words_are_in_the_expected_sentence() -> None:
    sentences = _sentences()
    for query in _of_kind("sentence-word"):
        tokens = _words(sentences[query["expect"]])
        for word in _words(query["text"]):
            assert _prefix_matches(word, tokens), (
                f"{_label(query)}: {word!r} prefix-matches no token of sentence "
                f"{query['expect']}: {sentences[query['expect']]!r}"
            )


def test_sentence_words_find_no_other_sentence() -> None:
    sentences = _sentences()
    for query in _of_kind("sentence-word"):
        words = _words(query["text"])
        others = [
            i
            for i, sentence in enumerate(sentences)
            if i != query["expect"] and all(_prefix_matches(w, _words(sentence)) for w in words)
        ]
        assert not others, f"{_label(query)}: sentences {others} hold every word as well"


def test_rendering_words_are_in_a_rendering_of_the_expected_sentence() -> None:
    translations = _translations()
    for query in _of_kind("rendering-word"):
        renderings = translations.get(query["expect"], ())
        assert renderings, f"{_label(query)}: no claim evidence renders sentence {query['expect']}"
        for word in _words(query["text"]):
            stem = _singular(word)
            assert any(_prefix_matches(stem, _words(r)) for r in renderings), (
                f"{_label(query)}: {stem!r} prefix-matches no token of a rendering of sentence "
                f"{query['expect']}: {list(renderings)!r}"
            )


def test_rendering_words_find_no_other_sentence() -> None:
    """Neither another sentence's renderings nor its own text (the English source titles)."""
    sentences, translations = _sentences(), _translations()
    for query in _of_kind("rendering-word"):
        stems = [_singular(w) for w in _words(query["text"])]
        others = []
        for i, sentence in enumerate(sentences):
            if i == query["expect"]:
                continue
            tokens = _words(" ".join((sentence, *translations.get(i, ()))))
            if all(_prefix_matches(stem, tokens) for stem in stems):
                others.append(i)
        assert not others, f"{_label(query)}: sentences {others} hold every word as well"
