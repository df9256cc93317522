"""The vocabulary of the graph: the single whitelist of labels, relation types and statuses.

Cypher cannot take a label or a relationship type as a parameter, so every label and type that
reaches a query string must come from the enums below; anything else is rejected before a query
is built. The seed loader, the read API and the write API all import from here.
"""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = [
    "CLAIM_LABEL",
    "DOCUMENT_LABEL",
    "ENTITY_LABEL",
    "SENTENCE_LABEL",
    "SLUG_PATTERN",
    "EntityKind",
    "Language",
    "Predicate",
    "Status",
    "entity_kind",
    "is_valid_slug",
    "predicate",
    "status",
]

DOCUMENT_LABEL = "Document"
ENTITY_LABEL = "Entity"
SENTENCE_LABEL = "Sentence"
CLAIM_LABEL = "Claim"

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


class Predicate(StrEnum):
    """Relation types; each is both a Claim.predicate value and a traversal relationship type."""

    HOLDS_OFFICE = "HOLDS_OFFICE"  # Person -> Office
    HEADS = "HEADS"  # Office -> Ministry
    OFFICE_OF = "OFFICE_OF"  # Office -> Country (head of state)
    MINISTRY_OF = "MINISTRY_OF"  # Ministry -> Country
    ASSOCIATION_OF = "ASSOCIATION_OF"  # Association -> Country
    PARTY_TO = "PARTY_TO"  # Country -> Agreement
    AIMS_AT = "AIMS_AT"  # Agreement|Country -> Goal
    COMMITTED_TO = "COMMITTED_TO"  # Country -> Goal
    EMPHASIZES = "EMPHASIZES"  # Country -> Goal|Sector|Initiative|Corridor
    COOPERATES_IN = "COOPERATES_IN"  # Country -> Sector
    EXPORTS = "EXPORTS"  # Country -> Commodity (qualifier: destination)
    OFFERS = "OFFERS"  # Country -> Capability
    WILL_CONTACT = "WILL_CONTACT"  # Association -> Association
    ROUTE_INCLUDES = "ROUTE_INCLUDES"  # Corridor -> Country (qualifier: position)
    DEVELOPS = "DEVELOPS"  # Country -> Corridor
    FACILITATES_TRADE_WITH = "FACILITATES_TRADE_WITH"  # Agreement -> Region
    PLANS = "PLANS"  # Country -> Initiative
    AGREED_TO_HOLD = "AGREED_TO_HOLD"  # Country -> Initiative
    HELD_IN = "HELD_IN"  # Event -> City
    PARTICIPATED_IN = "PARTICIPATED_IN"  # Person|Country -> Event
    VISITS = "VISITS"  # Event -> Country (destination of a visit)
    EXPECTED_AT = "EXPECTED_AT"  # Agreement -> Event (to be signed during)
    STRENGTHENS = "STRENGTHENS"  # Event|Initiative -> Country (relations with)
    MAY_MEET_DEMAND_OF = "MAY_MEET_DEMAND_OF"  # Commodity -> Event (post-flood demand)
    CONCERNS = "CONCERNS"  # Agreement|Initiative -> Sector|Commodity


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


class Language(StrEnum):
    """Languages of names and documents (ISO 639-1)."""

    BN = "bn"
    EN = "en"


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
