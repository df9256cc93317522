"""Filter and sort inputs, and their translation into the query layer's filter tree.

Shaped like @neo4j/graphql's (`eq`, `in`, `contains`, `startsWith`, `some`/`none`, `AND`/`OR`/
`NOT`), plus sorting by relation count. Bad values become BAD_USER_INPUT naming the argument.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from kgapi import model
from kgapi.graphql.entity_types import Direction, EntityKind, parse_predicate
from kgapi.graphql.errors import BadUserInput
from kgapi.queries.entities import EntityFilter, RelationFilter, SortField, StringFilter

__all__ = [
    "MAX_FILTER_DEPTH",
    "MAX_FILTER_VALUES",
    "EntityOrder",
    "EntitySortField",
    "EntityWhere",
    "RelationFilterInput",
    "SortDirection",
    "StringFilterInput",
    "to_filter",
]

MAX_FILTER_DEPTH = 5
MAX_FILTER_VALUES = 100


@strawberry.input(description="Conditions on a text field; all given conditions must hold.")
class StringFilterInput:
    eq: str | None = strawberry.field(default=None, description="Equal to.")
    in_: list[str] | None = strawberry.field(default=None, name="in", description="One of.")
    contains: str | None = strawberry.field(default=None, description="Contains (any case).")
    starts_with: str | None = strawberry.field(default=None, description="Starts with (any case).")


@strawberry.input(description="A relation (claim) an entity must have (`some`) or lack (`none`).")
class RelationFilterInput:
    type: str | None = strawberry.field(default=None, description="Predicate, e.g. `PARTY_TO`.")
    direction: Direction = strawberry.field(
        default=Direction.BOTH, description="OUT: entity is the subject; IN: the object."
    )
    other: str | None = strawberry.field(default=None, description="Slug of the other end.")
    status: str | None = strawberry.field(default=None, description="Only claims with this status.")


@strawberry.input(description="Filter on entities. Fields combine with AND.")
class EntityWhere:
    slug: StringFilterInput | None = strawberry.field(default=None, description="On the slug.")
    name: StringFilterInput | None = strawberry.field(
        default=None, description="On the English or the Bengali name."
    )
    description: StringFilterInput | None = strawberry.field(
        default=None, description="On the description."
    )
    kind_in: list[EntityKind] | None = strawberry.field(default=None, description="Kind is one of.")
    some: RelationFilterInput | None = strawberry.field(
        default=None, description="Has at least one such relation."
    )
    none: RelationFilterInput | None = strawberry.field(
        default=None, description="Has no such relation."
    )
    AND: list[EntityWhere] | None = strawberry.field(default=None, description="All of these.")
    OR: list[EntityWhere] | None = strawberry.field(default=None, description="Any of these.")
    NOT: EntityWhere | None = strawberry.field(default=None, description="Not this.")


@strawberry.enum(description="What entities can be sorted by.")
class EntitySortField(Enum):
    SLUG = "SLUG"
    NAME = "NAME"
    KIND = "KIND"
    RELATION_COUNT = "RELATION_COUNT"


@strawberry.enum(description="Sort direction.")
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.input(description="Sort order; ties are broken by slug, which keeps cursors stable.")
class EntityOrder:
    field: EntitySortField = strawberry.field(default=EntitySortField.SLUG, description="Sort key.")
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="Order.")


def _strings(spec: StringFilterInput | None, argument: str) -> StringFilter | None:
    if spec is None:
        return None
    if spec.in_ is not None and len(spec.in_) > MAX_FILTER_VALUES:
        raise BadUserInput(
            f"`{argument}.in` takes at most {MAX_FILTER_VALUES} values", argument=argument
        )
    return StringFilter(
        eq=spec.eq, in_=spec.in_, contains=spec.contains, starts_with=spec.starts_with
    )


def _relation(spec: RelationFilterInput | None, argument: str) -> RelationFilter | None:
    if spec is None:
        return None
    status = None
    if spec.status is not None:
        try:
            status = model.status(spec.status)
        except ValueError as exc:
            raise BadUserInput(f"`{argument}.status`: {exc}", argument=argument) from None
    return RelationFilter(
        type=parse_predicate(spec.type, f"{argument}.type") if spec.type is not None else None,
        direction=spec.direction.value,
        other=spec.other,
        status=status,
    )


def to_filter(where: EntityWhere, argument: str = "where", depth: int = 0) -> EntityFilter:
    """Translate and bound a filter tree (depth and list sizes), naming the offending path."""
    if depth > MAX_FILTER_DEPTH:
        raise BadUserInput(
            f"`{argument}` nests deeper than {MAX_FILTER_DEPTH} levels",
            argument=argument,
            maximum=MAX_FILTER_DEPTH,
        )
    for name, items in (("AND", where.AND), ("OR", where.OR)):
        if items is not None and len(items) > MAX_FILTER_VALUES:
            raise BadUserInput(
                f"`{argument}.{name}` takes at most {MAX_FILTER_VALUES} filters", argument=argument
            )
    return EntityFilter(
        slug=_strings(where.slug, f"{argument}.slug"),
        name=_strings(where.name, f"{argument}.name"),
        description=_strings(where.description, f"{argument}.description"),
        kind_in=[model.EntityKind(k) for k in where.kind_in] if where.kind_in else None,
        some=_relation(where.some, f"{argument}.some"),
        none=_relation(where.none, f"{argument}.none"),
        and_=[to_filter(w, f"{argument}.AND", depth + 1) for w in where.AND or []],
        or_=[to_filter(w, f"{argument}.OR", depth + 1) for w in where.OR or []],
        not_=to_filter(where.NOT, f"{argument}.NOT", depth + 1) if where.NOT else None,
    )


def sort_of(order: EntityOrder | None) -> tuple[SortField, bool]:
    if order is None:
        return SortField.SLUG, False
    return SortField(order.field.value), order.direction is SortDirection.DESC


OrderArgument = Annotated[
    EntityOrder | None, strawberry.argument(description="Sort order (default: by slug).")
]
