"""Find where a new document names entities the graph already knows, and what else it names.

Ingesting a document must ground every link in a span a reviewer can check, so matching is
deliberately literal: a mention is a known surface form found on word boundaries inside one
sentence, with offsets into the untouched text (the same code points kgapi.text uses). Bengali
inflects names with case endings glued to the stem ("পাকিস্তানের"), so a Bengali form may carry
one, and the span includes it because that is what the text says. Anything name-like that no
form explains is returned as a Candidate for a human to judge: this module never guesses a link.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from kgapi.queries.entities import EntityRow
from kgapi.text import Span, split_sentences

__all__ = [
    "BENGALI_CASE_ENDINGS",
    "BENGALI_POSSESSIVE_ENDINGS",
    "BENGALI_POSSESSIVE_STOPLIST",
    "LATIN_CONNECTORS",
    "SENTENCE_STARTERS",
    "Candidate",
    "Mention",
    "NameForm",
    "entity_name_forms",
    "find_mentions",
    "name_forms",
]

# Case endings and particles a Bengali name may carry, longest first so the whole suffix is taken.
# য় is spelled both as য + nukta (what the seed uses) and as the precomposed U+09DF; the escaped
# entries are the precomposed spellings, which editors would otherwise silently decompose.
BENGALI_CASE_ENDINGS: tuple[str, ...] = (
    "গুলির",
    "দেরকে",
    "য়েরও",
    "গুলি",
    "য়ের",
    "\u09df\u09c7\u09b0\u0993",  # -য়েরও, precomposed
    "এরও",
    "েরও",
    "কেও",
    "তেও",
    "দের",
    "কেই",
    "তেই",
    "\u09df\u09c7\u09b0",  # -য়ের, precomposed
    "এর",
    "ের",
    "কে",
    "য়",
    "তে",
    "েও",
    "েই",
    "রও",
    "রা",
    "সহ",
    "র",
    "\u09df",  # -য়, precomposed
    "এ",
    "ে",
    "ও",
)

# A Bengali word ending in one of these is possessive, the commonest shape of an unknown name.
BENGALI_POSSESSIVE_ENDINGS: tuple[str, ...] = ("এর", "ের")
MIN_POSSESSIVE_STEM = 3

# Common nouns that take -ের/-এর in news prose; they are not names, so never candidates.
BENGALI_POSSESSIVE_STOPLIST: frozenset[str] = frozenset(
    {
        "দেশের",
        "বাণিজ্যের",
        "সম্পর্কের",
        "লক্ষ্যের",
        "অংশীদারিত্বের",
        "বছরের",
        "মাসের",
        "সরকারের",
        "মন্ত্রণালয়ের",
        "সময়ের",
        "পণ্যের",
        "শিল্পের",
        "খাতের",
        "উদ্যোগের",
        "সফরের",
        "বৈঠকের",
        "ফোরামের",
        "অঞ্চলের",
        "অর্জনের",
        "উন্নয়নের",
        "পরিবহনের",
        "স্বাক্ষরের",
        "বিকাশের",
        "রুটের",
        "বন্দরের",
        "কৃষিপণ্যের",
        "ব্যবসায়ীদের",
        "আলোচনার",
        "দিনের",
        "পক্ষের",
        "বিষয়ের",
        "প্রস্তাবের",
        "ধরনের",
        "তাদের",
        "আমাদের",
        "যাদের",
        "এদের",
        "ওদের",
    }
)

# Lower-case words that may sit inside a capitalised name: "Chamber of Commerce and Industry".
LATIN_CONNECTORS: frozenset[str] = frozenset({"of", "and", "for", "the"})

# Capitalised only because they open a sentence; alone there they are not names.
SENTENCE_STARTERS: frozenset[str] = frozenset(
    {
        "a",
        "according",
        "after",
        "also",
        "an",
        "as",
        "at",
        "before",
        "both",
        "but",
        "by",
        "during",
        "for",
        "from",
        "he",
        "her",
        "his",
        "however",
        "if",
        "in",
        "it",
        "its",
        "meanwhile",
        "on",
        "she",
        "since",
        "so",
        "such",
        "that",
        "the",
        "their",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "we",
        "when",
        "while",
        "with",
    }
)
_STOPWORDS = SENTENCE_STARTERS | LATIN_CONNECTORS

_ZERO_WIDTH_JOINERS = frozenset({"\u200c", "\u200d"})
_LATIN_WORD = re.compile(r"[0-9A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]+")
# What may separate two capitalised words of one name: spaces, or a hyphen or en dash.
_NAME_GAP = re.compile(r"\s+|\s*[-–]\s*")
_BENGALI_WORD = re.compile(r"[\u0980-\u09ff\u200c\u200d]+")


@dataclass(frozen=True, slots=True)
class NameForm:
    """One surface form of a known entity, as the matcher looks for it."""

    text: str
    slug: str


@dataclass(frozen=True, slots=True)
class Mention:
    """A known entity named in the text; `text` is exactly document[start:end]."""

    slug: str
    sentence: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """A name-like span no form explains, left for a reviewer rather than guessed at."""

    text: str
    sentence: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Compiled:
    order: int
    form: NameForm
    pattern: re.Pattern[str]
    takes_endings: bool


def _is_bengali(ch: str) -> bool:
    return "\u0980" <= ch <= "\u09ff" or ch in _ZERO_WIDTH_JOINERS


def _is_word_char(ch: str) -> bool:
    # Combining marks count: a vowel sign or nukta after a form means the word goes on.
    return _is_bengali(ch) or ch.isalnum() or unicodedata.category(ch).startswith("M")


def name_forms(
    entities: Iterable[tuple[str, str | None, str | None, Iterable[str]]],
) -> list[NameForm]:
    """Flatten entity rows into forms, keeping seed order so ties resolve predictably. The
    last element holds the aliases and the names in other languages (entity_name_forms)."""
    forms: list[NameForm] = []
    seen: set[NameForm] = set()
    for slug, name_bn, name_en, aliases in entities:
        for raw in (name_bn, name_en, *aliases):
            text = (raw or "").strip()
            form = NameForm(text, slug)
            if text and form not in seen:
                seen.add(form)
                forms.append(form)
    return forms


def entity_name_forms(entities: Iterable[EntityRow]) -> list[NameForm]:
    """The forms of stored entities: every name in every language, then the aliases."""
    return name_forms(
        (
            e.slug,
            e.name_bn,
            e.name_en,
            [
                *(name for tag, name in e.names().items() if tag not in ("bn", "en")),
                *e.aliases,
            ],
        )
        for e in entities
    )


def _compile(order: int, form: NameForm) -> _Compiled:
    bengali = any(_is_bengali(ch) for ch in form.text)
    # Bengali has no case; Latin (and other cased scripts) match case-insensitively.
    flags = 0 if bengali else re.IGNORECASE
    takes_endings = _is_bengali(form.text[-1])
    return _Compiled(order, form, re.compile(re.escape(form.text), flags), takes_endings)


def _joined(text: str, at: int, lo: int, hi: int) -> bool:
    """True if a word runs on across `at`: both neighbours lie in [lo, hi) and are word chars."""
    if at <= lo or at >= hi:
        return False
    return _is_word_char(text[at - 1]) and _is_word_char(text[at])


def _match_end(text: str, compiled: _Compiled, start: int, end: int, hi: int) -> int | None:
    """Where a match of the form at [start, end) really ends, after any case ending; or None."""
    if not _joined(text, end, start, hi):
        return end
    if compiled.takes_endings:
        for ending in BENGALI_CASE_ENDINGS:
            stop = end + len(ending)
            if text.startswith(ending, end) and not _joined(text, stop, start, hi):
                return stop
    return None


def _sentence_matches(
    text: str, span: Span, compiled: Sequence[_Compiled]
) -> list[tuple[int, int, int, str]]:
    """Every occurrence of every form in the sentence as (start, end, form order, slug)."""
    found: list[tuple[int, int, int, str]] = []
    for item in compiled:
        pos = span.start
        while (match := item.pattern.search(text, pos, span.end)) is not None:
            start = match.start()
            pos = start + 1
            if _joined(text, start, span.start, span.end):
                continue
            end = _match_end(text, item, start, match.end(), span.end)
            if end is not None:
                found.append((start, end, item.order, item.form.slug))
    return found


def _select(found: list[tuple[int, int, int, str]]) -> list[tuple[int, int, int, str]]:
    """Longest match first, then leftmost, then earliest form; chosen spans never overlap."""
    chosen: list[tuple[int, int, int, str]] = []
    for cand in sorted(found, key=lambda m: (m[0] - m[1], m[0], m[2])):
        if all(cand[1] <= other[0] or other[1] <= cand[0] for other in chosen):
            chosen.append(cand)
    return sorted(chosen)


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start < s_end and s_start < end for s_start, s_end in spans)


def _latin_runs(
    text: str, span: Span, taken: Sequence[tuple[int, int]]
) -> list[list[re.Match[str]]]:
    """Maximal runs of capitalised words, joined by spaces, dashes or lower-case connectors."""
    runs: list[list[re.Match[str]]] = []
    current: list[re.Match[str]] = []
    pending: list[re.Match[str]] = []
    previous: re.Match[str] | None = None
    for word in _LATIN_WORD.finditer(text, span.start, span.end):
        if previous is not None and not _NAME_GAP.fullmatch(text, previous.end(), word.start()):
            runs.append(current)
            current, pending = [], []
        previous = word
        if _overlaps(word.start(), word.end(), taken):
            # A linked name splits runs: the rest of the words may still be a name of their own.
            runs.append(current)
            current, pending = [], []
        elif word.group()[0].isupper():
            current += [*pending, word]
            pending = []
        elif current and word.group() in LATIN_CONNECTORS:
            pending.append(word)
        else:
            runs.append(current)
            current, pending = [], []
    runs.append(current)
    return [run for run in runs if run]


def _opening_word(text: str, span: Span) -> int | None:
    """Start of the sentence's first word when it is Latin (after any quotes or brackets)."""
    first = _LATIN_WORD.search(text, span.start, span.end)
    if first is None or any(_is_word_char(ch) for ch in text[span.start : first.start()]):
        return None
    return first.start()


def _latin_candidates(text: str, span: Span, taken: Sequence[tuple[int, int]]) -> list[Candidate]:
    opening = _opening_word(text, span)
    candidates: list[Candidate] = []
    for run in _latin_runs(text, span, taken):
        if run[0].start() == opening and run[0].group().lower() in SENTENCE_STARTERS:
            # "The Lahore Chamber ..." opens a sentence: the article is not part of the name.
            while run and run[0].group().lower() in _STOPWORDS:
                run = run[1:]
        if all(word.group().lower() in _STOPWORDS for word in run):
            continue
        start, end = run[0].start(), run[-1].end()
        candidates.append(Candidate(text[start:end], span.index, start, end))
    return candidates


def _bengali_candidates(text: str, span: Span, taken: Sequence[tuple[int, int]]) -> list[Candidate]:
    candidates: list[Candidate] = []
    for word in _BENGALI_WORD.finditer(text, span.start, span.end):
        value = word.group()
        ending = next((e for e in BENGALI_POSSESSIVE_ENDINGS if value.endswith(e)), None)
        if ending is None or len(value) - len(ending) < MIN_POSSESSIVE_STEM:
            continue
        if value in BENGALI_POSSESSIVE_STOPLIST or _overlaps(word.start(), word.end(), taken):
            continue
        candidates.append(Candidate(value, span.index, word.start(), word.end()))
    return candidates


def find_mentions(
    text: str,
    forms: Sequence[NameForm],
    on_sentence: Callable[[int, int], None] | None = None,
) -> tuple[list[Mention], list[Candidate]]:
    """Link known forms sentence by sentence and report the unexplained names alongside.

    on_sentence(done, total) runs after each sentence so a caller can drive a progress bar.
    """
    compiled = [_compile(order, form) for order, form in enumerate(forms) if form.text]
    spans = split_sentences(text)
    mentions: list[Mention] = []
    candidates: list[Candidate] = []
    for done, span in enumerate(spans, start=1):
        chosen = _select(_sentence_matches(text, span, compiled))
        taken = [(start, end) for start, end, _, _ in chosen]
        mentions += [Mention(slug, span.index, s, e, text[s:e]) for s, e, _, slug in chosen]
        found = _latin_candidates(text, span, taken) + _bengali_candidates(text, span, taken)
        candidates += sorted(found, key=lambda c: c.start)
        if on_sentence is not None:
            on_sentence(done, len(spans))
    return mentions, candidates
