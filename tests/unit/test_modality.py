"""The modality cue lexicon: Bengali and English sentences read to the status the text gives."""

from __future__ import annotations

import pytest

from kgapi.ingest import modality
from kgapi.ingest.modality import (
    PRECEDENCE,
    CueRule,
    Lexicon,
    cues,
    languages,
    lexicon,
    normalise,
    register,
    status_of,
)
from kgapi.model import Predicate, Status
from kgapi.seed import DEFAULT_SEED_DIR
from kgapi.text import split_sentences

ARTICLE = (DEFAULT_SEED_DIR / "documents" / "000_a2bfdf3df2dbf4a8.txt").read_text("utf-8")


def _statuses(text: str, language: str) -> list[str]:
    return [c.status.value for c in cues(text, language)]


@pytest.mark.parametrize(
    "sentence,status",
    [
        # sentences of the seed article
        ("উভয় দেশ একটি যৌথ কর্মপরিকল্পনা (২০২৫-২০২৬) স্বাক্ষর করেছে।", "signed"),
        ("একটি ট্রানজিট বাণিজ্য চুক্তি স্বাক্ষরের প্রক্রিয়া চলছে", "in_progress"),
        ("উভয় দেশ যৌথ উদ্যোগ বিকাশের পরিকল্পনা করছে।", "planned"),
        ("উভয় দেশ বাণিজ্য মিশনের আয়োজন করতে সম্মত হয়েছে।", "planned"),
        ("দুই সমিতি সরাসরি যোগাযোগ স্থাপন করবে।", "planned"),
        ("নভেম্বরের আসন্ন পাকিস্তান সফর", "planned"),
        ("এই সফর সম্পর্ককে আরও শক্তিশালী করবে বলে আশা করা হচ্ছে।", "expected"),
        ("এই ধরনের উদ্যোগ বাণিজ্য সম্পর্ককে আরও দৃঢ় করবে।", "expected"),
        ("গুরুত্বপূর্ণ চুক্তি স্বাক্ষরিত হওয়ার সম্ভাবনা রয়েছে।", "possible"),
        ("যা চাহিদা মেটাতে সহায়ক হতে পারে।", "possible"),
        ("কৃষি একটি গুরুত্বপূর্ণ ক্ষেত্র হিসেবে চিহ্নিত হয়েছে।", "stated"),
        # inflected forms the article does not use
        ("তারা চুক্তিতে স্বাক্ষর করেছেন।", "signed"),
        ("দুই দেশ চুক্তি স্বাক্ষর করেছিল।", "signed"),
        ("চুক্তিটি স্বাক্ষরিত হয়েছে।", "signed"),
        ("মন্ত্রীরা সফরের পরিকল্পনা করছেন।", "planned"),
        ("আলোচনা চলছে।", "in_progress"),
        ("বৈঠক আগামী মাসে অনুষ্ঠিত হবে।", "planned"),
    ],
)
def test_a_bengali_sentence_reads_to_its_status(sentence: str, status: str) -> None:
    assert status_of(sentence, "bn") == Status(status)
    assert status in _statuses(sentence, "bn")


@pytest.mark.parametrize(
    "sentence,status",
    [
        ("Pakistan and Kazakhstan signed a joint action plan.", "signed"),
        ("Action plan inked.", "signed"),
        ("Work on the transit agreement is under way.", "in_progress"),
        ("The agreement is in process.", "in_progress"),
        ("Both countries plan to expand cooperation.", "planned"),
        ("They agreed to hold joint exhibitions.", "planned"),
        ("The associations will establish direct contact.", "planned"),
        ("The visit is expected to strengthen ties.", "expected"),
        ("Such initiatives will strengthen trade relations.", "expected"),
        ("Agreements may be signed during the visit.", "possible"),
        ("Agreements are likely to be signed.", "possible"),
        ("The ministers stressed export growth.", "stated"),
        ("A business forum was held in Karachi.", "stated"),
    ],
)
def test_an_english_sentence_reads_to_its_status(sentence: str, status: str) -> None:
    assert status_of(sentence, "en") == Status(status)


def test_a_non_finite_signing_is_not_a_signed_cue() -> None:
    # "স্বাক্ষরের প্রক্রিয়া" (the process of signing), "স্বাক্ষরিত হওয়ার সম্ভাবনা" (the
    # possibility of being signed): a signing named, not reported.
    assert _statuses("চুক্তি স্বাক্ষরের প্রক্রিয়া চলছে", "bn") == ["in_progress"]
    assert _statuses("চুক্তি স্বাক্ষরিত হওয়ার সম্ভাবনা রয়েছে", "bn") == ["possible"]


def test_potential_the_noun_is_not_a_possibility() -> None:
    # সম্ভাবনার / সম্ভাবনাকে: "(their) potential", sentences 6 and 7 of the article.
    assert "possible" not in _statuses("বাণিজ্য তাদের সম্ভাবনার তুলনায় অনেক কম।", "bn")
    assert "possible" not in _statuses("এই সম্ভাবনাকে কাজে লাগাতে তারা গুরুত্বারোপ করেছেন।", "bn")
    assert "possible" not in _statuses("যত তাড়াতাড়ি সম্ভব", "bn")


def test_may_the_month_is_not_a_hedge() -> None:
    assert status_of("The plan was signed in May.", "en") == Status.SIGNED


def test_a_future_that_forecasts_an_outcome_is_expected_and_an_intended_act_planned() -> None:
    assert _statuses("যোগাযোগ স্থাপন করবে", "bn") == ["planned"]
    assert _statuses("সম্পর্ককে দৃঢ় করবে", "bn") == ["expected"]  # the longer cue wins
    assert status_of("The agreements will be signed in November.", "en") == Status.PLANNED


def test_emphasis_speaks_of_the_emphasis_not_of_the_emphasised_act() -> None:
    sentence = "করিডোর রুটের উন্নয়নে জোর দেওয়া হচ্ছে।"
    assert status_of(sentence, "bn", predicate=Predicate.EMPHASIZES) == Status.STATED
    assert status_of(sentence, "bn", predicate=Predicate.DEVELOPS) is None
    # the emphasis cue hides the bare perfect inside it from every other predicate
    assert cues("বাণিজ্যের উপর জোর দিয়েছে", "bn", Predicate.AIMS_AT) == []


def test_offsets_are_code_points_of_the_untouched_text() -> None:
    for span in split_sentences(ARTICLE):
        for language in ("bn", "en"):
            for cue in cues(span.text, language):
                assert span.text[cue.start : cue.end] == cue.surface


def test_precomposed_and_decomposed_spellings_match_alike() -> None:
    decomposed = "উভয় দেশ সম্মত হ\u09af\u09bcেছে।"  # য + nukta, as the seed spells it
    precomposed = "উভয় দেশ সম্মত হ\u09dfেছে।"  # U+09DF
    assert len(precomposed) == len(decomposed) - 1
    for text in (decomposed, precomposed):
        [cue] = cues(text, "bn")
        assert cue.status is Status.PLANNED
        assert text[cue.start : cue.end] == cue.surface
        assert cue.surface.startswith("সম্মত") and text[cue.end] == "।"


def test_joiners_do_not_hide_a_cue() -> None:
    text = "চুক্তি স্বাক্ষর\u200c করেছে"
    [cue] = cues(text, "bn")
    assert cue.status is Status.SIGNED and cue.surface == text[cue.start : cue.end]


def test_normalise_maps_every_offset_back() -> None:
    text = "ক \u09dfা খ"
    folded, bounds = normalise(text)
    assert folded == "ক \u09af\u09bcা খ"
    assert len(bounds) == len(folded) + 1
    assert bounds[2] == 2 and bounds[4] == 3 and bounds[-1] == len(text)


def test_the_most_hedged_cue_governs_a_sentence() -> None:
    nine = split_sentences(ARTICLE)[9].text  # has built ... to supply ... may help
    assert set(_statuses(nine, "bn")) == {"planned", "stated", "possible"}
    assert status_of(nine, "bn") == Status.POSSIBLE


def test_within_a_span_its_own_cues_govern_else_the_nearest() -> None:
    nine = split_sentences(ARTICLE)[9].text
    built = nine.index("রপ্তানি ভিত্তি তৈরি করেছে")
    assert status_of(nine, "bn", (built, built + len("রপ্তানি ভিত্তি তৈরি করেছে"))) == (Status.STATED)
    grain = nine.index("শস্য")
    assert status_of(nine, "bn", (grain, grain + len("শস্য"))) == Status.PLANNED


def test_a_tie_goes_to_the_verb_side_of_the_language() -> None:
    bn = "করবে খ করেছে"  # the verb follows its arguments: the cue after wins
    assert status_of(bn, "bn", (6, 7)) == Status.STATED
    en = "will B has"  # the cue before wins
    assert status_of(en, "en", (5, 6)) == Status.PLANNED


def test_no_cue_gives_no_status() -> None:
    assert status_of("পাকিস্তান ও কাজাখস্তান", "bn") is None
    assert cues("", "en") == []


def test_languages_are_bcp47_tags_by_their_primary_subtag() -> None:
    assert lexicon("bn-BD") is lexicon("bn")
    assert lexicon("EN_gb") is lexicon("en")
    with pytest.raises(ValueError, match="no modality cues for language 'fr'; known: bn, en"):
        cues("signé", "fr")


def test_a_language_plugs_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(modality, "_LEXICONS", dict(modality._LEXICONS))
    register(
        Lexicon(
            "de",
            (
                CueRule(Status.SIGNED, "unterzeichnet", "signed"),
                CueRule(Status.POSSIBLE, "könnte", "could"),
            ),
            verb_final=True,
            ignore_case=True,
        )
    )
    assert "de" in languages()
    assert status_of("Das Abkommen könnte im November unterzeichnet werden.", "de-AT") == (
        Status.POSSIBLE
    )


def test_retraction_is_not_a_cue() -> None:
    with pytest.raises(ValueError, match="lifecycle"):
        Lexicon("xx", (CueRule(Status.RETRACTED, "withdrawn", "withdrawn"),))


@pytest.mark.parametrize("language", ["bn", "en"])
def test_each_language_has_cues_for_every_modality(language: str) -> None:
    statuses = {rule.status for rule in lexicon(language).rules}
    assert statuses == set(Status) - {Status.RETRACTED}
    assert set(PRECEDENCE) == statuses
