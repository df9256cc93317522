"""The words a search matches on (kgapi.queries.search): stop words, plurals, possessives and
Bengali case endings, decided before any Lucene text is written."""

from __future__ import annotations

import pytest

from kgapi.queries.search import lucene_query, search_terms, stems


def test_stop_words_never_block_a_match() -> None:
    assert search_terms("the Minister of Trade and Integration") == [
        "minister",
        "trade",
        "integration",
    ]
    assert search_terms("একটি ট্রানজিট চুক্তি") == ["ট্রানজিট", "চুক্তি"]


def test_a_text_of_stop_words_only_is_searched_as_it_is() -> None:
    assert search_terms("The Of") == ["the", "of"]
    assert lucene_query("the") is not None


@pytest.mark.parametrize(
    "word,expected",
    [
        ("tanners", ["tanner"]),
        ("companies", ["company"]),
        ("pakistan's", ["pakistan"]),
        ("kazakhstan’s", ["kazakhstan"]),
        ("taxes", ["tax"]),
        ("business", []),  # -ss is not a plural
        ("gas", []),  # too short to cut
        ("উজবেকিস্তানের", ["উজবেকিস্তান"]),
        ("করাচিতে", ["করাচি"]),
        ("মিশনগুলি", ["মিশন"]),
        ("ও", []),
    ],
)
def test_stems(word: str, expected: list[str]) -> None:
    assert stems(word) == expected


def test_a_stem_is_searched_as_an_escaped_prefix() -> None:
    query = lucene_query("tanners")
    assert query is not None and "tanner*" in query
    assert 'name_en:"tanner"^3' in query  # a whole-word stem outranks a prefix of one
