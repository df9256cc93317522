"""Mention finding links only forms the seed knows, with spans a reviewer can check."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml

from kgapi.mentions import (
    BENGALI_CASE_ENDINGS,
    Candidate,
    Mention,
    NameForm,
    find_mentions,
    name_forms,
)
from kgapi.seed import DEFAULT_SEED_DIR
from kgapi.text import sentence_containing, split_sentences

ARTICLE = DEFAULT_SEED_DIR / "documents" / "000_a2bfdf3df2dbf4a8.txt"
ENTITIES = DEFAULT_SEED_DIR / "graph" / "entities.yaml"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
INGEST_BN = FIXTURES / "ingest_bn.txt"
INGEST_EN = FIXTURES / "ingest_en.txt"
ALL_DOCUMENTS = [ARTICLE, INGEST_BN, INGEST_EN]


@pytest.fixture(scope="module")
def forms() -> list[NameForm]:
    entities = yaml.safe_load(ENTITIES.read_text("utf-8"))["entities"]
    rows = [
        (e["slug"], e["names"].get("bn"), e["names"].get("en"), e.get("aliases") or [])
        for e in entities
    ]
    return name_forms(rows)


def _find(path: Path, forms: list[NameForm]) -> tuple[str, list[Mention], list[Candidate]]:
    text = path.read_text("utf-8")
    mentions, candidates = find_mentions(text, forms)
    return text, mentions, candidates


def _tiny(*pairs: tuple[str, str]) -> list[NameForm]:
    return [NameForm(text, slug) for text, slug in pairs]


def _linked(text: str, forms: list[NameForm]) -> list[tuple[str, str]]:
    return [(m.slug, m.text) for m in find_mentions(text, forms)[0]]


# --- name_forms ---


def test_name_forms_keeps_every_non_empty_form_once_in_order() -> None:
    rows = [
        ("pakistan", "পাকিস্তান", "Pakistan", ["Pakistan", " ", "পাকিস্তানের"]),
        ("karachi", None, "Karachi", []),
    ]
    assert name_forms(rows) == _tiny(
        ("পাকিস্তান", "pakistan"),
        ("Pakistan", "pakistan"),
        ("পাকিস্তানের", "pakistan"),
        ("Karachi", "karachi"),
    )


def test_case_endings_are_listed_longest_first() -> None:
    lengths = [len(ending) for ending in BENGALI_CASE_ENDINGS]
    assert lengths == sorted(lengths, reverse=True)
    assert {"এর", "ের", "র", "কে", "কেও", "তে", "এ", "ে", "ও", "রা", "দের", "গুলির", "সহ"} <= set(
        BENGALI_CASE_ENDINGS
    )


# --- the seed article ---


def test_seed_article_links_the_main_entities(forms: list[NameForm]) -> None:
    _, mentions, _ = _find(ARTICLE, forms)
    slugs = {m.slug for m in mentions}
    assert {
        "pakistan",
        "kazakhstan",
        "jam-kamal-khan",
        "arman-shakkaliyev",
        "transit-trade-agreement",
        "karachi",
        "islamabad-meeting",
    } <= slugs


def test_seed_article_islamabad_is_inside_the_longer_meeting_name(forms: list[NameForm]) -> None:
    # The article names Islamabad once, as part of "ইসলামাবাদে অনুষ্ঠিত এক বৈঠকে"; longest match
    # wins and mentions never overlap, so the meeting is linked there and the city is not.
    _, mentions, _ = _find(ARTICLE, forms)
    meeting = next(m for m in mentions if m.slug == "islamabad-meeting")
    assert meeting.text == "ইসলামাবাদে অনুষ্ঠিত এক বৈঠকে"
    assert "islamabad" not in {m.slug for m in mentions}


@pytest.mark.parametrize("path", ALL_DOCUMENTS, ids=lambda p: p.name)
def test_spans_index_the_text_and_stay_inside_their_sentence(
    path: Path, forms: list[NameForm]
) -> None:
    text, mentions, candidates = _find(path, forms)
    spans = split_sentences(text)
    for found in [*mentions, *candidates]:
        assert text[found.start : found.end] == found.text
        sentence = sentence_containing(spans, found.start, found.end)
        assert sentence is not None
        assert sentence.index == found.sentence


@pytest.mark.parametrize("path", ALL_DOCUMENTS, ids=lambda p: p.name)
def test_outputs_are_sorted_and_nothing_overlaps(path: Path, forms: list[NameForm]) -> None:
    _, mentions, candidates = _find(path, forms)
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)
    assert [c.start for c in candidates] == sorted(c.start for c in candidates)
    for before, after in itertools.pairwise(mentions):
        assert before.end <= after.start
    for candidate in candidates:
        for mention in mentions:
            assert candidate.end <= mention.start or mention.end <= candidate.start


def test_seed_article_case_ending_is_part_of_the_span(forms: list[NameForm]) -> None:
    text, mentions, _ = _find(ARTICLE, forms)
    inflected = [m for m in mentions if m.slug == "pakistan" and m.text == "পাকিস্তানের"]
    assert inflected
    assert all(text[m.start : m.end] == "পাকিস্তানের" for m in inflected)


# --- Bengali matching ---


def test_bengali_case_ending_is_included_in_the_span() -> None:
    forms = _tiny(("পাকিস্তান", "pakistan"), ("করাচি", "karachi"))
    mentions, _ = find_mentions("পাকিস্তানের বন্দর করাচিতে।", forms)
    assert mentions == [
        Mention("pakistan", 0, 0, 11, "পাকিস্তানের"),
        Mention("karachi", 0, 18, 25, "করাচিতে"),
    ]


def test_bengali_adjective_is_not_the_country_unless_it_is_a_form() -> None:
    text = "পাকিস্তানি কোম্পানি অংশ নেয়।"
    assert _linked(text, _tiny(("পাকিস্তান", "pakistan"))) == []
    with_adjective = _tiny(("পাকিস্তান", "pakistan"), ("পাকিস্তানি", "pakistan"))
    assert _linked(text, with_adjective) == [("pakistan", "পাকিস্তানি")]


def test_bengali_form_must_start_a_word() -> None:
    # "আখ" (sugarcane) sits inside "শাখা"; only the free-standing word is linked.
    mentions, _ = find_mentions("শাখা ও আখ।", _tiny(("আখ", "sugarcane")))
    assert [(m.start, m.text) for m in mentions] == [(7, "আখ")]


# --- longest match ---


def test_longest_match_wins_and_matches_never_overlap() -> None:
    forms = _tiny(
        ("Kazakhstan", "kazakhstan"),
        ("Pakistan", "pakistan"),
        ("Kazakhstan–Turkmenistan–Afghanistan–Pakistan", "ktap-corridor"),
        ("Pakistan Tanners Association", "pakistan-tanners-association"),
    )
    text = (
        "The Kazakhstan–Turkmenistan–Afghanistan–Pakistan route helps "
        "the Pakistan Tanners Association."
    )
    assert _linked(text, forms) == [
        ("ktap-corridor", "Kazakhstan–Turkmenistan–Afghanistan–Pakistan"),
        ("pakistan-tanners-association", "Pakistan Tanners Association"),
    ]


def test_longest_match_in_bengali_corridor_name() -> None:
    forms = _tiny(
        ("কাজাখস্তান", "kazakhstan"),
        ("কাজাখস্তান-তুর্কমেনিস্তান-আফগানিস্তান-পাকিস্তান", "ktap-corridor"),
    )
    text = "কাজাখস্তান-তুর্কমেনিস্তান-আফগানিস্তান-পাকিস্তান রুট এবং কাজাখস্তানের পণ্য।"
    assert _linked(text, forms) == [
        ("ktap-corridor", "কাজাখস্তান-তুর্কমেনিস্তান-আফগানিস্তান-পাকিস্তান"),
        ("kazakhstan", "কাজাখস্তানের"),
    ]


def test_equal_length_tie_goes_to_the_first_form() -> None:
    forms = _tiny(("Karachi", "karachi"), ("karachi", "other"))
    assert _linked("Karachi.", forms) == [("karachi", "Karachi")]


# --- Latin matching ---


def test_latin_forms_match_case_insensitively_on_word_boundaries() -> None:
    forms = _tiny(("Pakistan", "pakistan"))
    assert _linked("PAKISTAN and pakistan.", forms) == [
        ("pakistan", "PAKISTAN"),
        ("pakistan", "pakistan"),
    ]
    assert _linked("Pakistanis came.", forms) == []
    assert _linked("Pakistanis came.", [*forms, NameForm("Pakistanis", "pakistan")]) == [
        ("pakistan", "Pakistanis")
    ]


def test_latin_possessive_is_left_out_of_the_span() -> None:
    forms = _tiny(("Pakistan", "pakistan"))
    assert _linked("Pakistan's ports and Pakistan’s goods.", forms) == [
        ("pakistan", "Pakistan"),
        ("pakistan", "Pakistan"),
    ]


# --- candidates ---


def test_latin_candidates_are_capitalised_runs_with_connectors() -> None:
    text = "The Lahore Chamber of Commerce and Industry met. During talks they agreed."
    _, candidates = find_mentions(text, [])
    assert [c.text for c in candidates] == ["Lahore Chamber of Commerce and Industry"]


def test_a_linked_name_splits_a_candidate_run() -> None:
    text = "Members of Karachi Chamber of Commerce came."
    mentions, candidates = find_mentions(text, _tiny(("Karachi", "karachi")))
    assert [m.text for m in mentions] == ["Karachi"]
    assert [c.text for c in candidates] == ["Members", "Chamber of Commerce"]


def test_bengali_candidates_are_unknown_possessives() -> None:
    text = "দুই দেশের বাণিজ্যের লক্ষ্যে লাহোরের ব্যবসায়ীরা এবং পাকিস্তানের তাদের কথা।"
    mentions, candidates = find_mentions(text, _tiny(("পাকিস্তান", "pakistan")))
    assert [m.text for m in mentions] == ["পাকিস্তানের"]
    # দেশের and বাণিজ্যের are common nouns, তাদের a pronoun; লক্ষ্যে has no possessive ending.
    assert [c.text for c in candidates] == ["লাহোরের"]


def test_bengali_candidate_needs_a_stem_of_three_code_points() -> None:
    _, candidates = find_mentions("ওর এর কথা।", [])
    assert candidates == []


def test_english_fixture_links_the_alias_and_reports_the_unknown_name(
    forms: list[NameForm],
) -> None:
    _, mentions, candidates = _find(INGEST_EN, forms)
    by_slug = {(m.slug, m.text) for m in mentions}
    assert ("arman-shakkaliyev", "Shaqqaliev") in by_slug
    assert {
        ("pakistan", "Pakistan"),
        ("kazakhstan", "Kazakhstan"),
        ("jam-kamal-khan", "Jam Kamal Khan"),
        ("karachi", "Karachi"),
        ("islamabad", "Islamabad"),
        ("transit-trade-agreement", "TTA"),
        ("transit-trade-agreement", "transit trade agreement"),
    } <= by_slug
    corridor = next(m for m in mentions if m.slug.endswith("-corridor"))
    assert corridor.text == "Kazakhstan–Turkmenistan–Afghanistan–Pakistan corridor"
    assert [c.text for c in candidates] == ["Customs Today Newspaper"]


def test_bengali_fixture_links_inflected_names_and_reports_the_unknown_name(
    forms: list[NameForm],
) -> None:
    _, mentions, candidates = _find(INGEST_BN, forms)
    by_slug = {(m.slug, m.text) for m in mentions}
    assert {
        ("pakistan", "পাকিস্তানের"),
        ("kazakhstan", "কাজাখস্তানের"),
        ("kazakhstan", "কাজাখস্তানকে"),
        ("jam-kamal-khan", "জাম কামাল খান"),
        ("arman-shakkaliyev", "আরমান শাক্কালিয়েভ"),
        ("islamabad", "ইসলামাবাদে"),
        ("karachi", "করাচিতে"),
        ("transit-trade-agreement", "ট্রানজিট বাণিজ্য চুক্তি"),
    } <= by_slug
    assert [(c.sentence, c.text) for c in candidates] == [(5, "নভেম্বরের")]


# --- progress ---


def test_on_sentence_reports_each_sentence_once(forms: list[NameForm]) -> None:
    text = INGEST_BN.read_text("utf-8")
    calls: list[tuple[int, int]] = []
    find_mentions(text, forms, on_sentence=lambda done, total: calls.append((done, total)))
    total = len(split_sentences(text))
    assert total == 6
    assert calls == [(done, total) for done in range(1, total + 1)]
