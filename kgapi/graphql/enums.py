"""The schema's closed vocabularies as GraphQL enums.

Every enum of the model is registered here, once, under its GraphQL name, with a description
for each value taken from the model's tables (kgapi.model.*_DESCRIPTIONS and PREDICATES): the
schema cannot drift from the vocabulary the validator checks. Enum values use the GraphQL
convention (`IN_PROGRESS`, `COUNTRY`); the stored values stay the model's (`in_progress`,
`Country`), and an enum serialises a stored value by looking it up, so resolvers and the planner
can hand over what Neo4j returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeAlias, TypeVar

import strawberry

from kgapi import model

__all__ = [
    "CandidateState",
    "CandidateType",
    "ChangeOperation",
    "ChangeTarget",
    "ClaimDateSource",
    "ClaimRank",
    "ClaimStatus",
    "EntityKind",
    "Predicate",
    "StatusRule",
    "describe_values",
    "enum_name",
]


E = TypeVar("E", bound=Enum)


def describe_values(cls: type[E], values: Mapping[E, str]) -> type[E]:
    """Give each value of a registered enum its description (a test requires one for every
    value of the schema); the model's enums stay plain Python enums."""
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    for value in definition.values:
        value.description = values[cls[value.name]]
    return cls


def _register(cls: type[E], name: str, description: str, values: Mapping[E, str]) -> None:
    """Register a model enum with strawberry under its GraphQL name, every value described."""
    strawberry.enum(cls, name=name, description=description)
    describe_values(cls, values)


_register(
    model.EntityKind,
    "EntityKind",
    "The kinds of entity in the graph (each is also the GraphQL type of its entities).",
    model.KIND_DESCRIPTIONS,
)
_register(
    model.Predicate,
    "Predicate",
    "The predicates of the model (kgapi.model.PREDICATES): what a claim says of its subject "
    "and object.",
    {p: spec.description for p, spec in model.PREDICATES.items()},
)
_register(
    model.Status,
    "ClaimStatus",
    "The modality the text gives a claim, from the most to the least realised; kgapi never "
    "upgrades one (a plan is never turned into a fact).",
    model.STATUS_DESCRIPTIONS,
)
_register(
    model.Rank,
    "ClaimRank",
    "How a claim ranks against other claims of the same fact.",
    model.RANK_DESCRIPTIONS,
)
_register(
    model.WriteOperation,
    "ChangeOperation",
    "The write a change event records (the mutation that made it).",
    model.WRITE_OPERATION_DESCRIPTIONS,
)
_register(
    model.TargetType,
    "ChangeTarget",
    "What a change event changed.",
    model.TARGET_DESCRIPTIONS,
)

_register(
    model.DateSource,
    "ClaimDateSource",
    "Where a claim's effective date comes from.",
    model.DATE_SOURCE_DESCRIPTIONS,
)
_register(
    model.StatusRule,
    "StatusRule",
    "The step of the current-status rule that chose a status: among the claims that hold on "
    "the date asked (never a retracted one), the highest rank, then the latest effective date, "
    "then the most realised status a source gives.",
    model.STATUS_RULE_DESCRIPTIONS,
)
_register(
    model.CandidateState,
    "CandidateState",
    "Where a candidate is in review; only an accepted one has become a fact.",
    model.CANDIDATE_STATE_DESCRIPTIONS,
)
_register(
    model.CandidateType,
    "CandidateType",
    "What a candidate proposes.",
    model.CANDIDATE_TYPE_DESCRIPTIONS,
)

EntityKind: TypeAlias = model.EntityKind
Predicate: TypeAlias = model.Predicate
ClaimStatus: TypeAlias = model.Status
ClaimRank: TypeAlias = model.Rank
ChangeOperation: TypeAlias = model.WriteOperation
ChangeTarget: TypeAlias = model.TargetType
ClaimDateSource: TypeAlias = model.DateSource
StatusRule: TypeAlias = model.StatusRule
CandidateState: TypeAlias = model.CandidateState
CandidateType: TypeAlias = model.CandidateType


def enum_name(cls: type[Enum], stored: str) -> str:
    """The GraphQL name of a stored value (`in_progress` → `IN_PROGRESS`), as the planner
    writes it into a response; a value outside the vocabulary is a data error, not input."""
    return cls(stored).name
