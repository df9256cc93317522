"""`kgapi import FILE.ndjson`: a partner's bulk load, through the mutations' own code path.

Each line is `{"entity": {...}}` (an UpsertEntityInput, in the API's camelCase) or
`{"claim": {...}}` (an AddClaimInput). A line is coerced by the GraphQL schema's own input type,
exactly as graphql-core coerces a variable (the same messages for a wrong enum value or an
unknown field), turned into a write item by the mutations' converters, and written by
kgapi.writes.upsert_entities / add_claims: the validator and the batches of upsertEntities and
addClaims. Entities go first, so that claims may name entities the same file creates.

A line that cannot be read (not UTF-8, not JSON, not one of the two shapes, or not a valid
input) fails on its own, with its line number; the others are still written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError, parse
from graphql.execution.values import get_variable_values
from graphql.language import OperationDefinitionNode, VariableDefinitionNode
from strawberry import Schema
from strawberry.types.arguments import convert_argument

from kgapi.auth import Principal
from kgapi.db import Database
from kgapi.graphql.mutations import AddClaimInput, UpsertEntityInput, claim_item, entity_item
from kgapi.writes import (
    WHOLE_ITEM,
    ClaimItem,
    EntityItem,
    Tally,
    UserError,
    add_claims,
    upsert_entities,
)

__all__ = ["CLAIM", "ENTITY", "ImportReport", "Line", "import_lines", "parse_lines"]

ENTITY = "entity"
CLAIM = "claim"
_INPUTS: dict[str, type] = {ENTITY: UpsertEntityInput, CLAIM: AddClaimInput}
_VARIABLE = re.compile(r"^Variable '\$input' has invalid value(?: at \.?(?P<path>[^:]*))?: ")
_FOUND = re.compile(r", found: .*$", re.S)  # graphql-core repeats the whole value: long
MAX_VALUE_IN_MESSAGE = 60
_JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the file: its item, or why it has none."""

    number: int  # from 1, as editors count
    kind: str | None  # ENTITY or CLAIM; None when the line is not one of the two
    item: EntityItem | ClaimItem | None = None
    errors: list[UserError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ImportReport:
    tallies: dict[str, Tally]  # per kind; malformed lines count as failed, under their kind
    failures: list[Line]  # in line order, each with its errors


class _Coercer:
    """The schema's input types, as a variable of each would be coerced and converted."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.definitions: dict[str, tuple[VariableDefinitionNode, ...]] = {}
        for kind, cls in _INPUTS.items():
            name = cls.__strawberry_definition__.name  # type: ignore[attr-defined]
            document = parse(f"mutation($input: {name}!) {{ __typename }}")
            operation = document.definitions[0]
            assert isinstance(operation, OperationDefinitionNode)
            self.definitions[kind] = tuple(operation.variable_definitions or ())

    def item(self, kind: str, value: Any) -> EntityItem | ClaimItem | list[UserError]:
        coerced = get_variable_values(self.schema._schema, self.definitions[kind], {"input": value})
        if isinstance(coerced, list):
            return [_coercion_error(error) for error in coerced]
        try:
            converted = convert_argument(
                coerced.coerced["input"],
                _INPUTS[kind],
                self.schema.schema_converter.scalar_registry,
                self.schema.config,
            )
        except (TypeError, ValueError) as exc:
            return [UserError(WHOLE_ITEM, str(exc))]
        if isinstance(converted, UpsertEntityInput):
            return entity_item(converted)
        assert isinstance(converted, AddClaimInput)
        return claim_item(converted)


def _coercion_error(error: GraphQLError) -> UserError:
    """graphql-core's message about `$input`, as a field and a message of the line's item."""
    message = error.message
    matched = _VARIABLE.match(message)
    path = WHOLE_ITEM
    if matched is not None:
        path = matched.group("path") or WHOLE_ITEM
        message = message[matched.end() :]
    return UserError(path, _FOUND.sub("", message))


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= MAX_VALUE_IN_MESSAGE else text[: MAX_VALUE_IN_MESSAGE - 1] + "…"


def _line(number: int, raw: bytes, coercer: _Coercer) -> Line | None:
    """The line's item or its errors; None for a blank line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Line(number, None, errors=[UserError(WHOLE_ITEM, f"not UTF-8 (byte {exc.start})")])
    text = text.rstrip("\r\n")  # so that a JSON error's column is the line's own
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return Line(
            number,
            None,
            errors=[UserError(WHOLE_ITEM, f"not JSON: {exc.msg} at column {exc.colno}")],
        )
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number, nesting 10,000 deep
        return Line(number, None, errors=[UserError(WHOLE_ITEM, f"not JSON kgapi reads: {exc}")])
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in _INPUTS:
        found = (
            f"has the keys {_shown(sorted(map(str, value)))}"
            if isinstance(value, dict)
            else f"is a JSON {_JSON_TYPES.get(type(value), type(value).__name__)}"
        )
        message = (
            'a line is {"entity": {...}} (an UpsertEntityInput) or {"claim": {...}} (an '
            f"AddClaimInput); this one {found}"
        )
        return Line(number, None, errors=[UserError(WHOLE_ITEM, message)])
    kind, given = next(iter(value.items()))
    made = coercer.item(kind, given)
    if isinstance(made, list):
        return Line(number, kind, errors=made)
    return Line(number, kind, made)


def parse_lines(lines: Iterable[bytes], schema: Schema) -> list[Line]:
    """Every non-blank line, numbered, with its item or its errors."""
    coercer = _Coercer(schema)
    parsed = (_line(number, raw, coercer) for number, raw in enumerate(lines, start=1))
    return [line for line in parsed if line is not None]


async def import_lines(
    db: Database,
    principal: Principal,
    lines: list[Line],
    batch_size: int,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Write the lines' entities, then their claims; `on_progress` gets (items done, items)."""
    entities = [line for line in lines if isinstance(line.item, EntityItem)]
    claims = [line for line in lines if isinstance(line.item, ClaimItem)]
    total = len(entities) + len(claims)

    def progress(offset: int) -> Callable[[int, int], None]:
        def report(done: int, _: int) -> None:
            if on_progress is not None:
                on_progress(offset + done, total)

        return report

    entity_outcomes = await upsert_entities(
        db,
        principal,
        [line.item for line in entities if isinstance(line.item, EntityItem)],
        batch_size=batch_size,
        on_progress=progress(0),
    )
    claim_outcomes = await add_claims(
        db,
        principal,
        [line.item for line in claims if isinstance(line.item, ClaimItem)],
        batch_size=batch_size,
        on_progress=progress(len(entities)),
    )
    failures = [line for line in lines if line.item is None]
    tallies: dict[str, Tally] = {}
    for kind, written, outcomes in (
        (ENTITY, entities, entity_outcomes),
        (CLAIM, claims, claim_outcomes),
    ):
        unreadable = sum(1 for line in failures if line.kind == kind)
        tally = Tally.of(outcomes)
        tallies[kind] = Tally(tally.written, tally.unchanged, tally.failed + unreadable)
        failures += [
            Line(line.number, kind, line.item, outcome.errors)
            for line, outcome in zip(written, outcomes, strict=True)
            if outcome.errors
        ]
    unknown = sum(1 for line in failures if line.kind is None)
    if unknown:
        tallies["unreadable"] = Tally(0, 0, unknown)
    return ImportReport(tallies, sorted(failures, key=lambda line: line.number))
