"""The rule-based candidate-claim extractor: what a machine may propose, and why.

A curator reviews every proposal, so the extractor's job is to be *checkable*: each proposed
claim names the trigger word that justifies its predicate, the evidence span that covers
subject, object and trigger, and a status read by the same modality lexicon the seed audit uses
(kgapi.ingest.modality). Nothing here is trained or keyed to a document; the lexicons below are
general words of each language, declared once as data.

Usage::

    >>> from kgapi.ingest.extract import extractor_for
    >>> reader = extractor_for("bn-BD")        # the Bengali rules
    >>> reading = reader.read(text, "bn", sentences, mentions, kinds, unlinked)

How a sentence is read (the same steps for every language):

0. **Language.** The document's rules, except that a sentence written only in Latin letters
   inside a document of another script (a Bengali article's list of English sources) is read
   with the English rules and the English modality cues.
1. **Mentions.** The linked mentions of the sentence, plus what the linker cannot give:
   *group references* ("উভয় দেশ", "both countries", and a plural pronoun "তারা"/"they" only
   in the sentence right after one) resolved to the two countries the document has named most
   so far; "দ্বিপাক্ষিক সম্পর্ক"/"bilateral relations" as those two, only as the object of a
   predicate with a `relations` qualifier (STRENGTHENS); a *demonstrative* before a kind word
   ("এই সফরকালে", "this visit") as the latest entity of that kind named before it; and
   *names inside names* ("কাজাখস্তানের রাষ্ট্রপতি" holds Kazakhstan; a corridor named
   "A-B-C" holds A, B and C), found with the document's own mention surfaces and any name forms
   the extractor was built with. A reference phrase inside a linked name is part of the name.
2. **Naming structures** (no trigger word needed, the structure is the trigger): a title
   immediately before a person's name (HOLDS_OFFICE); a country in the genitive immediately
   before, or at the head of, an office, ministry or association (OFFICE_OF only for a head of
   state's title, as the model defines it; a minister's office belongs to its ministry);
   a compound name describing its own referent: an event whose name says where it was held or
   which country it visits, a corridor whose name lists its countries, an agreement whose name
   says what it concerns.
3. **Triggered pairs.** For every ordered pair of mentions whose kinds a predicate allows
   (kgapi.model.PREDICATES), a trigger of that predicate in the sentence, outside every name
   (unless the trigger is one a name may carry, e.g. "চুক্তি"/"agreement" for PARTY_TO, and
   both arguments are linked names), and in the same clause as the object. Clauses end at
   ";" or ":" or at a comma before a relative word ("যা", "যার", "which"). Among several
   subjects of one kind for one object, the leftmost and those conjoined to it ("A ও B",
   "A and B") are kept: in "কাজাখস্তান পাকিস্তান সরবরাহ করার জন্য ... রপ্তানি" only
   Kazakhstan exports.
4. **Status.** `modality.status_of` over the trigger's clause, for the evidence span (the part
   of it inside that clause): cues of another clause govern another verb. A fact read from a
   naming structure takes only the cues inside its own span ("আসন্ন পাকিস্তান সফর", the
   upcoming visit, is planned; "কাজাখস্তানের রাষ্ট্রপতি" is stated whatever the sentence's
   verb hedges). No cue: stated.

Confidence (only orders a reviewer's queue), clipped to [0, 1]:

- naming structures: 0.95 (adjacent apposition or genitive), 0.9 (a name inside a name),
  0.7 (a bare country word heading an office: no genitive ending);
- triggered pairs: 0.3 + 0.6 * (subject, object and trigger lengths / evidence span length),
  so a trigger right between its arguments scores near 0.9 and one far away near 0.3;
- times 0.8 when the trigger sits inside a name, 0.75 when an argument is a group reference
  or "bilateral relations", 0.6 when it is a plural pronoun or a demonstrative.

The best trigger for a pair is the one with the highest confidence (then the shorter span);
one proposal per (predicate, subject, object) and sentence, the most confident.

Unlinked names (kgapi.mentions.Candidate) become ProposedEntity values with a kind guessed from
their head word ("... Association", "... সমিতি") and a proposed slug: the name folded to
lowercase ASCII when it is written in Latin letters, else "candidate-" and 10 hex digits of the
name's SHA-256 (Bengali names are not transliterated; the curator names the slug on
acceptance).

Languages plug in per BCP 47 primary subtag: `register_extractor("xx", factory)`. A language
with no rules gets the NullExtractor, which proposes nothing (and says so in its name), so a
document in any language can be ingested; the proposal queue stays empty until someone writes
that language's rules.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from kgapi.ingest.modality import Cue, cues, lexicon, normalise, status_of
from kgapi.ingest.proposals import Extractor, ProposedClaim, ProposedEntity, Reading
from kgapi.mentions import BENGALI_CASE_ENDINGS, Candidate, Mention, NameForm, find_mentions
from kgapi.model import MAX_SLUG_LENGTH, PREDICATES, EntityKind, Predicate, Status
from kgapi.text import Span

__all__ = [
    "EXTRACTOR_NAME",
    "EXTRACTOR_VERSION",
    "NullExtractor",
    "RuleExtractor",
    "RuleSet",
    "TriggerRule",
    "extractor_for",
    "guess_kind",
    "propose_slug",
    "register_extractor",
    "rule_set",
]

EXTRACTOR_NAME = "kgapi-rules"
EXTRACTOR_VERSION = "1.0"

K = EntityKind
P = Predicate

# Confidence constants (see the module docstring).
ADJACENT_STRUCTURE = 0.95
NESTED_STRUCTURE = 0.9
BARE_HEAD_STRUCTURE = 0.7
TRIGGER_FLOOR = 0.3
TRIGGER_SPREAD = 0.6
TRIGGER_IN_NAME = 0.8
GROUP_REFERENCE = 0.75
PRONOUN_REFERENCE = 0.6

_BENGALI_LETTER = "\u0980-\u09ff"
_BN_WORD_TAIL = f"[{_BENGALI_LETTER}]*"
_JOINERS = str.maketrans("", "", "\u200c\u200d")
_GENITIVE_BN = ("য়ের", "\u09df\u09c7\u09b0", "এর", "ের", "র")

# The predicates a naming structure may give, so no trigger is needed for them.
_APPOSITION = P.HOLDS_OFFICE
_GENITIVE_OF: Mapping[EntityKind, Predicate] = {
    K.OFFICE: P.OFFICE_OF,
    K.MINISTRY: P.MINISTRY_OF,
    K.ASSOCIATION: P.ASSOCIATION_OF,
}


@dataclass(frozen=True, slots=True)
class TriggerRule:
    """One trigger of a predicate. In `pattern` a space stands for any run of whitespace.

    `in_name`: the trigger may sit inside the subject's or the object's own name (a visit's
    name says "সফর"/"visit"; an agreement's says "চুক্তি"/"agreement"); other triggers found
    inside a name are words of the name, not of the sentence ("শিল্প সহযোগিতা" names a sector,
    it does not report a cooperation).
    """

    predicate: Predicate
    pattern: str
    gloss: str
    in_name: bool = False


@dataclass(frozen=True)
class RuleSet:
    """A language's extraction rules: triggers, reference phrases and the kind lexicon."""

    language: str
    triggers: tuple[TriggerRule, ...]
    group_phrases: tuple[str, ...]  # "both countries": the document's two main countries
    plural_pronouns: tuple[str, ...]  # "they", read as the group only right after one
    clause_openers: tuple[str, ...]  # relative words that open a clause after a comma
    conjunctions: tuple[str, ...]  # what may join two subjects of one verb
    head_of_state_titles: tuple[str, ...]  # OFFICE_OF is the head of state's office
    kind_cues: tuple[tuple[EntityKind, str], ...]  # (kind, pattern for a name's head word)
    relation_phrases: tuple[str, ...] = ()  # "bilateral relations": the two, as a relation
    demonstratives: tuple[str, ...] = ()  # "this" before a kind word: the latest of that kind
    letters: str = ""  # the script's letters (a regex class body); "" for Latin
    bengali: bool = False  # words inflect: a pattern matches a word's stem
    ignore_case: bool = False


# --- Bengali -----------------------------------------------------------------------------------

BENGALI_RULES = RuleSet(
    language="bn",
    bengali=True,
    triggers=(
        TriggerRule(P.PARTY_TO, "(?:স্বাক্ষর|সই)", "sign"),
        TriggerRule(P.PARTY_TO, "চুক্তি", "agreement", in_name=True),
        TriggerRule(P.PARTY_TO, "অনুমোদন", "ratify"),
        TriggerRule(P.AIMS_AT, "(?:লক্ষ্য|উদ্দেশ্য|অর্জন)", "aim / achieve"),
        TriggerRule(P.COMMITTED_TO, "(?:অঙ্গীকার|প্রতিশ্রুতি|প্রতিজ্ঞা)", "pledge"),
        TriggerRule(
            P.EMPHASIZES,
            "(?:(?:জোর|গুরুত্ব|মনোযোগ) (?:দি|দে|দ)|গুরুত্বারোপ|অগ্রাধিকার)",
            "stress",
        ),
        TriggerRule(P.COOPERATES_IN, "সহযোগিতা", "cooperation"),
        TriggerRule(P.EXPORTS, "(?:রপ্তানি|রফতানি|সরবরাহ)", "export / supply"),
        TriggerRule(P.OFFERS, "(?:প্রস্তাব|প্রদান)", "offer"),
        TriggerRule(P.WILL_CONTACT, "যোগাযোগ", "contact"),
        TriggerRule(P.ROUTE_INCLUDES, "(?:হয়ে|মধ্য দিয়ে)", "via"),
        TriggerRule(P.DEVELOPS, "(?:উন্নয়ন|বিকাশ|নির্মাণ)", "develop"),
        TriggerRule(P.FACILITATES_TRADE_WITH, "(?:সহজতর|সহজ|সুগম)", "ease"),
        TriggerRule(P.PLANS, "পরিকল্পনা", "plan"),
        TriggerRule(P.AGREED_TO_HOLD, "(?:সম্মত|আয়োজন)", "agree to / organise"),
        TriggerRule(P.HELD_IN, "অনুষ্ঠিত", "held", in_name=True),
        TriggerRule(
            P.PARTICIPATED_IN,
            "(?:অংশ (?:নি|নে)|অংশগ্রহণ|যোগ (?:দি|দে)|যোগদান|উপস্থিত|আলোচনা)",
            "took part / attended / discussed",
        ),
        TriggerRule(P.PARTICIPATED_IN, "সফর", "(someone's) visit", in_name=True),
        TriggerRule(P.VISITS, "সফর", "visit", in_name=True),
        TriggerRule(P.EXPECTED_AT, "(?:স্বাক্ষর|সই)", "signed (during)"),
        TriggerRule(
            P.STRENGTHENS,
            "(?:(?:জোরদার|শক্তিশালী|দৃঢ়|সুদৃঢ়|মজবুত|গভীর) (?:কর|হ)|শক্তিশালীকরণ|জোরদারকরণ)",
            "strengthen (make strong; not the adjective)",
        ),
        TriggerRule(P.MAY_MEET_DEMAND_OF, "চাহিদা", "demand"),
        TriggerRule(P.CONCERNS, "(?:সংক্রান্ত|বিষয়ক|সম্পর্কিত)", "concerning", in_name=True),
        TriggerRule(P.HEADS, "(?:নেতৃত্ব|প্রধান)", "heads"),
    ),
    group_phrases=("উভয় দেশ", "উভয় পক্ষ", "দুই দেশ", "দুই পক্ষ", "দুদেশ"),
    plural_pronouns=("তারা", "তাঁরা"),
    clause_openers=("যা", "যার", "যে", "যেখানে", "যাতে", "যাদের"),
    conjunctions=("ও", "এবং", "আর", "এবং"),
    head_of_state_titles=("রাষ্ট্রপতি", "প্রধানমন্ত্রী", "প্রেসিডেন্ট", "রাজা", "আমির"),
    relation_phrases=("দ্বিপাক্ষিক সম্পর্ক", "দ্বিপক্ষীয় সম্পর্ক", "দ্বিপাক্ষিক বন্ধন"),
    demonstratives=("এই", "ওই", "উক্ত", "সেই"),
    letters=_BENGALI_LETTER,
    kind_cues=(
        (K.MINISTRY, "মন্ত্রণালয়"),
        (K.OFFICE, "(?:প্রধানমন্ত্রী|মন্ত্রী|রাষ্ট্রপতি|রাষ্ট্রদূত|সচিব|প্রেসিডেন্ট|গভর্নর)"),
        (K.ASSOCIATION, "(?:সমিতি|চেম্বার|ফেডারেশন|পরিষদ|সংস্থা|সংঘ|অ্যাসোসিয়েশন)"),
        (K.CORRIDOR, "(?:করিডোর|রুট|মহাসড়ক)"),
        (K.AGREEMENT, "(?:চুক্তি|সমঝোতা|কর্মপরিকল্পনা)"),
        (K.EVENT, "(?:ফোরাম|সম্মেলন|বৈঠক|সভা|প্রদর্শনী|সফর|মেলা)"),
        (K.INITIATIVE, "(?:উদ্যোগ|মিশন|প্রকল্প|কর্মসূচি)"),
        (K.GOAL, "(?:লক্ষ্যমাত্রা|লক্ষ্য)"),
        (K.COUNTRY, "[\u0980-\u09ff]+স্তান"),
    ),
)

# --- English -----------------------------------------------------------------------------------

ENGLISH_RULES = RuleSet(
    language="en",
    ignore_case=True,
    triggers=(
        TriggerRule(
            P.PARTY_TO,
            "(?:sign(?:s|ed|ing)?|signator(?:y|ies)|ink(?:s|ed)?|conclude[sd]?|concluding|"
            "finali[sz](?:e|es|ed|ing)|ratif(?:y|ies|ied|ying)|part(?:y|ies) to)",
            "sign / conclude",
        ),
        TriggerRule(
            P.PARTY_TO, "(?:agreements?|accords?|treat(?:y|ies)|pacts?)", "agreement", True
        ),
        TriggerRule(
            P.AIMS_AT,
            "(?:aim(?:s|ed|ing)?|target(?:s|ed|ing)?|goals?|objectives?|seek(?:s|ing)?|"
            "achiev(?:e|es|ed|ing))",
            "aim / achieve",
        ),
        TriggerRule(
            P.COMMITTED_TO,
            "(?:pledge[sd]?|pledging|commit(?:s|ted|ment)?|vow(?:s|ed)?)",
            "pledge",
        ),
        TriggerRule(
            P.EMPHASIZES,
            "(?:stress(?:es|ed|ing)?|emphasi[sz](?:e|es|ed|ing)|underlin(?:e|es|ed|ing)|"
            "highlight(?:s|ed|ing)?|focus(?:es|ed|ing)? on|priorit(?:y|i[sz]e[sd]?))",
            "stress",
        ),
        TriggerRule(
            P.COOPERATES_IN,
            "(?:cooperat(?:e|es|ed|ing|ion)|collaborat(?:e|es|ed|ing|ion))",
            "cooperate",
        ),
        TriggerRule(
            P.EXPORTS,
            "(?:export(?:s|ed|ing|er|ers)?|suppl(?:y|ies|ied|ying)|ship(?:s|ped|ping)?)",
            "export",
        ),
        TriggerRule(
            P.OFFERS, "(?:offer(?:s|ed|ing)?|provid(?:e|es|ed|ing)|extend(?:s|ed)?)", "offer"
        ),
        TriggerRule(
            P.WILL_CONTACT, "(?:contact(?:s|ed|ing)?|liais(?:e|es|ed|ing)|reach out)", "contact"
        ),
        TriggerRule(P.ROUTE_INCLUDES, "(?:through|via|passing)", "via"),
        TriggerRule(
            P.DEVELOPS,
            "(?:develop(?:s|ed|ing|ment)?|build(?:s|ing)?|built|construct(?:s|ed|ing|ion)?)",
            "develop",
        ),
        TriggerRule(
            P.FACILITATES_TRADE_WITH,
            "(?:facilitat(?:e|es|ed|ing)|eas(?:e|es|ed|ing)|boost(?:s|ed|ing)?)",
            "ease",
        ),
        TriggerRule(P.PLANS, "(?:plan(?:s|ned|ning)?|intend(?:s|ed)?)", "plan"),
        TriggerRule(
            P.AGREED_TO_HOLD,
            "(?:agree(?:s|d)? to (?:hold|organi[sz]e|host|stage)|organi[sz](?:e|es|ed|ing)|"
            "host(?:s|ed|ing)?)",
            "agree to hold",
        ),
        TriggerRule(
            P.HELD_IN, "(?:held (?:in|at)|hosted (?:in|by)|took place in|convened in)", "held", True
        ),
        TriggerRule(
            P.PARTICIPATED_IN,
            "(?:took part|take[sn]? part|participat(?:e|es|ed|ing)|attend(?:s|ed|ing)?|"
            "joined|discuss(?:ed|es)|met)",
            "took part",
        ),
        TriggerRule(P.PARTICIPATED_IN, "visit(?:s|ed)?", "(someone's) visit", in_name=True),
        TriggerRule(P.VISITS, "(?:visit(?:s|ed|ing)?|trip|tour)", "visit", in_name=True),
        TriggerRule(P.EXPECTED_AT, "(?:sign(?:ed|ing)?|ink(?:ed)?)", "signed (during)"),
        TriggerRule(
            P.STRENGTHENS,
            "(?:strengthen(?:s|ed|ing)?|deepen(?:s|ed|ing)?|bolster(?:s|ed|ing)?|cement(?:s|ed)?)",
            "strengthen",
        ),
        TriggerRule(P.MAY_MEET_DEMAND_OF, "demand", "demand"),
        TriggerRule(
            P.CONCERNS,
            "(?:on|concerning|regarding|related to|covering|about)",
            "concerning",
            in_name=True,
        ),
        TriggerRule(P.HEADS, "(?:head(?:s|ed)?|lead(?:s)?|led)", "heads"),
    ),
    group_phrases=(
        "both countries",
        "the two countries",
        "both nations",
        "the two nations",
        "both sides",
        "the two sides",
    ),
    plural_pronouns=("they",),
    relation_phrases=("bilateral relations", "bilateral relationship", "bilateral ties"),
    demonstratives=("this", "that", "these", "those", "the said"),
    clause_openers=("which", "who", "whose", "where", "while", "whereas"),
    conjunctions=("and", "&", "as well as"),
    head_of_state_titles=(
        "president",
        "prime minister",
        "king",
        "queen",
        "emir",
        "chancellor",
        "head of state",
    ),
    kind_cues=(
        (K.MINISTRY, "(?:ministry|department)"),
        (
            K.OFFICE,
            "(?:minister|president|prime minister|secretary|ambassador|governor|chairman|"
            "chairperson|envoy)",
        ),
        (
            K.ASSOCIATION,
            "(?:association|chamber|council|federation|union|society|guild|confederation)",
        ),
        (K.CORRIDOR, "(?:corridor|route|highway|railway|pipeline)"),
        (K.AGREEMENT, "(?:agreement|treaty|accord|pact|plan|memorandum|mou|protocol)"),
        (K.EVENT, "(?:forum|summit|conference|meeting|expo|exhibition|visit|festival|talks)"),
        (K.INITIATIVE, "(?:initiatives?|programmes?|programs?|projects?|missions?)"),
        (K.GOAL, "(?:goals?|targets?)"),
        (K.REGION, "(?:asia|europe|africa|america|region|gulf|caucasus)"),
        (K.COUNTRY, "(?:republic|kingdom|emirates|[a-z]+stan)"),
        (K.CITY, "(?:city)"),
    ),
)

_RULE_SETS: dict[str, RuleSet] = {"bn": BENGALI_RULES, "en": ENGLISH_RULES}


def _primary(language: str) -> str:
    return language.strip().replace("_", "-").split("-")[0].lower()


def rule_set(language: str) -> RuleSet:
    """The rules for a BCP 47 tag, raising ValueError naming the languages there are."""
    found = _RULE_SETS.get(_primary(language))
    if found is None:
        known = ", ".join(sorted(_RULE_SETS))
        raise ValueError(f"no extraction rules for language {language!r}; known: {known}")
    return found


# --- Patterns ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Compiled:
    rules: RuleSet
    triggers: tuple[tuple[re.Pattern[str], TriggerRule], ...]
    groups: re.Pattern[str] | None
    pronouns: re.Pattern[str] | None
    clause_break: re.Pattern[str]
    kind_cues: tuple[tuple[EntityKind, re.Pattern[str]], ...]
    titles: re.Pattern[str] | None
    relations: re.Pattern[str] | None
    demonstratives: tuple[tuple[EntityKind, re.Pattern[str]], ...]
    letters: re.Pattern[str] | None


def _fold(pattern: str) -> str:
    """Patterns are matched against normalise()d text, so they are folded the same way (a
    precomposed য় in a pattern would otherwise never match)."""
    return unicodedata.normalize("NFC", pattern).translate(_JOINERS)


def _word_pattern(body: str, rules: RuleSet, *, inflects: bool) -> str:
    body = _fold(body).replace(" ", r"\s+")
    if rules.bengali:
        tail = _BN_WORD_TAIL if inflects else ""
        return rf"(?<![{_BENGALI_LETTER}])(?:{body}){tail}(?![{_BENGALI_LETTER}])"
    return rf"(?<![\w'])(?:{body})(?!\w)"


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", " ") for w in sorted(words, key=len, reverse=True))


def _compile(rules: RuleSet) -> _Compiled:
    flags = re.IGNORECASE if rules.ignore_case else 0

    def words(items: Sequence[str], *, inflects: bool) -> re.Pattern[str] | None:
        if not items:
            return None
        return re.compile(_word_pattern(_alternatives(items), rules, inflects=inflects), flags)

    triggers = tuple(
        (re.compile(_word_pattern(r.pattern, rules, inflects=True), flags), r)
        for r in rules.triggers
    )
    openers = _alternatives(rules.clause_openers)
    after = rf"(?![{_BENGALI_LETTER}])" if rules.bengali else r"\b"
    clause_break = re.compile(rf"[;:]|,(?=\s*(?:{openers}){after})", flags)
    kind_cues = tuple(
        (kind, re.compile(_word_pattern(pattern, rules, inflects=True), flags))
        for kind, pattern in rules.kind_cues
    )
    demonstratives: tuple[tuple[EntityKind, re.Pattern[str]], ...] = ()
    if rules.demonstratives:
        this = _alternatives(rules.demonstratives)
        demonstratives = tuple(
            (
                kind,
                re.compile(_word_pattern(f"(?:{this}) (?:{pattern})", rules, inflects=True), flags),
            )
            for kind, pattern in rules.kind_cues
        )
    return _Compiled(
        rules,
        triggers,
        words(rules.group_phrases, inflects=True),
        words(rules.plural_pronouns, inflects=False),
        clause_break,
        kind_cues,
        words(rules.head_of_state_titles, inflects=True),
        words(rules.relation_phrases, inflects=True),
        demonstratives,
        re.compile(f"[{rules.letters}]") if rules.letters else None,
    )


_COMPILED: dict[str, _Compiled] = {}


def _compiled(language: str) -> _Compiled:
    key = _primary(language)
    if key not in _COMPILED:
        _COMPILED[key] = _compile(rule_set(language))
    return _COMPILED[key]


def _find(pattern: re.Pattern[str], text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Matches of pattern in text[start:end], read NFC without joiners, as original offsets."""
    folded, bounds = normalise(text[start:end])
    return [(start + bounds[m.start()], start + bounds[m.end()]) for m in pattern.finditer(folded)]


# --- The reading -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Arg:
    """A mention as an argument: a linked name, a group reference or a name inside a name."""

    slug: str
    kind: EntityKind
    start: int
    end: int
    weight: float = 1.0  # GROUP_REFERENCE or PRONOUN_REFERENCE for resolved references
    role: str = "name"  # name | group | pronoun | relations | anaphor

    @property
    def linked(self) -> bool:
        return self.role == "name"


@dataclass(frozen=True, slots=True)
class _Nested:
    outer: Mention
    slug: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Found:
    """A proposal before deduplication; `structural` ones take their span's own cues only."""

    predicate: Predicate
    subject: _Arg
    object: _Arg
    trigger: tuple[int, int]
    confidence: float
    structural: bool
    status_span: tuple[int, int]  # where status_of reads the cues (document offsets)
    clause: tuple[int, int]


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _clauses(compiled: _Compiled, text: str, sentence: Span) -> list[tuple[int, int]]:
    cuts = [s for s, _ in _find(compiled.clause_break, text, sentence.start, sentence.end)]
    bounds = [sentence.start, *cuts, sentence.end]
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def _clause_of(clauses: Sequence[tuple[int, int]], at: int) -> tuple[int, int]:
    for clause in clauses:
        if clause[0] <= at < clause[1]:
            return clause
    return clauses[-1]


class RuleExtractor:
    """The lexicon-and-structure reader for the languages with a RuleSet (bn, en).

    `forms` are the name forms the linker used (kgapi.mentions.entity_name_forms); they only
    help find names inside longer names, which the linker never reports since its mentions do
    not overlap. Without them the document's own mention surfaces are used.
    """

    name: str = EXTRACTOR_NAME
    version: str = EXTRACTOR_VERSION

    def __init__(self, forms: Sequence[NameForm] = ()) -> None:
        self._forms = tuple(forms)

    def read(
        self,
        text: str,
        language: str,
        sentences: Sequence[Span],
        mentions: Sequence[Mention],
        kinds: Mapping[str, EntityKind],
        unlinked: Sequence[Candidate],
    ) -> Reading:
        main = _compiled(language)
        known = [m for m in mentions if m.slug in kinds]
        nested = self._nested(known)
        claims: list[ProposedClaim] = []
        previous_group = False
        for sentence in sentences:
            compiled = _sentence_rules(main, sentence.text)
            in_sentence = [m for m in known if m.sentence == sentence.index]
            before = [m for m in known if m.sentence <= sentence.index]
            countries = _main_countries(before, known, kinds)
            taken = [(m.start, m.end) for m in in_sentence]
            groups = _references(compiled.groups, text, sentence, taken, countries, "group")
            pronouns = (
                _references(compiled.pronouns, text, sentence, taken, countries, "pronoun")
                if previous_group
                else []
            )
            relations = _references(
                compiled.relations, text, sentence, taken, countries, "relations"
            )
            previous_group = bool(groups)
            args = [
                *(_Arg(m.slug, kinds[m.slug], m.start, m.end) for m in in_sentence),
                *groups,
                *pronouns,
                *relations,
                *_anaphora(compiled, text, sentence, taken, before, kinds),
            ]
            inner = [n for n in nested if n.outer.sentence == sentence.index]
            found = [
                *_apposition(text, in_sentence, kinds),
                *_genitive(compiled, text, in_sentence, inner, kinds),
                *_self_describing(compiled, text, inner, kinds),
                *_triggered(compiled, text, sentence, args),
            ]
            claims += _finish(text, compiled.rules.language, sentence, found)
        entities = [_propose_entity(_sentence_rules(main, c.text), c) for c in unlinked]
        return Reading(
            extractor=self.name,
            version=self.version,
            claims=tuple(claims),
            entities=tuple(sorted(entities, key=lambda e: (e.sentence, e.start, e.end))),
        )

    def _nested(self, mentions: Sequence[Mention]) -> list[_Nested]:
        """Known names inside each mention (the linker keeps only the longest, so
        "কাজাখস্তানের রাষ্ট্রপতি" hides the Kazakhstan in it)."""
        forms: list[NameForm] = list(self._forms)
        seen = set(forms)
        for m in mentions:
            form = NameForm(m.text, m.slug)
            if form not in seen:
                seen.add(form)
                forms.append(form)
        found: list[_Nested] = []
        for outer in mentions:
            haystack = outer.text.casefold()
            useful = [f for f in forms if f.slug != outer.slug and f.text.casefold() in haystack]
            if not useful:
                continue
            inner, _ = find_mentions(outer.text, useful)
            for m in inner:
                if m.end - m.start < len(outer.text):
                    found.append(_Nested(outer, m.slug, outer.start + m.start, outer.start + m.end))
        return found


class NullExtractor:
    """The reader for a language with no rules: it proposes nothing, so ingestion still works
    and the review queue simply stays empty for that language."""

    name: str = "kgapi-none"
    version: str = EXTRACTOR_VERSION

    def read(
        self,
        text: str,
        language: str,
        sentences: Sequence[Span],
        mentions: Sequence[Mention],
        kinds: Mapping[str, EntityKind],
        unlinked: Sequence[Candidate],
    ) -> Reading:
        return Reading(self.name, self.version, (), ())


# --- Steps ------------------------------------------------------------------------------------


def _main_countries(
    before: Sequence[Mention], known: Sequence[Mention], kinds: Mapping[str, EntityKind]
) -> list[str]:
    """The two countries a "both countries" means: named most so far (else in the whole
    document), ties broken by who was named first."""
    for pool in (before, known):
        counts: dict[str, int] = {}
        first: dict[str, int] = {}
        for m in pool:
            if kinds.get(m.slug) is K.COUNTRY:
                counts[m.slug] = counts.get(m.slug, 0) + 1
                first.setdefault(m.slug, m.start)
        if len(counts) >= 2:
            ranked = sorted(counts, key=lambda s: (-counts[s], first[s]))
            return ranked[:2]
    return []


_REFERENCE_WEIGHT = {"group": GROUP_REFERENCE, "relations": GROUP_REFERENCE}


def _references(
    pattern: re.Pattern[str] | None,
    text: str,
    sentence: Span,
    taken: Sequence[tuple[int, int]],
    countries: Sequence[str],
    role: str,
) -> list[_Arg]:
    """ "Both countries" (or "they" after it, or "bilateral relations") as the two countries;
    a phrase inside a linked name is part of that name ("দ্বিপাক্ষিক বাণিজ্য ১ বিলিয়ন")."""
    if pattern is None or len(countries) < 2:
        return []
    weight = _REFERENCE_WEIGHT.get(role, PRONOUN_REFERENCE)
    return [
        _Arg(slug, K.COUNTRY, start, end, weight, role)
        for start, end in _find(pattern, text, sentence.start, sentence.end)
        if not any(_overlaps((start, end), t) for t in taken)
        for slug in countries
    ]


def _anaphora(
    compiled: _Compiled,
    text: str,
    sentence: Span,
    taken: Sequence[tuple[int, int]],
    before: Sequence[Mention],
    kinds: Mapping[str, EntityKind],
) -> list[_Arg]:
    """ "এই সফর" / "this visit": the latest entity named so far whose kind the noun names."""
    found: list[_Arg] = []
    for kind, pattern in compiled.demonstratives:
        for start, end in _find(pattern, text, sentence.start, sentence.end):
            if any(_overlaps((start, end), t) for t in taken):
                continue
            earlier = [m for m in before if kinds[m.slug] is kind and m.end <= start]
            if earlier:
                latest = max(earlier, key=lambda m: m.start)
                found.append(_Arg(latest.slug, kind, start, end, PRONOUN_REFERENCE, "anaphor"))
    return found


def _sentence_rules(main: _Compiled, sentence: str) -> _Compiled:
    """The rules a sentence is read with: the document's, unless the document's script is not
    Latin and the sentence is written only in Latin letters (a Bengali article's list of
    English sources), which is read as English."""
    if main.letters is None or main.letters.search(sentence) or "en" not in _RULE_SETS:
        return main
    if re.search(r"[A-Za-z]", sentence):
        return _compiled("en")
    return main


def _allowed(subject: EntityKind, obj: EntityKind) -> list[Predicate]:
    return [p for p, spec in PREDICATES.items() if subject in spec.subjects and obj in spec.objects]


def _apposition(
    text: str, mentions: Sequence[Mention], kinds: Mapping[str, EntityKind]
) -> list[_Found]:
    """A title right before a name ("বাণিজ্য মন্ত্রী জাম কামাল খান", "President Tokayev"), or
    a name, a comma and a title ("Tokayev, the President of Kazakhstan")."""
    found: list[_Found] = []
    ordered = sorted(mentions, key=lambda m: m.start)
    for left, right in itertools.pairwise(ordered):
        gap = text[left.end : right.start]
        pair = (kinds[left.slug], kinds[right.slug])
        if pair == (K.OFFICE, K.PERSON) and re.fullmatch(r"\s*,?\s*", gap):
            office, person = left, right
        elif pair == (K.PERSON, K.OFFICE) and re.fullmatch(r"\s*,\s*(?:the\s+)?", gap):
            person, office = left, right
        else:
            continue
        span = (left.start, right.end)
        found.append(
            _Found(
                _APPOSITION,
                _Arg(person.slug, K.PERSON, person.start, person.end),
                _Arg(office.slug, K.OFFICE, office.start, office.end),
                (office.start, office.end),
                ADJACENT_STRUCTURE,
                True,
                span,
                span,
            )
        )
    return found


def _ends_genitive(surface: str, compiled: _Compiled, text_after: str) -> bool:
    if compiled.rules.bengali:
        return surface.endswith(_GENITIVE_BN)
    return bool(re.match(r"['’]s?\b", text_after))


def _genitive(
    compiled: _Compiled,
    text: str,
    mentions: Sequence[Mention],
    nested: Sequence[_Nested],
    kinds: Mapping[str, EntityKind],
) -> list[_Found]:
    """A country's office, ministry or association: "কাজাখস্তানের রাষ্ট্রপতি", "Pakistan's
    Tanners Association", "Ministry of Commerce of Pakistan". OFFICE_OF is the head of state's
    office (kgapi.model), so a minister's title does not make one."""
    found: list[_Found] = []

    def add(holder: Mention, country: str, span: tuple[int, int], weight: float) -> None:
        kind = kinds[holder.slug]
        predicate = _GENITIVE_OF[kind]
        if predicate is P.OFFICE_OF and not (
            compiled.titles and _find(compiled.titles, text, holder.start, holder.end)
        ):
            return
        found.append(
            _Found(
                predicate,
                _Arg(holder.slug, kind, holder.start, holder.end),
                _Arg(country, K.COUNTRY, span[0], span[1]),
                span,
                weight,
                True,
                (min(holder.start, span[0]), max(holder.end, span[1])),
                (holder.start, holder.end),
            )
        )

    # The country inside the holder's name, at its head or (English) after a final "of".
    for n in nested:
        if kinds.get(n.slug) is not K.COUNTRY or kinds[n.outer.slug] not in _GENITIVE_OF:
            continue
        surface = text[n.start : n.end]
        head = text[n.outer.start : n.start].strip() in ("", "the", "The")
        tail = text[n.end : n.outer.end].strip() == "" and bool(
            re.search(r"\bof\s+(?:the\s+)?$", text[n.outer.start : n.start])
        )
        genitive = head and _ends_genitive(surface, compiled, text[n.end : n.outer.end])
        if genitive or tail or (head and not compiled.rules.bengali):
            add(n.outer, n.slug, (n.start, n.end), NESTED_STRUCTURE)
        elif head:
            add(n.outer, n.slug, (n.start, n.end), BARE_HEAD_STRUCTURE)

    # A separate country mention right before the holder ("পাকিস্তানের | ট্যানারি সমিতি").
    ordered = sorted(mentions, key=lambda m: m.start)
    for left, right in itertools.pairwise(ordered):
        if kinds[left.slug] is not K.COUNTRY or kinds[right.slug] not in _GENITIVE_OF:
            continue
        gap = text[left.end : right.start]
        if compiled.rules.bengali:
            ok = gap.strip() == "" and left.text.endswith(_GENITIVE_BN)
        else:
            ok = bool(re.fullmatch(r"['’]s?\s+", gap))
        if ok:
            add(right, left.slug, (left.start, left.end), ADJACENT_STRUCTURE)
    # "Ministry of Commerce of Pakistan": the holder, "of", the country.
    for left, right in itertools.pairwise(ordered):
        holder_first = kinds[left.slug] in _GENITIVE_OF and kinds[right.slug] is K.COUNTRY
        if holder_first and re.fullmatch(r"\s+of\s+(?:the\s+)?", text[left.end : right.start]):
            add(left, right.slug, (right.start, right.end), ADJACENT_STRUCTURE)
    return found


def _self_describing(
    compiled: _Compiled, text: str, nested: Sequence[_Nested], kinds: Mapping[str, EntityKind]
) -> list[_Found]:
    """A compound name that says something of its own referent: "ইসলামাবাদে অনুষ্ঠিত বৈঠক"
    (held in Islamabad), "আসন্ন পাকিস্তান সফর" (a visit to Pakistan), "বাণিজ্য ... সংক্রান্ত
    চুক্তি" (concerning trade), "A-B-C corridor" (its route). The name is the subject."""
    found: list[_Found] = []
    by_outer: dict[tuple[int, int], list[_Nested]] = {}
    for n in nested:
        by_outer.setdefault((n.outer.start, n.outer.end), []).append(n)
    for items in by_outer.values():
        outer = items[0].outer
        outer_kind = kinds[outer.slug]
        span = (outer.start, outer.end)
        for n in items:
            inner_kind = kinds.get(n.slug)
            if inner_kind is None:
                continue
            subject = _Arg(outer.slug, outer_kind, outer.start, outer.end)
            obj = _Arg(n.slug, inner_kind, n.start, n.end)
            for predicate in _allowed(outer_kind, inner_kind):
                if predicate is P.ROUTE_INCLUDES:
                    listed = sum(1 for m in items if kinds.get(m.slug) is K.COUNTRY)
                    if listed >= 2:
                        found.append(
                            _Found(
                                predicate, subject, obj, span, NESTED_STRUCTURE, True, span, span
                            )
                        )
                    continue
                for pattern, rule in compiled.triggers:
                    if rule.predicate is not predicate or not rule.in_name:
                        continue
                    hits = [
                        h
                        for h in _find(pattern, text, outer.start, outer.end)
                        if not _overlaps(h, (n.start, n.end))
                    ]
                    if hits:
                        found.append(
                            _Found(
                                predicate, subject, obj, hits[0], NESTED_STRUCTURE, True, span, span
                            )
                        )
                        break
    return found


def _triggered(
    compiled: _Compiled, text: str, sentence: Span, args: Sequence[_Arg]
) -> list[_Found]:
    """Every ordered pair the model allows, with a trigger of the predicate in the sentence."""
    clauses = _clauses(compiled, text, sentence)
    names = sorted({(a.start, a.end) for a in args})
    hits: dict[Predicate, list[tuple[tuple[int, int], TriggerRule]]] = {}
    for pattern, rule in compiled.triggers:
        for hit in _find(pattern, text, sentence.start, sentence.end):
            hits.setdefault(rule.predicate, []).append((hit, rule))
    found: list[_Found] = []
    for subject in args:
        for obj in args:
            if subject.slug == obj.slug or _overlaps(
                (subject.start, subject.end), (obj.start, obj.end)
            ):
                continue
            if subject.role == "relations":
                continue
            for predicate in _allowed(subject.kind, obj.kind):
                if obj.role == "relations" and PREDICATES[predicate].qualifier("relations") is None:
                    continue
                best = _best_trigger(
                    predicate, hits.get(predicate, []), subject, obj, names, clauses
                )
                if best is not None:
                    found.append(best)
    return _leftmost_subjects(text, found, names, compiled)


def _best_trigger(
    predicate: Predicate,
    candidates: Sequence[tuple[tuple[int, int], TriggerRule]],
    subject: _Arg,
    obj: _Arg,
    names: Sequence[tuple[int, int]],
    clauses: Sequence[tuple[int, int]],
) -> _Found | None:
    """The trigger giving the tightest evidence span, in the object's clause, outside every
    name but the arguments' own (and inside those only when the trigger may be)."""
    best: tuple[tuple[float, int, int], _Found] | None = None
    own = ((subject.start, subject.end), (obj.start, obj.end))
    others = [n for n in names if n not in own]
    for hit, rule in candidates:
        inside_own = any(hit[0] >= s and hit[1] <= e for s, e in own)
        # A name may carry its own trigger ("... সফর", "... Agreement") only for a name the
        # linker found: a resolved "both countries" says nothing about what a name contains.
        if inside_own and not (rule.in_name and subject.linked and obj.linked):
            continue
        if any(_overlaps(hit, n) for n in others):
            continue
        if not inside_own and any(_overlaps(hit, n) for n in own):
            continue
        clause = _clause_of(clauses, hit[0])
        if not clause[0] <= obj.start < clause[1]:
            continue
        start = min(subject.start, obj.start, hit[0])
        end = max(subject.end, obj.end, hit[1])
        core = (subject.end - subject.start) + (obj.end - obj.start)
        core += 0 if inside_own else hit[1] - hit[0]
        confidence = TRIGGER_FLOOR + TRIGGER_SPREAD * min(1.0, core / max(1, end - start))
        if inside_own:
            confidence *= TRIGGER_IN_NAME
        confidence *= min(subject.weight, obj.weight)
        status_span = (max(start, clause[0]), min(end, clause[1]))
        found = _Found(predicate, subject, obj, hit, confidence, False, status_span, clause)
        key = (-confidence, end - start, hit[0])
        if best is None or key < best[0]:
            best = (key, found)
    return None if best is None else best[1]


def _leftmost_subjects(
    text: str, found: Sequence[_Found], names: Sequence[tuple[int, int]], compiled: _Compiled
) -> list[_Found]:
    """Of several subjects of one kind for one predicate and object, keep the leftmost and
    those conjoined to it: a verb-final clause lists its arguments before the verb, and only
    the first unmarked one, with its conjuncts, is the agent."""
    joiners = {w.casefold() for w in compiled.rules.conjunctions}
    groups: dict[tuple[Predicate, str, EntityKind], list[_Found]] = {}
    for f in found:
        groups.setdefault((f.predicate, f.object.slug, f.subject.kind), []).append(f)
    kept: list[_Found] = []
    for items in groups.values():
        items = sorted(items, key=lambda f: (f.subject.start, f.subject.end, f.subject.slug))
        chain_end = items[0].subject.end
        chain_start = items[0].subject.start
        for f in items:
            if f.subject.start == chain_start or _conjoined(
                text, chain_end, f.subject.start, names, joiners
            ):
                kept.append(f)
                chain_end = max(chain_end, f.subject.end)
    return kept


def _conjoined(
    text: str, start: int, end: int, names: Sequence[tuple[int, int]], joiners: set[str]
) -> bool:
    """Whether text[start:end], other names taken out, is only commas and conjunctions."""
    if end < start:
        return False
    pieces: list[str] = []
    cursor = start
    for s, e in names:
        if s >= cursor and e <= end:
            pieces.append(text[cursor:s])
            cursor = e
    pieces.append(text[cursor:end])
    gap = " ".join(pieces)
    words = [w for w in re.split(r"[\s,;–—-]+", gap) if w]
    if not words and "," not in gap and "–" not in gap and "-" not in gap:
        return False  # juxtaposed, not conjoined: "কাজাখস্তান পাকিস্তান সরবরাহ ..."
    return all(w.casefold() in joiners for w in words)


def _governing_cue(
    text: str, language: str, span: tuple[int, int], predicate: Predicate, status: Status
) -> str:
    """The surface of the cue status_of() read its status from (for the reviewer)."""
    found = [c for c in cues(text, language, predicate) if c.status is status]
    if not found:
        return ""
    inside = [c for c in found if c.start < span[1] and span[0] < c.end]
    if inside:
        return inside[0].surface
    verb_final = lexicon(language).verb_final

    def distance(cue: Cue) -> tuple[int, int]:  # status_of's own tie rule
        after = cue.start >= span[1]
        gap = cue.start - span[1] if after else span[0] - cue.end
        return gap, 0 if after == verb_final else 1

    return min(found, key=distance).surface


def _finish(
    text: str, language: str, sentence: Span, found: Sequence[_Found]
) -> list[ProposedClaim]:
    """Status, evidence and one proposal per (predicate, subject, object) for the sentence."""
    best: dict[tuple[Predicate, str, str], ProposedClaim] = {}
    for f in found:
        start = min(f.subject.start, f.object.start, f.trigger[0])
        end = max(f.subject.end, f.object.end, f.trigger[1])
        if f.structural:
            window = f.status_span
            local = (0, window[1] - window[0])
        else:
            window = f.clause
            local = (f.status_span[0] - window[0], f.status_span[1] - window[0])
        piece = text[window[0] : window[1]]
        status = status_of(piece, language, local, f.predicate) or Status.STATED
        cue = _governing_cue(piece, language, local, f.predicate, status)
        claim = ProposedClaim(
            sentence=sentence.index,
            predicate=f.predicate,
            subject=f.subject.slug,
            object=f.object.slug,
            status=status,
            start=start,
            end=end,
            quote=text[start:end],
            trigger=text[f.trigger[0] : f.trigger[1]],
            trigger_start=f.trigger[0],
            trigger_end=f.trigger[1],
            confidence=round(max(0.0, min(1.0, f.confidence)), 3),
            cue=cue,
        )
        key = (f.predicate, f.subject.slug, f.object.slug)
        held = best.get(key)
        if held is None or (-claim.confidence, claim.end - claim.start, claim.start) < (
            -held.confidence,
            held.end - held.start,
            held.start,
        ):
            best[key] = claim
    return sorted(
        best.values(), key=lambda c: (c.start, c.end, c.predicate.value, c.subject, c.object)
    )


# --- Unlinked names ---------------------------------------------------------------------------

_PERSON_WORDS = 2, 3  # how many capitalised words a bare name may have to pass for a person


def guess_kind(name: str, language: str) -> tuple[EntityKind, float, str]:
    """A kind for an unexplained name, from its head word; with a confidence and the reason.

    The head is the last word in both languages ("... Association", "... সমিতির"); the first
    matching cue in the language's list wins, so "Ministry" is checked before "Minister".
    """
    compiled = _compiled(language)
    words = name.split()
    for kind, pattern in compiled.kind_cues:
        hits = _find(pattern, name, 0, len(name))
        if not hits:
            continue
        last = hits[-1]
        at_head = name[last[1] :].strip() == "" or _only_case_ending(name[last[1] :])
        surface = name[last[0] : last[1]]
        if at_head:
            return kind, 0.6, f"ends in {surface!r}"
        return kind, 0.4, f"contains {surface!r}"
    latin = all(w[:1].isupper() for w in words if w[:1].isalpha() and w.isascii())
    if latin and len(words) in _PERSON_WORDS and all(w.isascii() for w in words):
        return K.PERSON, 0.25, "two or three capitalised words, no kind word"
    return K.PERSON, 0.1, "no kind word; a bare name is most often a person"


def _only_case_ending(rest: str) -> bool:
    return rest in BENGALI_CASE_ENDINGS


def propose_slug(name: str) -> str:
    """A slug for a proposed entity: the Latin name folded to ASCII, else a stable hash.

    Bengali (or any non-Latin) names are not transliterated: a wrong romanisation would become
    a URL; "candidate-" and 10 hex digits of the name's SHA-256 is stable and obviously
    provisional, and the curator sets the real slug on acceptance.
    """
    letters = [ch for ch in name if ch.isalpha()]
    ascii_form = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    folded_letters = [ch for ch in ascii_form if ch.isalpha()]
    if letters and len(folded_letters) == len(letters):
        slug = re.sub(r"[^a-z0-9]+", "-", ascii_form.lower()).strip("-")
        slug = slug[:MAX_SLUG_LENGTH].rstrip("-")
        if slug:
            return slug
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]
    return f"candidate-{digest}"


def _propose_entity(compiled: _Compiled, candidate: Candidate) -> ProposedEntity:
    kind, confidence, reason = guess_kind(candidate.text, compiled.rules.language)
    return ProposedEntity(
        sentence=candidate.sentence,
        text=candidate.text,
        start=candidate.start,
        end=candidate.end,
        kind=kind,
        slug=propose_slug(candidate.text),
        confidence=confidence,
        reason=reason,
    )


# --- The registry -----------------------------------------------------------------------------

ExtractorFactory = Callable[[Sequence[NameForm]], Extractor]

_FACTORIES: dict[str, ExtractorFactory] = {
    "bn": RuleExtractor,
    "en": RuleExtractor,
}


def register_extractor(language: str, factory: ExtractorFactory) -> None:
    """Plug in the reader of a language (its primary BCP 47 subtag); replaces any before."""
    _FACTORIES[_primary(language)] = factory


def extractor_for(language: str, forms: Sequence[NameForm] = ()) -> Extractor:
    """The reader of a BCP 47 tag ("bn-BD" reads as "bn"); NullExtractor for a language with
    no rules, so ingesting such a document still works and proposes nothing."""
    factory = _FACTORIES.get(_primary(language))
    if factory is None:
        return NullExtractor()
    return factory(forms)
