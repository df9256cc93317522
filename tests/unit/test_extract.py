"""The rule extractor: what it proposes for Bengali and English sentences, and how well it reads
the curated seed.

The sentences below are FIXTURE text written for these tests (not quotes from any source); the
entities are fixture rows too, so no test depends on the seed's slugs except the evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from kgapi.ingest.evaluate import Figures, evaluate, render
from kgapi.ingest.extract import (
    EXTRACTOR_NAME,
    NullExtractor,
    RuleExtractor,
    extractor_for,
    guess_kind,
    propose_slug,
)
from kgapi.ingest.proposals import ProposedClaim, Reading
from kgapi.mentions import NameForm, find_mentions, name_forms
from kgapi.model import PREDICATES, SLUG_PATTERN, EntityKind, Predicate, Status
from kgapi.seed import DEFAULT_SEED_DIR
from kgapi.text import split_sentences

K = EntityKind

# FIXTURE entities: (slug, kind, Bengali name, English name, aliases).
FIXTURE_ENTITIES: list[tuple[str, EntityKind, str, str, list[str]]] = [
    ("fx-kazakhstan", K.COUNTRY, "কাজাখস্তান", "Kazakhstan", ["কাজাখস্তানের"]),
    ("fx-pakistan", K.COUNTRY, "পাকিস্তান", "Pakistan", []),
    ("fx-grain", K.COMMODITY, "শস্য", "grain", []),
    ("fx-karachi", K.CITY, "করাচি", "Karachi", ["করাচিতে"]),
    ("fx-forum", K.EVENT, "ব্যবসায়িক ফোরাম", "Business Forum", []),
    ("fx-transit", K.AGREEMENT, "ট্রানজিট বাণিজ্য চুক্তি", "Transit Trade Agreement", []),
    ("fx-tokayev", K.PERSON, "কাসিম-জোমার্ট টোকায়েভ", "Kassym-Jomart Tokayev", []),
    ("fx-president", K.OFFICE, "কাজাখস্তানের রাষ্ট্রপতি", "President of Kazakhstan", []),
    ("fx-khan", K.PERSON, "জাম কামাল খান", "Jam Kamal Khan", []),
    ("fx-minister", K.OFFICE, "বাণিজ্য মন্ত্রী", "Commerce Minister", []),
]
FORMS: list[NameForm] = name_forms((s, bn, en, al) for s, _, bn, en, al in FIXTURE_ENTITIES)
KINDS: dict[str, EntityKind] = {slug: kind for slug, kind, *_ in FIXTURE_ENTITIES}

# FIXTURE text, English.
EN_EXPORT = "Kazakhstan plans to export grain to Pakistan."
EN_SIGNED = "Pakistan and Kazakhstan signed the Transit Trade Agreement."
EN_HELD = "The Business Forum was held in Karachi."
EN_EXPECTED = "Commerce Minister Jam Kamal Khan is expected to take part in the Business Forum."
EN_MAY = "Kazakhstan may export grain."
EN_NO_TRIGGER = "Pakistan grain Karachi."
EN_TEXT = " ".join([EN_EXPORT, EN_SIGNED, EN_HELD, EN_EXPECTED, EN_MAY, EN_NO_TRIGGER])

# FIXTURE text, Bengali: "Kazakhstan plans to export grain to Pakistan. At the business forum
# held in Karachi, Pakistan and Kazakhstan took part. Both countries have signed the transit
# trade agreement. President of Kazakhstan Kassym-Jomart Tokayev will come to Karachi."
BN_EXPORT = "কাজাখস্তান পাকিস্তানে শস্য রপ্তানি করার পরিকল্পনা করছে।"
BN_FORUM = "করাচিতে অনুষ্ঠিত ব্যবসায়িক ফোরামে পাকিস্তান ও কাজাখস্তান অংশগ্রহণ করেছে।"
BN_BOTH = "উভয় দেশ ট্রানজিট বাণিজ্য চুক্তি স্বাক্ষর করেছে।"
BN_TITLE = "কাজাখস্তানের রাষ্ট্রপতি কাসিম-জোমার্ট টোকায়েভ করাচিতে আসবেন।"
BN_TEXT = " ".join([BN_EXPORT, BN_FORUM, BN_BOTH, BN_TITLE])


def _read(text: str, language: str, kinds: dict[str, EntityKind] = KINDS) -> Reading:
    mentions, unlinked = find_mentions(text, FORMS)
    return extractor_for(language, FORMS).read(
        text, language, split_sentences(text), mentions, kinds, unlinked
    )


def _find(
    reading: Reading, predicate: Predicate, subject: str, obj: str, sentence: int | None = None
) -> ProposedClaim:
    matches = [
        c
        for c in reading.claims
        if (c.predicate, c.subject, c.object) == (predicate, subject, obj)
        and sentence in (None, c.sentence)
    ]
    assert len(matches) == 1, f"{predicate} {subject} {obj}: {matches}"
    return matches[0]


def _triples(claims: Sequence[ProposedClaim]) -> set[tuple[str, str, str]]:
    return {(c.predicate.value, c.subject, c.object) for c in claims}


def _assert_offsets(text: str, claim: ProposedClaim) -> None:
    assert claim.quote == text[claim.start : claim.end]
    assert claim.trigger == text[claim.trigger_start : claim.trigger_end]
    assert claim.start <= claim.trigger_start < claim.trigger_end <= claim.end
    assert 0.0 <= claim.confidence <= 1.0


# --- English ---------------------------------------------------------------------------------


def test_english_export_plan_has_exact_evidence_and_planned_status() -> None:
    reading = _read(EN_TEXT, "en")
    claim = _find(reading, Predicate.EXPORTS, "fx-kazakhstan", "fx-grain", sentence=0)
    start = EN_TEXT.index("Kazakhstan plans")
    assert (claim.start, claim.end) == (start, start + len("Kazakhstan plans to export grain"))
    assert claim.quote == "Kazakhstan plans to export grain"
    trigger = EN_TEXT.index("export grain")
    assert (claim.trigger_start, claim.trigger_end, claim.trigger) == (
        trigger,
        trigger + len("export"),
        "export",
    )
    assert claim.status is Status.PLANNED
    assert claim.cue == "plans to"
    assert claim.sentence == 0
    _assert_offsets(EN_TEXT, claim)


def test_english_destination_is_not_read_as_an_exporter() -> None:
    reading = _read(EN_TEXT, "en")
    assert ("EXPORTS", "fx-pakistan", "fx-grain") not in _triples(reading.claims)


def test_english_signed_agreement_names_both_conjoined_parties() -> None:
    reading = _read(EN_TEXT, "en")
    for party in ("fx-pakistan", "fx-kazakhstan"):
        claim = _find(reading, Predicate.PARTY_TO, party, "fx-transit")
        assert claim.status is Status.SIGNED
        assert claim.trigger == "signed"
        assert claim.quote.endswith("signed the Transit Trade Agreement")
        _assert_offsets(EN_TEXT, claim)
    pakistan = _find(reading, Predicate.PARTY_TO, "fx-pakistan", "fx-transit")
    assert pakistan.start == EN_TEXT.index(EN_SIGNED)


def test_english_held_in_and_expected_participation() -> None:
    reading = _read(EN_TEXT, "en")
    held = _find(reading, Predicate.HELD_IN, "fx-forum", "fx-karachi")
    assert held.quote == "Business Forum was held in Karachi"
    assert held.trigger == "held in"
    assert held.status is Status.STATED
    took_part = _find(reading, Predicate.PARTICIPATED_IN, "fx-khan", "fx-forum")
    assert took_part.status is Status.EXPECTED
    assert took_part.cue == "is expected to"
    assert took_part.trigger == "take part"
    assert took_part.quote == "Jam Kamal Khan is expected to take part in the Business Forum"
    for claim in (held, took_part):
        _assert_offsets(EN_TEXT, claim)


def test_english_title_before_a_name_is_a_structural_match() -> None:
    reading = _read(EN_TEXT, "en")
    office = _find(reading, Predicate.HOLDS_OFFICE, "fx-khan", "fx-minister")
    assert office.quote == "Commerce Minister Jam Kamal Khan"
    assert office.trigger == "Commerce Minister"
    assert office.status is Status.STATED  # the verb's "is expected to" hedges the act only
    took_part = _find(reading, Predicate.PARTICIPATED_IN, "fx-khan", "fx-forum")
    assert office.confidence > took_part.confidence  # adjacent structure outranks a trigger


def test_english_may_reads_as_possible() -> None:
    reading = _read(EN_TEXT, "en")
    claims = [c for c in reading.claims if c.sentence == 4]
    assert [(c.predicate, c.subject, c.object, c.status) for c in claims] == [
        (Predicate.EXPORTS, "fx-kazakhstan", "fx-grain", Status.POSSIBLE)
    ]
    assert claims[0].cue == "may"


def test_no_trigger_no_proposal() -> None:
    reading = _read(EN_NO_TRIGGER, "en")
    mentions, _ = find_mentions(EN_NO_TRIGGER, FORMS)
    assert {m.slug for m in mentions} == {"fx-pakistan", "fx-grain", "fx-karachi"}
    assert reading.claims == ()


def test_kinds_no_predicate_allows_yield_nothing() -> None:
    # City and Commodity: no predicate relates them, whatever trigger the sentence has.
    assert not any(
        K.CITY in spec.subjects and K.COMMODITY in spec.objects for spec in PREDICATES.values()
    )
    text = "Karachi exports grain and Karachi supplies grain."
    assert _read(text, "en").claims == ()
    # The same words with a country as subject do propose: the trigger was never the problem.
    assert _triples(_read("Pakistan exports grain.", "en").claims) == {
        ("EXPORTS", "fx-pakistan", "fx-grain")
    }


# --- Bengali ---------------------------------------------------------------------------------


def test_bengali_export_plan_with_exact_offsets() -> None:
    reading = _read(BN_TEXT, "bn")
    claim = _find(reading, Predicate.EXPORTS, "fx-kazakhstan", "fx-grain")
    assert claim.quote == "কাজাখস্তান পাকিস্তানে শস্য রপ্তানি"
    assert claim.start == 0
    assert claim.end == BN_TEXT.index("রপ্তানি") + len("রপ্তানি")
    assert claim.trigger == "রপ্তানি"
    assert claim.trigger_start == BN_TEXT.index("রপ্তানি")
    assert claim.status is Status.PLANNED
    assert claim.cue == "পরিকল্পনা করছে"
    _assert_offsets(BN_TEXT, claim)
    # Pakistan, juxtaposed and not conjoined, is where the grain goes, not who exports it.
    assert ("EXPORTS", "fx-pakistan", "fx-grain") not in _triples(reading.claims)


def test_bengali_held_in_and_participation() -> None:
    reading = _read(BN_TEXT, "bn")
    held = _find(reading, Predicate.HELD_IN, "fx-forum", "fx-karachi")
    assert held.quote == "করাচিতে অনুষ্ঠিত ব্যবসায়িক ফোরামে"
    assert held.start == BN_TEXT.index(BN_FORUM)
    assert held.trigger == "অনুষ্ঠিত"
    assert held.status is Status.STATED
    for party in ("fx-pakistan", "fx-kazakhstan"):
        claim = _find(reading, Predicate.PARTICIPATED_IN, party, "fx-forum")
        assert claim.trigger == "অংশগ্রহণ"
        assert claim.status is Status.STATED
        assert claim.quote.startswith("ব্যবসায়িক ফোরামে")
        _assert_offsets(BN_TEXT, claim)


def test_bengali_both_countries_resolve_to_the_two_countries_and_signed() -> None:
    reading = _read(BN_TEXT, "bn")
    for party in ("fx-pakistan", "fx-kazakhstan"):
        claim = _find(reading, Predicate.PARTY_TO, party, "fx-transit")
        assert claim.status is Status.SIGNED
        assert claim.quote == "উভয় দেশ ট্রানজিট বাণিজ্য চুক্তি স্বাক্ষর"
        assert claim.start == BN_TEXT.index(BN_BOTH)
        assert claim.trigger == "স্বাক্ষর"
        _assert_offsets(BN_TEXT, claim)
        assert claim.confidence < 0.9  # a resolved reference weighs less than a name


def test_bengali_genitive_title_and_apposition() -> None:
    reading = _read(BN_TEXT, "bn")
    office_of = _find(reading, Predicate.OFFICE_OF, "fx-president", "fx-kazakhstan")
    assert office_of.quote == "কাজাখস্তানের রাষ্ট্রপতি"
    assert office_of.trigger == "কাজাখস্তানের"
    holds = _find(reading, Predicate.HOLDS_OFFICE, "fx-tokayev", "fx-president")
    assert holds.quote == "কাজাখস্তানের রাষ্ট্রপতি কাসিম-জোমার্ট টোকায়েভ"
    # আসবেন (will come) hedges the coming, not the title: naming structures are stated.
    assert holds.status is Status.STATED
    assert office_of.status is Status.STATED
    for claim in (office_of, holds):
        _assert_offsets(BN_TEXT, claim)


def test_a_minister_title_is_not_a_head_of_state_office() -> None:
    text = "কাজাখস্তানের বাণিজ্য মন্ত্রী জাম কামাল খান বক্তব্য দেন।"  # FIXTURE
    kinds = {**KINDS, "fx-kz-minister": K.OFFICE}
    forms = [*FORMS, NameForm("কাজাখস্তানের বাণিজ্য মন্ত্রী", "fx-kz-minister")]
    mentions, unlinked = find_mentions(text, forms)
    reading = RuleExtractor(forms).read(
        text, "bn", split_sentences(text), mentions, kinds, unlinked
    )
    assert _triples(reading.claims) == {("HOLDS_OFFICE", "fx-khan", "fx-kz-minister")}


# --- Purity, registry, unlinked names -------------------------------------------------------


def test_reading_is_deterministic_and_ordered() -> None:
    first = _read(BN_TEXT, "bn")
    assert first == _read(BN_TEXT, "bn")
    assert _read(EN_TEXT, "en") == _read(EN_TEXT, "en")
    keys = [(c.sentence, c.start) for c in first.claims]
    assert keys == sorted(keys)
    # No (predicate, subject, object) twice in one sentence.
    seen = [(c.sentence, c.predicate, c.subject, c.object) for c in first.claims]
    assert len(seen) == len(set(seen))
    assert first.extractor == EXTRACTOR_NAME
    assert first.version


def test_registry_by_primary_subtag_and_unknown_language() -> None:
    assert extractor_for("bn-BD").name == EXTRACTOR_NAME
    assert extractor_for("EN_gb").name == EXTRACTOR_NAME
    null = extractor_for("fr")
    assert isinstance(null, NullExtractor)
    reading = null.read(EN_TEXT, "fr", split_sentences(EN_TEXT), [], KINDS, [])
    assert reading.claims == () and reading.entities == ()
    with pytest.raises(ValueError, match="no extraction rules"):
        RuleExtractor().read("Texte.", "fr", split_sentences("Texte."), [], {}, [])


@pytest.mark.parametrize(
    ("name", "language", "kind"),
    [
        ("Almaty Leather Association", "en", K.ASSOCIATION),
        ("Ministry of Energy", "en", K.MINISTRY),
        ("Silk Road Corridor", "en", K.CORRIDOR),
        ("Astana Economic Forum", "en", K.EVENT),
        ("Caspian Transit Agreement", "en", K.AGREEMENT),
        ("চামড়া সমিতির", "bn", K.ASSOCIATION),
        ("জ্বালানি মন্ত্রণালয়ের", "bn", K.MINISTRY),
        ("মধ্য করিডোর", "bn", K.CORRIDOR),
        ("জ্বালানি ফোরামে", "bn", K.EVENT),
        ("বাণিজ্য সম্মেলন", "bn", K.EVENT),
        ("Aigerim Bekova", "en", K.PERSON),
    ],
)
def test_unlinked_names_get_guessed_kinds(name: str, language: str, kind: EntityKind) -> None:
    guessed, confidence, reason = guess_kind(name, language)
    assert guessed is kind
    assert 0.0 < confidence <= 1.0
    assert reason


def test_a_bare_person_guess_is_low_confidence() -> None:
    _, named, _ = guess_kind("Astana Economic Forum", "en")
    _, bare, _ = guess_kind("Aigerim Bekova", "en")
    assert bare < named


def test_unlinked_candidates_become_entities_with_valid_slugs() -> None:
    text = "The Almaty Leather Association met Aigerim Bekova. আলমাতি চামড়া সমিতির সভা হয়।"
    mentions, unlinked = find_mentions(text, FORMS)
    assert unlinked, "fixture must leave names unlinked"
    reading = RuleExtractor(FORMS).read(
        text, "en", split_sentences(text), mentions, KINDS, unlinked
    )
    assert len(reading.entities) == len(unlinked)
    by_text = {e.text: e for e in reading.entities}
    association = by_text["Almaty Leather Association"]
    assert association.kind is K.ASSOCIATION
    assert association.slug == "almaty-leather-association"
    for entity in reading.entities:
        assert SLUG_PATTERN.fullmatch(entity.slug), entity.slug
        assert entity.text == text[entity.start : entity.end]
        assert 0.0 <= entity.confidence <= 1.0


def test_proposed_slugs() -> None:
    assert propose_slug("Almaty Leather Association") == "almaty-leather-association"
    assert propose_slug("Türkmenbaşy Port") == "turkmenbasy-port"
    bengali = propose_slug("চামড়া সমিতি")
    assert bengali.startswith("candidate-") and SLUG_PATTERN.fullmatch(bengali)
    assert bengali == propose_slug("চামড়া সমিতি")  # stable
    assert bengali != propose_slug("ট্যানারি সমিতি")
    assert SLUG_PATTERN.fullmatch(propose_slug("S Света"))  # mixed scripts: hashed


# --- The seed --------------------------------------------------------------------------------

# Measured on the seed article: strict precision 0.899, strict recall 0.732, triple precision
# 1.000, triple recall 0.804, status accuracy 0.899, reachable recall 0.900. The floors sit a
# little under, so a regression shows and a small honest change does not.
FLOORS = {
    "precision": 0.85,
    "recall": 0.70,
    "triple_precision": 0.95,
    "triple_recall": 0.77,
    "status_accuracy": 0.85,
    "reachable_recall": 0.85,
}


@pytest.fixture(scope="module")
def figures() -> Figures:
    return evaluate(DEFAULT_SEED_DIR)


def test_evaluation_figures_are_ratios_of_their_counts(figures: Figures) -> None:
    assert figures.documents >= 1
    assert figures.curated > 0
    for name in FLOORS:
        value = getattr(figures, name)
        assert 0.0 <= value <= 1.0, name
    assert figures.precision == figures.correct / figures.proposed
    assert figures.recall == figures.correct / figures.curated
    assert figures.correct <= figures.correct_triples <= figures.proposed_triples
    assert figures.status_correct <= figures.status_checked
    assert figures.correct_reachable <= figures.reachable <= figures.curated
    assert sum(p.curated for p in figures.by_predicate.values()) == figures.curated
    assert "precision" in render(figures)


def test_evaluation_stays_above_the_measured_floors(figures: Figures) -> None:
    for name, floor in FLOORS.items():
        assert getattr(figures, name) >= floor, f"{name} fell to {getattr(figures, name):.3f}"
