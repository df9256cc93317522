"""Modality cues: the words that tell a signed fact from a plan, a hope or a possibility.

The status of a claim is the product's promise ("a plan is never recorded as a fact"), so it has
to be readable off the text by a rule anyone can check, not by a curator's impression. This
module is that rule: per language, a lexicon of cue patterns, each mapped to one status, and
`cues()` finding them with offsets into the untouched text.

Usage::

    >>> from kgapi.ingest.modality import cues, status_of
    >>> [c.status.value for c in cues("চুক্তি স্বাক্ষরের প্রক্রিয়া চলছে।", "bn")]
    ['in_progress']
    >>> status_of("Agreements may be signed during the visit.", "en").value
    'possible'

Reading rules, decided once here:

- Text is matched after NFC normalisation with ZWJ/ZWNJ removed (য় and ড় reach us both
  precomposed and as letter + nukta; editors insert joiners at will). Offsets are mapped back,
  so a cue's `surface` is always `text[start:end]` of the original.
- Bengali is verb-final and inflects, so a cue is a verb group with its endings spelled out
  (করেছে / করেছেন / করেছিল ...). A non-finite form is not a cue: "স্বাক্ষরের প্রক্রিয়া"
  (the process of signing) and "স্বাক্ষরিত হওয়ার সম্ভাবনা" (the possibility of being signed)
  name a signing, they do not report one. "সম্ভাবনার" / "সম্ভাবনাকে" (potential, a noun) are not
  "সম্ভাবনা রয়েছে" (there is a possibility).
- The future (করবে, will) is an intention, **planned**, when someone acts ("যোগাযোগ স্থাপন
  করবে", will establish contact); a future that forecasts an outcome ("দৃঢ় করবে", will make
  firmer; "সহজতর করবে", will ease; "নিয়ে যাবে", will take to; "will strengthen") is an
  **expected** one. The lexicon cannot parse subjects, so outcome verbs are listed as longer
  cues, and a longer cue wins over the bare future it contains.
- Emphasis ("জোর দিয়েছে", "জোর দেওয়া হচ্ছে", "গুরুত্বারোপ করেছেন", stressed) is **stated**: the
  text asserts the emphasis, not the emphasised act. It justifies an EMPHASIZES claim, never a
  claim that the act happened.
- "সম্মত হয়েছে" / "agreed to" (to do something) and a purpose clause ("সরবরাহ করার জন্য", in
  order to supply) are **planned**: what was agreed or aimed at is yet to happen.
- "সম্ভাবনা রয়েছে", "হতে পারে", "may", "could", "likely" are **possible**: weaker than an
  expectation the text reports ("আশা করা হচ্ছে", "is expected to").
- Overlapping matches: the longest wins, then the one listed first.

`status_of` picks one status for a sentence, or for a span of it (a claim's quote): the cues
inside the span if there are any, else the nearest one (for a verb-final language a following
cue wins a tie, since the verb comes after its arguments); among several, the most hedged
(`PRECEDENCE`), because when a sentence mixes a realis verb and a hedge, only the hedged
reading cannot overstate. New languages plug in with `register(Lexicon(...))`, keyed by the
primary subtag of a BCP 47 tag ("bn-BD" reads as "bn").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kgapi.model import Predicate, Status

__all__ = [
    "PRECEDENCE",
    "Cue",
    "CueRule",
    "Lexicon",
    "cues",
    "languages",
    "lexicon",
    "normalise",
    "register",
    "status_of",
]

# Most hedged first: the status status_of() prefers when several cues govern the same span.
PRECEDENCE: tuple[Status, ...] = (
    Status.POSSIBLE,
    Status.EXPECTED,
    Status.PLANNED,
    Status.IN_PROGRESS,
    Status.SIGNED,
    Status.STATED,
)

_JOINERS = str.maketrans("", "", "\u200c\u200d")
_WORD = r"[\w\u0980-\u09FF]"
# Words longer than this are normalised character by character (see normalise()).
_MAX_EXACT_WORD = 256


@dataclass(frozen=True, slots=True)
class Cue:
    """A cue found in a text: its status and [start, end) code-point offsets into the text."""

    status: Status
    start: int
    end: int
    surface: str
    gloss: str = ""
    predicates: frozenset[Predicate] | None = None

    def speaks_of(self, predicate: Predicate | None) -> bool:
        """Whether this cue gives the status of a fact with that predicate (None: any fact)."""
        return predicate is None or self.predicates is None or predicate in self.predicates


@dataclass(frozen=True, slots=True)
class CueRule:
    """One lexicon entry. In `pattern` a space stands for any run of whitespace.

    `predicates` narrows what the cue speaks of: an emphasis verb states the emphasis (an
    EMPHASIZES fact), never the emphasised act; None means any fact the sentence carries.
    """

    status: Status
    pattern: str
    gloss: str
    predicates: frozenset[Predicate] | None = None


@dataclass(frozen=True)
class Lexicon:
    """A language's cues. `verb_final` decides which way status_of() breaks a distance tie."""

    language: str
    rules: tuple[CueRule, ...]
    verb_final: bool = False
    ignore_case: bool = False
    _compiled: tuple[tuple[re.Pattern[str], CueRule], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        flags = re.IGNORECASE if self.ignore_case else 0
        compiled = []
        for rule in self.rules:
            if rule.status is Status.RETRACTED:
                raise ValueError("retraction is a lifecycle fact, not a modality cue")
            body = _fold(rule.pattern).replace(" ", r"\s+")
            pattern = re.compile(rf"(?<!{_WORD})(?:{body})(?!{_WORD})", flags)
            compiled.append((pattern, rule))
        object.__setattr__(self, "_compiled", tuple(compiled))

    def find(self, text: str) -> list[Cue]:
        """Every cue in text, overlaps resolved (longest, then first listed), in text order."""
        folded, bounds = normalise(text)
        found: list[tuple[int, int, int, CueRule]] = []
        for order, (pattern, rule) in enumerate(self._compiled):
            for match in pattern.finditer(folded):
                found.append((bounds[match.start()], bounds[match.end()], order, rule))
        found.sort(key=lambda f: (-(f[1] - f[0]), f[2], f[0]))
        kept: list[tuple[int, int, int, CueRule]] = []
        for item in found:
            if all(item[1] <= k[0] or k[1] <= item[0] for k in kept):
                kept.append(item)
        kept.sort(key=lambda f: f[0])
        return [Cue(r.status, s, e, text[s:e], r.gloss, r.predicates) for s, e, _, r in kept]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_JOINERS)


def normalise(text: str) -> tuple[str, list[int]]:
    """NFC without joiners, and for each normalised offset (and the end) the original offset.

    Normalisation never crosses whitespace, so it is done word by word; a word that changes is
    mapped through its prefixes, so a match boundary always lands on an original boundary.
    """
    out: list[str] = []
    bounds: list[int] = []
    for match in re.finditer(r"\s+|\S+", text):
        word, base = match.group(), match.start()
        folded = _fold(word)
        if folded == word:
            out.append(word)
            bounds.extend(range(base, base + len(word)))
            continue
        if len(word) > _MAX_EXACT_WORD:
            pieces = [_fold(ch) for ch in word]
            for i, piece in enumerate(pieces):
                bounds.extend([base + i] * len(piece))
            out.append("".join(pieces))
            continue
        lengths = [len(_fold(word[:k])) for k in range(len(word) + 1)]
        for j in range(len(folded)):
            bounds.append(base + next(k for k, n in enumerate(lengths) if n > j) - 1)
        out.append(folded)
    bounds.append(len(text))
    return "".join(out), bounds


_LEXICONS: dict[str, Lexicon] = {}


def register(lex: Lexicon) -> None:
    """Add or replace the lexicon of a language (its primary BCP 47 subtag)."""
    _LEXICONS[_primary(lex.language)] = lex


def languages() -> list[str]:
    return sorted(_LEXICONS)


def _primary(language: str) -> str:
    return language.strip().replace("_", "-").split("-")[0].lower()


def lexicon(language: str) -> Lexicon:
    """The lexicon for a BCP 47 tag, raising ValueError naming the languages there are."""
    found = _LEXICONS.get(_primary(language))
    if found is None:
        raise ValueError(
            f"no modality cues for language {language!r}; known: {', '.join(languages())}"
        )
    return found


def cues(text: str, language: str, predicate: Predicate | None = None) -> list[Cue]:
    """The modality cues of text in a language, in text order, with code-point offsets.

    With a predicate, only the cues that speak of such a fact (overlaps are resolved first, so
    "জোর দিয়েছে" hides the bare perfect "দিয়েছে" inside it from every other predicate).
    """
    return [c for c in lexicon(language).find(text) if c.speaks_of(predicate)]


def status_of(
    text: str,
    language: str,
    span: tuple[int, int] | None = None,
    predicate: Predicate | None = None,
) -> Status | None:
    """The status the text gives (a span of) it, or None when it has no cue that applies."""
    lex = lexicon(language)
    found = cues(text, language, predicate)
    if not found:
        return None
    if span is None:
        return _most_hedged(c.status for c in found)
    start, end = span
    inside = [c for c in found if c.start < end and start < c.end]
    if inside:
        return _most_hedged(c.status for c in inside)
    return _nearest(found, start, end, lex.verb_final).status


def _most_hedged(statuses: Iterable[Status]) -> Status:
    return min(statuses, key=PRECEDENCE.index)


def _nearest(found: Sequence[Cue], start: int, end: int, verb_final: bool) -> Cue:
    def distance(cue: Cue) -> tuple[int, int]:
        after = cue.start >= end
        gap = cue.start - end if after else start - cue.end
        # On a tie the side where the verb sits wins: after the span in a verb-final language.
        return gap, 0 if after == verb_final else 1

    return min(found, key=distance)


# --- Bengali -----------------------------------------------------------------------------------

# Verb endings: perfect (করেছে, has done), simple past (করল, did), and "হ" (to become) inflected.
_PERFECT = "(?:েছে|েছেন|েছিল|েছিলেন|েছিলো)"
_PAST = "(?:লেন|লো|ল)"
_BECAME = "হ(?:য়েছে|য়েছেন|য়েছিল|য়েছিলেন|লেন|লো|ল)"
_BN_FUTURE_STEMS = "(?:কর|দে|নে|হ|যা|পা|রাখ|আস)"
_EMPHASIS = frozenset({Predicate.EMPHASIZES})
_AIM = frozenset({Predicate.AIMS_AT})

BENGALI = Lexicon(
    language="bn",
    verb_final=True,
    rules=(
        # signed
        CueRule(Status.SIGNED, f"(?:স্বাক্ষর|সই) কর(?:{_PERFECT}|{_PAST})", "has signed"),
        CueRule(Status.SIGNED, f"(?:স্বাক্ষর|সই) করা {_BECAME}", "has been signed"),
        CueRule(Status.SIGNED, f"স্বাক্ষরিত {_BECAME}", "was signed"),
        # in progress
        CueRule(Status.IN_PROGRESS, "প্রক্রিয়া চল(?:ছে|ছিল)", "the process is under way"),
        CueRule(Status.IN_PROGRESS, "প্রক্রিয়াধীন", "in process"),
        CueRule(Status.IN_PROGRESS, "আলোচনা চল(?:ছে|ছিল)", "talks are under way"),
        CueRule(Status.IN_PROGRESS, "বাস্তবায়(?:িত হচ্ছে|নাধীন)", "being implemented"),
        CueRule(Status.IN_PROGRESS, "চলমান", "ongoing"),
        CueRule(Status.IN_PROGRESS, "চল(?:ছে|ছিল)", "is going on"),
        # expected
        CueRule(
            Status.EXPECTED,
            "(?:বলে )?(?:আশা|প্রত্যাশা) (?:করা হচ্ছে|করা হয়|করছে|করছেন)",
            "is expected / hoped",
        ),
        CueRule(Status.EXPECTED, "প্রত্যাশিত", "expected"),
        CueRule(Status.EXPECTED, "আশাবাদী", "hopeful"),
        CueRule(
            Status.EXPECTED,
            "(?:দৃঢ়|শক্তিশালী|সহজতর|সহজ|জোরদার|উন্নত|মজবুত|গভীর|ত্বরান্বিত|প্রসারিত|সাহায্য) করবে",
            "will strengthen / ease / help (a forecast outcome)",
        ),
        CueRule(Status.EXPECTED, "নিয়ে যাবে", "will take (to new heights)"),
        CueRule(Status.EXPECTED, "(?:সহায়ক|সহায়তাকারী) হবে", "will help"),
        CueRule(Status.EXPECTED, "(?:ভূমিকা|অবদান) রাখবে", "will contribute"),
        # possible
        CueRule(Status.POSSIBLE, "সম্ভাবনা (?:রয়েছে|আছে|দেখা দিয়েছে)", "there is a possibility"),
        CueRule(Status.POSSIBLE, "সম্ভবত", "probably"),
        CueRule(Status.POSSIBLE, "(?:হ|কর|দি|নি|যে|পে|রাখ|আস)তে পার(?:ে|েন)", "may / could"),
        # planned
        CueRule(
            Status.PLANNED,
            f"পরিকল্পনা (?:কর(?:ছে|ছেন|ছিল|{_PERFECT})|রয়েছে|আছে|নিয়েছে)",
            "plans / is planning",
        ),
        CueRule(Status.PLANNED, f"সম্মত {_BECAME}", "agreed (to do)"),
        CueRule(Status.PLANNED, "আসন্ন", "upcoming"),
        CueRule(Status.PLANNED, "অনুষ্ঠিত হবে", "will be held"),
        CueRule(
            Status.PLANNED,
            "(?:করা|দেওয়া|নেওয়া|হওয়া|আনা|রাখা)র জন্য",
            "in order to (a purpose clause)",
        ),
        CueRule(Status.PLANNED, f"{_BN_FUTURE_STEMS}(?:বে|বেন|ব|বো)", "will (an intended act)"),
        # stated
        CueRule(
            Status.STATED,
            "(?:জোর|গুরুত্ব|মনোযোগ) (?:দিয়েছে|দিয়েছেন|দেওয়া হয়েছে|দেওয়া হচ্ছে|দিচ্ছে|দিচ্ছেন)",
            "emphasis is placed (the emphasis, not the act)",
            _EMPHASIS,
        ),
        CueRule(Status.STATED, f"গুরুত্বারোপ কর(?:ছে|ছেন|{_PERFECT})", "stressed", _EMPHASIS),
        CueRule(Status.STATED, "(?:যার )?লক্ষ্য(?:ে|)", "whose aim is / with the aim of", _AIM),
        CueRule(Status.STATED, "অনুষ্ঠিত", "held"),
        CueRule(Status.STATED, f"[\u0980-\u09ff]+{_PERFECT}", "has done (perfect)"),
        CueRule(
            Status.STATED,
            "(?:করেন|করলেন|করল|করলো|বলেন|বললেন|জানান|জানালেন|দিলেন|হন|হলেন|হলো)",
            "did / does (simple past, narrative present)",
        ),
        CueRule(Status.STATED, "(?:রয়েছে|আছে|ছিল|ছিলেন)", "is / was"),
    ),
)

# --- English -----------------------------------------------------------------------------------

ENGLISH = Lexicon(
    language="en",
    ignore_case=True,
    rules=(
        # signed
        CueRule(Status.SIGNED, "(?:signed|inked)", "signed"),
        # in progress
        CueRule(Status.IN_PROGRESS, "under ?way", "under way"),
        CueRule(Status.IN_PROGRESS, "in (?:the )?process(?: of)?", "in process"),
        CueRule(Status.IN_PROGRESS, "in progress", "in progress"),
        CueRule(
            Status.IN_PROGRESS,
            "being (?:processed|negotiated|finali[sz]ed|drafted|implemented)",
            "being processed",
        ),
        CueRule(Status.IN_PROGRESS, "(?:ongoing|negotiating)", "ongoing"),
        # expected
        CueRule(Status.EXPECTED, "(?:is|are|was|were) (?:expected|hoped) to", "is expected to"),
        CueRule(Status.EXPECTED, "(?:expected|hopes? to|is hoped)", "expected"),
        CueRule(
            Status.EXPECTED,
            "will (?:further )?(?:strengthen|boost|ease|facilitate|help|deepen|enhance|improve|"
            "increase|take|benefit|contribute|make)",
            "will strengthen (a forecast outcome)",
        ),
        # possible
        CueRule(Status.POSSIBLE, "(?-i:may)|might|could|possibly|possible|likely", "may"),
        CueRule(Status.POSSIBLE, "there is a (?:possibility|chance)", "there is a possibility"),
        # planned
        CueRule(
            Status.PLANNED,
            "(?:plans?|planning|intends?|intending|agreed|agree|agrees) to",
            "plans to / agreed to",
        ),
        CueRule(Status.PLANNED, "(?:planned|upcoming|scheduled|to be held)", "planned"),
        CueRule(Status.PLANNED, "(?:will|shall)", "will (an intended act)"),
        # stated
        CueRule(
            Status.STATED,
            "(?:stressed|emphasi[sz]ed|underlined|highlighted)",
            "stressed (the emphasis, not the act)",
            _EMPHASIS,
        ),
        CueRule(
            Status.STATED,
            "(?:aims? (?:to|at)|with the aim of|the aim being|target of|goal of)",
            "aims at",
            _AIM,
        ),
        CueRule(Status.STATED, "(?:has|have|had|is|are|was|were|did|does)", "is / has"),
        CueRule(Status.STATED, "(?:said|held|took part|built|made|met)", "did"),
        CueRule(Status.STATED, "[a-z]+ed", "did (past tense)"),
    ),
)

register(BENGALI)
register(ENGLISH)
