"""The vocabulary of the graph and its rules, declared once as data.

Cypher cannot take a label or a relationship type as a parameter, so every label and type that
reaches a query string must come from the enums below; anything else is rejected before a query
is built. The seed loader, the read API and the write API all import from here.

The rules are data too, so that nothing downstream has to restate them: `PREDICATES` gives each
predicate the kinds its subject and object may have and the qualifiers it takes, with their
types (the validator checks every claim against it); `KIND_FIELDS` gives each kind the fields
it derives from claims (`Agreement.parties`, `Corridor.route`, ...), which the GraphQL types
read. Adding a predicate is one `PredicateSpec` entry; a kind field, one `KindField` entry (plus
its typed line in kgapi/graphql/entity_types.py). tests/unit/test_model.py keeps the tables
consistent with each other and with the seed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "CANDIDATE_LABEL",
    "CANDIDATE_STATE_DESCRIPTIONS",
    "CANDIDATE_TYPE_DESCRIPTIONS",
    "CLAIM_LABEL",
    "DATE_SOURCE_DESCRIPTIONS",
    "DOCUMENT_LABEL",
    "ENTITY_LABEL",
    "KIND_DESCRIPTIONS",
    "KIND_FIELDS",
    "PREDICATES",
    "RANK_DESCRIPTIONS",
    "SENTENCE_LABEL",
    "SLUG_PATTERN",
    "STATUS_DESCRIPTIONS",
    "STATUS_RULE_DESCRIPTIONS",
    "TARGET_DESCRIPTIONS",
    "WRITE_OPERATION_DESCRIPTIONS",
    "CandidateState",
    "CandidateType",
    "ClaimPath",
    "DateSource",
    "Direction",
    "EntityKind",
    "FieldShape",
    "KindField",
    "Language",
    "Predicate",
    "PredicateSpec",
    "QualifierSpec",
    "QualifierType",
    "Rank",
    "Status",
    "StatusRule",
    "TargetType",
    "WriteOperation",
    "entity_kind",
    "is_valid_slug",
    "kind_field",
    "predicate",
    "status",
]

DOCUMENT_LABEL = "Document"
ENTITY_LABEL = "Entity"
SENTENCE_LABEL = "Sentence"
CLAIM_LABEL = "Claim"
CANDIDATE_LABEL = "Candidate"  # a machine reading's proposal: never a fact (kgapi.candidates)

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG_LENGTH = 120


class EntityKind(StrEnum):
    """Kinds of entity; each is also a Neo4j label next to :Entity."""

    COUNTRY = "Country"
    CITY = "City"
    REGION = "Region"
    PERSON = "Person"
    OFFICE = "Office"
    MINISTRY = "Ministry"
    ASSOCIATION = "Association"
    AGREEMENT = "Agreement"
    CORRIDOR = "Corridor"
    COMMODITY = "Commodity"
    SECTOR = "Sector"
    CAPABILITY = "Capability"
    EVENT = "Event"
    INITIATIVE = "Initiative"
    GOAL = "Goal"


KIND_DESCRIPTIONS: Mapping[EntityKind, str] = {
    EntityKind.COUNTRY: "A country.",
    EntityKind.CITY: "A city.",
    EntityKind.REGION: "A world region, e.g. Central Asia.",
    EntityKind.PERSON: "A person.",
    EntityKind.OFFICE: "An office, e.g. Pakistan's Minister of Commerce.",
    EntityKind.MINISTRY: "A government ministry.",
    EntityKind.ASSOCIATION: "A trade or industry association.",
    EntityKind.AGREEMENT: "An agreement, plan or treaty, signed or not.",
    EntityKind.CORRIDOR: "A trade corridor: an ordered route of countries.",
    EntityKind.COMMODITY: "A traded good, e.g. grain.",
    EntityKind.SECTOR: "An economic sector, e.g. agriculture.",
    EntityKind.CAPABILITY: "Something a party can offer, e.g. technology transfer.",
    EntityKind.EVENT: "A meeting, forum, visit or other event.",
    EntityKind.INITIATIVE: "A joint initiative, e.g. trade missions.",
    EntityKind.GOAL: "A goal, e.g. bilateral trade of USD 1 billion.",
}


class Predicate(StrEnum):
    """Relation types; each is both a Claim.predicate value and a traversal relationship type.

    What each may relate, and how it is qualified, is in `PREDICATES` below.
    """

    HOLDS_OFFICE = "HOLDS_OFFICE"
    HEADS = "HEADS"
    OFFICE_OF = "OFFICE_OF"
    MINISTRY_OF = "MINISTRY_OF"
    ASSOCIATION_OF = "ASSOCIATION_OF"
    PARTY_TO = "PARTY_TO"
    AIMS_AT = "AIMS_AT"
    COMMITTED_TO = "COMMITTED_TO"
    EMPHASIZES = "EMPHASIZES"
    COOPERATES_IN = "COOPERATES_IN"
    EXPORTS = "EXPORTS"
    OFFERS = "OFFERS"
    WILL_CONTACT = "WILL_CONTACT"
    ROUTE_INCLUDES = "ROUTE_INCLUDES"
    DEVELOPS = "DEVELOPS"
    FACILITATES_TRADE_WITH = "FACILITATES_TRADE_WITH"
    PLANS = "PLANS"
    AGREED_TO_HOLD = "AGREED_TO_HOLD"
    HELD_IN = "HELD_IN"
    PARTICIPATED_IN = "PARTICIPATED_IN"
    VISITS = "VISITS"
    EXPECTED_AT = "EXPECTED_AT"
    STRENGTHENS = "STRENGTHENS"
    MAY_MEET_DEMAND_OF = "MAY_MEET_DEMAND_OF"
    CONCERNS = "CONCERNS"


class Status(StrEnum):
    """The modality the text gives a fact. A plan never becomes a fact on its own.

    Declared from the most to the least realised among the acts (Agreement.status shows the first
    its claims reach); `stated` is a plain assertion and `possible` is weaker than `expected`: the
    text hedges ("may", "সম্ভাবনা রয়েছে") rather than reporting an expectation.
    """

    SIGNED = "signed"
    IN_PROGRESS = "in_progress"
    PLANNED = "planned"
    EXPECTED = "expected"
    POSSIBLE = "possible"
    STATED = "stated"
    RETRACTED = "retracted"


STATUS_DESCRIPTIONS: Mapping[Status, str] = {
    Status.SIGNED: "The text reports it done: signed, concluded, in force "
    '("স্বাক্ষর করেছে", "signed").',
    Status.IN_PROGRESS: 'The text reports it under way, not finished ("প্রক্রিয়া চলছে", "under way").',
    Status.PLANNED: "The text reports an intention or plan, not an act "
    '("পরিকল্পনা করছে", "plans to").',
    Status.EXPECTED: 'The text reports it as expected to happen ("আশা করা হচ্ছে", "is expected to").',
    Status.POSSIBLE: 'The text hedges: it may happen ("সম্ভাবনা রয়েছে", "may").',
    Status.STATED: "A plain assertion of the text, with no modality of an act.",
    Status.RETRACTED: "Withdrawn by a curator (retractClaim); kept, with its history, and "
    "never counted as a fact.",
}


class Rank(StrEnum):
    """How a claim ranks against other claims of the same fact (Wikidata's three ranks)."""

    PREFERRED = "preferred"
    NORMAL = "normal"
    DEPRECATED = "deprecated"


RANK_DESCRIPTIONS: Mapping[Rank, str] = {
    Rank.PREFERRED: "Preferred over the other claims of the same fact (e.g. the latest source).",
    Rank.NORMAL: "The default rank.",
    Rank.DEPRECATED: "Kept for the record but known to be outdated or wrong.",
}


RANK_ORDER: tuple[Rank, ...] = (Rank.DEPRECATED, Rank.NORMAL, Rank.PREFERRED)  # weakest first


class DateSource(StrEnum):
    """Where a claim's effective date comes from (kgapi.current_status reads it)."""

    TEXT = "text"
    DOCUMENT = "document"
    UNKNOWN = "unknown"


DATE_SOURCE_DESCRIPTIONS: Mapping[DateSource, str] = {
    DateSource.TEXT: "The text gives the date (`validFrom`, e.g. a signing date).",
    DateSource.DOCUMENT: "The text gives none: the claim holds from its earliest evidence "
    "document's publication date.",
    DateSource.UNKNOWN: "Neither the text nor its documents give a date: the claim holds from "
    "an unknown time, which counts as before every known date and for every `asOf`.",
}


class StatusRule(StrEnum):
    """Which step of the current-status rule chose the status (kgapi.current_status)."""

    UNANIMOUS = "unanimous"
    RANK = "rank"
    LATEST_DATE = "latest_date"
    STRONGEST_STATUS = "strongest_status"


STATUS_RULE_DESCRIPTIONS: Mapping[StatusRule, str] = {
    StatusRule.UNANIMOUS: "Every claim that holds gives this status: nothing to choose.",
    StatusRule.RANK: "Claims disagree; the chosen claim outranks every claim with another "
    "status (PREFERRED over NORMAL over DEPRECATED).",
    StatusRule.LATEST_DATE: "Claims of the same rank disagree; the chosen claim's effective "
    "date is the latest (an unknown date counts as earlier than any known one).",
    StatusRule.STRONGEST_STATUS: "Claims of the same rank and date disagree; the tie goes to "
    "the most realised status a source states (ClaimStatus's order). kgapi never makes up "
    "a status no source gives.",
}


class WriteOperation(StrEnum):
    """The writes the audit trail records; each value is the mutation's name (relinkDocument:
    `kgapi relink`'s, which no mutation has)."""

    UPSERT_ENTITY = "upsertEntity"
    ADD_CLAIM = "addClaim"
    RETRACT_CLAIM = "retractClaim"
    RESTORE_CLAIM = "restoreClaim"
    MERGE_ENTITIES = "mergeEntities"
    DELETE_ENTITY = "deleteEntity"
    ADD_DOCUMENT = "addDocument"
    INGEST_DOCUMENT = "ingestDocument"
    RELINK_DOCUMENT = "relinkDocument"
    PROPOSE_CANDIDATES = "proposeCandidates"
    ACCEPT_CANDIDATE = "acceptCandidate"
    REJECT_CANDIDATE = "rejectCandidate"


WRITE_OPERATION_DESCRIPTIONS: Mapping[WriteOperation, str] = {
    WriteOperation.UPSERT_ENTITY: "An entity was created or changed (`upsertEntity`).",
    WriteOperation.ADD_CLAIM: "A claim was added or changed (`addClaim`).",
    WriteOperation.RETRACT_CLAIM: "A claim was retracted (`retractClaim`).",
    WriteOperation.RESTORE_CLAIM: "A retracted claim was restored (`restoreClaim`).",
    WriteOperation.MERGE_ENTITIES: "Two entities that are one were merged (`mergeEntities`): "
    "an event on each, the merged one's naming the kept one.",
    WriteOperation.DELETE_ENTITY: "An entity no claim named was deleted (`deleteEntity`).",
    WriteOperation.ADD_DOCUMENT: "A document was stored (`addDocument`).",
    WriteOperation.INGEST_DOCUMENT: "A document was stored and its mentions linked "
    "(`ingestDocument`).",
    WriteOperation.RELINK_DOCUMENT: "Mentions of known entities in a stored document were "
    "linked again (`kgapi relink`, or `ingestDocument` of a text stored before).",
    WriteOperation.PROPOSE_CANDIDATES: "A document was read by the extractor and its "
    "candidates queued for review (`proposeCandidates`, `ingestDocument`, `kgapi ingest`).",
    WriteOperation.ACCEPT_CANDIDATE: "A curator accepted a candidate (`acceptCandidate`): the "
    "claim or entity it became has its own event.",
    WriteOperation.REJECT_CANDIDATE: "A curator rejected a candidate (`rejectCandidate`).",
}


class TargetType(StrEnum):
    """What a write changed; each value is the node label it changed."""

    ENTITY = "Entity"
    CLAIM = "Claim"
    DOCUMENT = "Document"
    CANDIDATE = "Candidate"


TARGET_DESCRIPTIONS: Mapping[TargetType, str] = {
    TargetType.ENTITY: "An entity (its slug is the target id).",
    TargetType.CLAIM: "A claim (its claim id is the target id).",
    TargetType.DOCUMENT: "A document (its slug is the target id).",
    TargetType.CANDIDATE: "A candidate (its candidate id is the target id).",
}


class CandidateState(StrEnum):
    """Where a candidate is in review. Only ACCEPTED ones have become facts (as claims or
    entities of their own); a candidate itself is never read as one."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


CANDIDATE_STATE_DESCRIPTIONS: Mapping[CandidateState, str] = {
    CandidateState.PENDING: "Waiting for a curator.",
    CandidateState.ACCEPTED: "A curator accepted it: it became the claim or entity it names.",
    CandidateState.REJECTED: "A curator rejected it, with a reason.",
}


class CandidateType(StrEnum):
    """What a candidate proposes."""

    CLAIM = "claim"
    ENTITY = "entity"


CANDIDATE_TYPE_DESCRIPTIONS: Mapping[CandidateType, str] = {
    CandidateType.CLAIM: "A claim between two entities a sentence mentions.",
    CandidateType.ENTITY: "An entity for a name the linker could not explain.",
}


class Language(StrEnum):
    """Languages of names and documents (ISO 639-1)."""

    BN = "bn"
    EN = "en"


# --- The rules, as data ------------------------------------------------------------------------

K = EntityKind
P = Predicate


class QualifierType(StrEnum):
    """The JSON type a qualifier's value must have."""

    TEXT = "text"  # a non-empty string
    INTEGER = "integer"  # a whole number (not a boolean, not 2.0)
    NUMBER = "number"  # an integer or a decimal
    BOOLEAN = "boolean"
    ENTITY = "entity"  # the slug of an entity in the graph, of one of `QualifierSpec.kinds`


@dataclass(frozen=True, slots=True)
class QualifierSpec:
    """One qualifier a predicate takes: its name, its value's type, and what it means."""

    name: str
    type: QualifierType
    description: str
    required: bool = False
    minimum: int | None = None  # for INTEGER and NUMBER
    kinds: tuple[EntityKind, ...] = ()  # for ENTITY: the kinds it may name (empty: any kind)


@dataclass(frozen=True, slots=True)
class PredicateSpec:
    """A predicate's domain (subject kinds), range (object kinds) and qualifiers."""

    predicate: Predicate
    subjects: tuple[EntityKind, ...]
    objects: tuple[EntityKind, ...]
    description: str
    qualifiers: tuple[QualifierSpec, ...] = ()

    def qualifier(self, name: str) -> QualifierSpec | None:
        return next((q for q in self.qualifiers if q.name == name), None)


def _text(name: str, description: str) -> QualifierSpec:
    return QualifierSpec(name, QualifierType.TEXT, description)


def _integer(
    name: str, description: str, *, required: bool = False, minimum: int | None = None
) -> QualifierSpec:
    return QualifierSpec(name, QualifierType.INTEGER, description, required, minimum)


def _entity(name: str, description: str, *kinds: EntityKind) -> QualifierSpec:
    return QualifierSpec(name, QualifierType.ENTITY, description, kinds=kinds)


_AMOUNT = (
    QualifierSpec("amount", QualifierType.NUMBER, "A quantity the text gives.", minimum=0),
    _text("currency", "The currency of `amount` (ISO 4217), e.g. `USD`."),
    _text("metric", "What `amount` measures, e.g. `bilateral trade`."),
)
_AIM = (
    _text("aim", "What is to happen to the object, e.g. `improve`."),
    _text("aspect", "Which aspect of the object, e.g. `industrial cooperation`."),
    _text("scope", "Its scope, e.g. `regional`."),
    _text("purpose", "What it is for."),
    _text("degree", "How strongly, as the text puts it, e.g. `special attention`."),
)
_MONTH = _text("month", "The month the text names, in English.")
_ROLE = _text("role", "The subject's role, as the text gives it.")

_PREDICATE_LIST: tuple[PredicateSpec, ...] = (
    PredicateSpec(P.HOLDS_OFFICE, (K.PERSON,), (K.OFFICE,), "The person holds the office."),
    PredicateSpec(P.HEADS, (K.OFFICE,), (K.MINISTRY,), "The office heads the ministry."),
    PredicateSpec(
        P.OFFICE_OF, (K.OFFICE,), (K.COUNTRY,), "The office is the country's (head of state)."
    ),
    PredicateSpec(P.MINISTRY_OF, (K.MINISTRY,), (K.COUNTRY,), "The ministry is the country's."),
    PredicateSpec(
        P.ASSOCIATION_OF, (K.ASSOCIATION,), (K.COUNTRY,), "The association is the country's."
    ),
    PredicateSpec(
        P.PARTY_TO,
        (K.COUNTRY,),
        (K.AGREEMENT,),
        "The country is a party to the agreement.",
        (
            _integer("period_start", "First year of the agreement's period."),
            _integer("period_end", "Last year of the agreement's period."),
            _ROLE,
        ),
    ),
    PredicateSpec(
        P.AIMS_AT, (K.AGREEMENT, K.COUNTRY), (K.GOAL,), "The subject aims at the goal.", _AMOUNT
    ),
    PredicateSpec(
        P.COMMITTED_TO,
        (K.COUNTRY,),
        (K.GOAL,),
        "The country is committed to the goal.",
        (_text("basis", "What the commitment rests on."),),
    ),
    PredicateSpec(
        P.EMPHASIZES,
        (K.COUNTRY,),
        (K.GOAL, K.SECTOR, K.INITIATIVE, K.CORRIDOR),
        "The country emphasizes the object.",
        _AIM,
    ),
    PredicateSpec(
        P.COOPERATES_IN,
        (K.COUNTRY,),
        (K.SECTOR,),
        "The country cooperates in the sector.",
        (_text("identified_as", "How the text characterises the sector."),),
    ),
    PredicateSpec(
        P.EXPORTS,
        (K.COUNTRY,),
        (K.COMMODITY,),
        "The country exports the commodity.",
        (
            _entity("destination", "The country it is exported to.", K.COUNTRY),
            _text("category", "The category of goods, as the text gives it."),
            _text("basis", "What the exports rest on, as the text gives it."),
        ),
    ),
    PredicateSpec(P.OFFERS, (K.COUNTRY,), (K.CAPABILITY,), "The country offers the capability."),
    PredicateSpec(
        P.WILL_CONTACT,
        (K.ASSOCIATION,),
        (K.ASSOCIATION,),
        "The association will contact the other.",
        (
            _text("mode", "How, e.g. `direct`."),
            _text("purpose", "What the contact is for."),
        ),
    ),
    PredicateSpec(
        P.ROUTE_INCLUDES,
        (K.CORRIDOR,),
        (K.COUNTRY,),
        "The corridor's route passes through the country.",
        (
            _integer(
                "position", "Place of the country on the route, from 1.", required=True, minimum=1
            ),
        ),
    ),
    PredicateSpec(
        P.DEVELOPS,
        (K.COUNTRY,),
        (K.CORRIDOR,),
        "The country develops the corridor.",
        (_text("modality", "How the text puts it, e.g. `development emphasized`."),),
    ),
    PredicateSpec(
        P.FACILITATES_TRADE_WITH,
        (K.AGREEMENT,),
        (K.REGION,),
        "The agreement facilitates trade with the region.",
        (_entity("trade_flow_with", "The region the trade flows with.", K.REGION),),
    ),
    PredicateSpec(P.PLANS, (K.COUNTRY,), (K.INITIATIVE,), "The country plans the initiative."),
    PredicateSpec(
        P.AGREED_TO_HOLD,
        (K.COUNTRY,),
        (K.INITIATIVE,),
        "The country agreed to hold the initiative.",
    ),
    PredicateSpec(
        P.HELD_IN,
        (K.EVENT,),
        (K.CITY,),
        "The event was held in the city.",
        (_text("timing", "When, as the text puts it, e.g. `recent`."),),
    ),
    PredicateSpec(
        P.PARTICIPATED_IN,
        (K.PERSON, K.COUNTRY),
        (K.EVENT,),
        "The subject took part in the event.",
        (
            _text("capacity", "In what capacity, e.g. an office."),
            _text("participants", "Who took part on the subject's behalf, e.g. `companies`."),
            _integer("companies", "How many companies took part.", minimum=0),
            _text("companies_comparator", "How `companies` is hedged, e.g. `more than`."),
            _ROLE,
            _MONTH,
        ),
    ),
    PredicateSpec(
        P.VISITS,
        (K.EVENT,),
        (K.COUNTRY,),
        "The event is a visit to the country.",
        (_MONTH,),
    ),
    PredicateSpec(
        P.EXPECTED_AT,
        (K.AGREEMENT,),
        (K.EVENT,),
        "The agreement is expected to be signed during the event.",
    ),
    PredicateSpec(
        P.STRENGTHENS,
        (K.EVENT, K.INITIATIVE),
        (K.COUNTRY,),
        "The subject strengthens relations with the country.",
        (_text("relations", "Which relations, e.g. `trade`."),),
    ),
    PredicateSpec(
        P.MAY_MEET_DEMAND_OF,
        (K.COMMODITY,),
        (K.EVENT,),
        "The commodity may meet demand arising from the event.",
        (
            _text("hedge", "The text's hedge, e.g. `may`."),
            _text("demand", "Which demand, e.g. `domestic demand`."),
            _entity("demand_of", "Whose demand.", K.COUNTRY),
        ),
    ),
    PredicateSpec(
        P.CONCERNS,
        (K.AGREEMENT, K.INITIATIVE),
        (K.SECTOR, K.COMMODITY),
        "The subject concerns the sector or commodity.",
        (
            _text("goods", "Which goods, as the text gives them."),
            _text("via", "By way of what, e.g. ports."),
        ),
    ),
)

PREDICATES: Mapping[Predicate, PredicateSpec] = {s.predicate: s for s in _PREDICATE_LIST}


class Direction(StrEnum):
    """Which end of a claim the entity is: OUT, its subject; IN, its object."""

    OUT = "OUT"
    IN = "IN"


class FieldShape(StrEnum):
    """What a kind field answers with."""

    ONE = "one"  # the entity at the other end (the first, by claim id), or null
    MANY = "many"  # the entities at the other end
    STATUS = "status"  # the current status of the claims (kgapi.current_status), today
    CURRENT = "current"  # the same with its provenance, for any `asOf` date
    HISTORY = "history"  # the current status through time, as periods


@dataclass(frozen=True, slots=True)
class ClaimPath:
    """Claims of one predicate with the entity at one end."""

    predicate: Predicate
    direction: Direction

    def other_kinds(self) -> tuple[EntityKind, ...]:
        """The kinds the other end may have, by the predicate's domain and range."""
        spec = PREDICATES[self.predicate]
        return spec.objects if self.direction is Direction.OUT else spec.subjects


@dataclass(frozen=True, slots=True)
class KindField:
    """A field a kind derives from its non-retracted claims, e.g. `Agreement.parties`.

    `distinct`: each entity once, however many claims name it; `order_by`: an integer
    qualifier that orders the entities (else claim id order).
    """

    kind: EntityKind
    name: str  # the GraphQL field name
    shape: FieldShape
    claims: tuple[ClaimPath, ...]
    description: str
    distinct: bool = True
    order_by: str | None = None

    @property
    def path(self) -> ClaimPath:
        """The one claim path of an ONE or MANY field."""
        (only,) = self.claims
        return only

    @property
    def of_status(self) -> bool:
        """Drawn from the status of its claims (STATUS, CURRENT, HISTORY), not their ends."""
        return self.shape in {FieldShape.STATUS, FieldShape.CURRENT, FieldShape.HISTORY}

    @property
    def filterable(self) -> bool:
        """A kind's `where` has a condition on it: ends and the status; the provenance and
        history of a status are read, not filtered on (the `status` condition covers them)."""
        return self.shape not in {FieldShape.CURRENT, FieldShape.HISTORY}


def _ends(
    kind: EntityKind,
    name: str,
    shape: FieldShape,
    predicate: Predicate,
    direction: Direction,
    description: str,
    *,
    distinct: bool = True,
    order_by: str | None = None,
) -> KindField:
    return KindField(
        kind, name, shape, (ClaimPath(predicate, direction),), description, distinct, order_by
    )


_OUT, _IN = Direction.OUT, Direction.IN
# The claims an agreement's status is drawn from: its parties' and its expected signing.
_AGREEMENT_STATUS = (ClaimPath(P.PARTY_TO, _IN), ClaimPath(P.EXPECTED_AT, _OUT))
_ONE, _MANY = FieldShape.ONE, FieldShape.MANY

_KIND_FIELD_LIST: tuple[KindField, ...] = (
    _ends(
        K.PERSON,
        "offices",
        _MANY,
        P.HOLDS_OFFICE,
        _OUT,
        "Offices the documents say this person holds.",
    ),
    _ends(K.OFFICE, "holders", _MANY, P.HOLDS_OFFICE, _IN, "Who holds it, per the documents."),
    _ends(K.OFFICE, "heads", _ONE, P.HEADS, _OUT, "The ministry this office heads, if any."),
    _ends(K.MINISTRY, "country", _ONE, P.MINISTRY_OF, _OUT, "The country whose ministry it is."),
    _ends(
        K.ASSOCIATION, "country", _ONE, P.ASSOCIATION_OF, _OUT, "The country of the association."
    ),
    KindField(
        K.AGREEMENT,
        "status",
        FieldShape.STATUS,
        _AGREEMENT_STATUS,
        "Its status today as the sources give it (signed, in_progress, expected, ...), from "
        "the claims about its parties and signing, chosen as `currentStatus` chooses; never "
        "upgraded by kgapi.",
    ),
    KindField(
        K.AGREEMENT,
        "currentStatus",
        FieldShape.CURRENT,
        _AGREEMENT_STATUS,
        "Its status on a date, with the claim it comes from, that claim's document and date, "
        "the rule that chose it, and the claims that disagree.",
    ),
    KindField(
        K.AGREEMENT,
        "statusHistory",
        FieldShape.HISTORY,
        _AGREEMENT_STATUS,
        "Its status through time: one period per change of the current status, oldest first.",
    ),
    _ends(
        K.AGREEMENT,
        "parties",
        _MANY,
        P.PARTY_TO,
        _IN,
        "The countries party to it, per the documents.",
    ),
    _ends(
        K.CORRIDOR,
        "route",
        _MANY,
        P.ROUTE_INCLUDES,
        _OUT,
        "The countries of the route, in the order the text gives.",
        distinct=False,  # a route may pass a country twice
        order_by="position",
    ),
    _ends(K.EVENT, "place", _ONE, P.HELD_IN, _OUT, "Where it was held, per the documents."),
    _ends(
        K.EVENT,
        "participants",
        _MANY,
        P.PARTICIPATED_IN,
        _IN,
        "Who took part (people or countries), each by a claim.",
    ),
)

KIND_FIELDS: Mapping[EntityKind, Mapping[str, KindField]] = {
    kind: {f.name: f for f in _KIND_FIELD_LIST if f.kind is kind} for kind in EntityKind
}

del K, P


def is_valid_slug(value: str) -> bool:
    """Slugs become URL parts and cursor keys, so they are kept to a small, stable alphabet."""
    return len(value) <= MAX_SLUG_LENGTH and SLUG_PATTERN.fullmatch(value) is not None


def entity_kind(value: str) -> EntityKind:
    """Look up a kind by its label, raising ValueError naming the allowed kinds."""
    try:
        return EntityKind(value)
    except ValueError:
        allowed = ", ".join(k.value for k in EntityKind)
        raise ValueError(f"unknown entity kind {value!r}; allowed: {allowed}") from None


def predicate(value: str) -> Predicate:
    """Look up a predicate, raising ValueError naming the allowed predicates."""
    try:
        return Predicate(value)
    except ValueError:
        allowed = ", ".join(p.value for p in Predicate)
        raise ValueError(f"unknown predicate {value!r}; allowed: {allowed}") from None


def status(value: str) -> Status:
    """Look up a status, raising ValueError naming the allowed statuses."""
    try:
        return Status(value)
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise ValueError(f"unknown status {value!r}; allowed: {allowed}") from None


def kind_field(kind: EntityKind, name: str) -> KindField:
    """The declared field `name` of `kind`; a KeyError here is a programming error."""
    return KIND_FIELDS[kind][name]
