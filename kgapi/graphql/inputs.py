"""Filter and sort inputs, and their translation into the query layer's filter tree.

Shaped like @neo4j/graphql's (`eq`, `in`, `contains`, `startsWith`, `some`/`none`, `AND`/`OR`/
`NOT`), plus sorting by relation count. Bad values become BAD_USER_INPUT naming the argument.
"""

from __future__ import annotations

import sys
from datetime import date
from enum import Enum
from typing import Annotated, Any

import strawberry

from kgapi import model
from kgapi.graphql.entity_types import ClaimListOrder, Direction
from kgapi.graphql.enums import ClaimRank, ClaimStatus, EntityKind, Predicate, describe_values
from kgapi.graphql.errors import BadUserInput
from kgapi.graphql.scalars import LanguageTag
from kgapi.queries.documents import DocumentFilter, DocumentSort
from kgapi.queries.entities import (
    EntityFilter,
    RelationFilter,
    SortField,
    StatusTest,
    StringFilter,
)
from kgapi.queries.relations import ClaimFilter, ClaimSort

__all__ = [
    "KIND_WHERE",
    "MAX_FILTER_DEPTH",
    "MAX_FILTER_VALUES",
    "ClaimOrder",
    "ClaimWhere",
    "DocumentOrder",
    "DocumentWhere",
    "EntityOrder",
    "EntitySortField",
    "EntityWhere",
    "RelatedFilterInput",
    "RelationFilterInput",
    "SortDirection",
    "StatusFilterInput",
    "StringFilterInput",
    "claim_list_order",
    "document_sort_of",
    "to_claim_filter",
    "to_document_filter",
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
    predicate: Predicate | None = strawberry.field(
        default=None, description="Only claims of this predicate."
    )
    type: Predicate | None = strawberry.field(
        default=None,
        description="The predicate (the old name).",
        deprecation_reason="Use `predicate` (the write API's word).",
    )
    direction: Direction = strawberry.field(
        default=Direction.BOTH, description="OUT: entity is the subject; IN: the object."
    )
    other: str | None = strawberry.field(default=None, description="Slug of the other end.")
    status: ClaimStatus | None = strawberry.field(
        default=None, description="Only claims with this status."
    )


@strawberry.input(
    description="Conditions on a kind's status (e.g. `Agreement.status`: its current status "
    "today, as `currentStatus` chooses it); all given conditions must hold."
)
class StatusFilterInput:
    eq: ClaimStatus | None = strawberry.field(default=None, description="Equal to, e.g. SIGNED.")
    in_: list[ClaimStatus] | None = strawberry.field(default=None, name="in", description="One of.")


@strawberry.input(
    description="Conditions on the entities a kind field lists (e.g. `Agreement.parties`), by "
    "slug; all given conditions must hold."
)
class RelatedFilterInput:
    includes: str | None = strawberry.field(default=None, description="This entity is among them.")
    includes_all: list[str] | None = strawberry.field(
        default=None, description="Every one of these is among them."
    )
    includes_any: list[str] | None = strawberry.field(
        default=None, description="At least one of these is among them."
    )
    empty: bool | None = strawberry.field(
        default=None, description="true: there is none; false: there is at least one."
    )


@strawberry.input(description="Conditions every entity has, whatever its kind.")
class _EntityConditions:
    slug: StringFilterInput | None = strawberry.field(default=None, description="On the slug.")
    name: StringFilterInput | None = strawberry.field(
        default=None, description="On the English or the Bengali name."
    )
    description: StringFilterInput | None = strawberry.field(
        default=None, description="On the description."
    )
    some: RelationFilterInput | None = strawberry.field(
        default=None, description="Has at least one such relation."
    )
    none: RelationFilterInput | None = strawberry.field(
        default=None, description="Has no such relation."
    )


@strawberry.input(description="Filter on entities. Fields combine with AND.")
class EntityWhere(_EntityConditions):
    kind_in: list[EntityKind] | None = strawberry.field(default=None, description="Kind is one of.")
    AND: list[EntityWhere] | None = strawberry.field(default=None, description="All of these.")
    OR: list[EntityWhere] | None = strawberry.field(default=None, description="Any of these.")
    NOT: EntityWhere | None = strawberry.field(default=None, description="Not this.")


def _kind_where(kind: model.EntityKind) -> Any:
    """`<Kind>Where`: the conditions of every entity plus one per kind field of the kind
    (kgapi.model.KIND_FIELDS), AND/OR/NOT of itself. Generated from the table, so a kind field
    declared there is filterable without another line here."""
    name = f"{kind.value}Where"
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__module__": __name__, "__annotations__": annotations}
    for field_name, spec in model.KIND_FIELDS[kind].items():
        if not spec.filterable:
            continue
        status = spec.shape is model.FieldShape.STATUS
        annotations[field_name] = (
            "StatusFilterInput | None" if status else "RelatedFilterInput | None"
        )
        namespace[field_name] = strawberry.field(
            default=None, description=f"On `{field_name}`: {spec.description}"
        )
    for key, annotation, description in (
        ("AND", f"list[{name}] | None", "All of these."),
        ("OR", f"list[{name}] | None", "Any of these."),
        ("NOT", f"{name} | None", "Not this."),
    ):
        annotations[key] = annotation
        namespace[key] = strawberry.field(default=None, description=description)
    cls = type(name, (_EntityConditions,), namespace)
    setattr(sys.modules[__name__], name, cls)  # string annotations resolve in this module
    return strawberry.input(
        cls,
        description=f"Filter on {kind.value} entities, on their own fields too. Fields "
        "combine with AND.",
    )


# The `where` of each kind's root list: its own input when the kind has kind fields.
KIND_WHERE: dict[model.EntityKind, Any] = {
    kind: _kind_where(kind)
    if any(f.filterable for f in model.KIND_FIELDS[kind].values())
    else EntityWhere
    for kind in model.EntityKind
}


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


describe_values(
    EntitySortField,
    {
        EntitySortField.SLUG: "The slug.",
        EntitySortField.NAME: "The English name, any case (the slug when it has none).",
        EntitySortField.KIND: "The kind.",
        EntitySortField.RELATION_COUNT: "How many non-retracted claims the entity has.",
    },
)
describe_values(
    SortDirection, {SortDirection.ASC: "Smallest first.", SortDirection.DESC: "Largest first."}
)


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
    if spec.predicate is not None and spec.type is not None and spec.predicate != spec.type:
        raise BadUserInput(
            f"`{argument}`: `predicate` and its old name `type` name different predicates "
            f"({spec.predicate.name}, {spec.type.name}); give one",
            argument=argument,
        )
    predicate = spec.predicate if spec.predicate is not None else spec.type
    return RelationFilter(
        type=model.Predicate(predicate) if predicate is not None else None,
        direction=spec.direction.value,
        other=spec.other,
        status=model.Status(spec.status) if spec.status is not None else None,
    )


def _slugs(values: list[str] | None, argument: str) -> list[str]:
    if values is not None and len(values) > MAX_FILTER_VALUES:
        raise BadUserInput(
            f"`{argument}` takes at most {MAX_FILTER_VALUES} values", argument=argument
        )
    return values or []


def _statuses(spec: StatusFilterInput, argument: str) -> list[model.Status]:
    if spec.in_ is not None and len(spec.in_) > MAX_FILTER_VALUES:
        raise BadUserInput(
            f"`{argument}.in` takes at most {MAX_FILTER_VALUES} values", argument=argument
        )
    values = ([spec.eq] if spec.eq is not None else []) + list(spec.in_ or [])
    return [model.Status(value) for value in values]


def _on_path(
    path: model.ClaimPath, other: str | None = None, status: model.Status | None = None
) -> RelationFilter:
    return RelationFilter(
        type=path.predicate, direction=path.direction.value, other=other, status=status
    )


def _kind_field_filter(spec: model.KindField, value: Any, argument: str) -> list[EntityFilter]:
    """A kind field's condition as relation conditions on the claims behind the field, so it
    is compiled like any `some`/`none` (kgapi.queries.entities: one statement text for any)."""
    if isinstance(value, StatusFilterInput):
        statuses = _statuses(value, argument)
        if value.eq is not None and value.in_ is not None:
            groups = [statuses[:1], statuses[1:]]  # eq AND in
        else:
            groups = [statuses]
        return [EntityFilter(status_of=StatusTest(spec.claims, tuple(g))) for g in groups]
    assert isinstance(value, RelatedFilterInput)
    path = spec.path
    parts: list[EntityFilter] = []
    for slug in ([value.includes] if value.includes is not None else []) + _slugs(
        value.includes_all, f"{argument}.includesAll"
    ):
        parts.append(EntityFilter(some=_on_path(path, other=slug)))
    if value.includes_any is not None:
        slugs = _slugs(value.includes_any, f"{argument}.includesAny")
        parts.append(EntityFilter(or_=[EntityFilter(some=_on_path(path, other=s)) for s in slugs]))
    if value.empty is not None:
        relation = _on_path(path)
        parts.append(EntityFilter(none=relation) if value.empty else EntityFilter(some=relation))
    return parts


def to_filter(
    where: Any,
    argument: str = "where",
    depth: int = 0,
    kind: model.EntityKind | None = None,
) -> EntityFilter:
    """Translate and bound a filter tree (depth and list sizes), naming the offending path.

    `where` is an EntityWhere or a kind's own (KIND_WHERE), whose kind fields become relation
    conditions on the claims behind them."""
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
    kind_in = getattr(where, "kind_in", None)
    own: list[EntityFilter] = []
    for name, spec in model.KIND_FIELDS[kind].items() if kind is not None else ():
        value = getattr(where, name, None) if spec.filterable else None
        if value is not None:
            own += _kind_field_filter(spec, value, f"{argument}.{_camel(name)}")
    return EntityFilter(
        slug=_strings(where.slug, f"{argument}.slug"),
        name=_strings(where.name, f"{argument}.name"),
        description=_strings(where.description, f"{argument}.description"),
        kind_in=[model.EntityKind(k) for k in kind_in] if kind_in else None,
        some=_relation(where.some, f"{argument}.some"),
        none=_relation(where.none, f"{argument}.none"),
        and_=[*own, *(to_filter(w, f"{argument}.AND", depth + 1, kind) for w in where.AND or [])],
        or_=[to_filter(w, f"{argument}.OR", depth + 1, kind) for w in where.OR or []],
        not_=to_filter(where.NOT, f"{argument}.NOT", depth + 1, kind) if where.NOT else None,
    )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def sort_of(order: EntityOrder | None) -> tuple[SortField, bool]:
    if order is None:
        return SortField.SLUG, False
    return SortField(order.field.value), order.direction is SortDirection.DESC


OrderArgument = Annotated[
    EntityOrder | None, strawberry.argument(description="Sort order (default: by slug).")
]


# -- documents ---------------------------------------------------------------------------------

strawberry.enum(
    DocumentSort, name="DocumentSortField", description="What documents can be sorted by."
)
describe_values(
    DocumentSort,
    {
        DocumentSort.SLUG: "The slug.",
        DocumentSort.TITLE: "The title in the document's language, any case.",
        DocumentSort.PUBLISHED: "The publication date; documents without one (unknown is never "
        "guessed) come before every dated one ascending, after them descending.",
    },
)


@strawberry.input(description="Sort order of documents; ties are broken by slug.")
class DocumentOrder:
    field: DocumentSort = strawberry.field(default=DocumentSort.SLUG, description="Sort key.")
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="Order.")


@strawberry.input(description="Filter on documents. Fields combine with AND.")
class DocumentWhere:
    slug: StringFilterInput | None = strawberry.field(default=None, description="On the slug.")
    title: StringFilterInput | None = strawberry.field(
        default=None, description="On the title or its English rendering."
    )
    language_in: list[LanguageTag] | None = strawberry.field(
        default=None, description="The text's language is one of these."
    )
    listed_only: bool | None = strawberry.field(
        default=None,
        description="true: only documents another document lists as a source without quoting; "
        "false: only stored texts.",
    )
    mentions: str | None = strawberry.field(
        default=None,
        description="Only documents whose sentences name this entity (by slug) or are the "
        "evidence of a claim about it: which documents discuss it.",
    )


def to_document_filter(where: DocumentWhere, argument: str = "where") -> DocumentFilter:
    if where.language_in is not None and len(where.language_in) > MAX_FILTER_VALUES:
        raise BadUserInput(
            f"`{argument}.languageIn` takes at most {MAX_FILTER_VALUES} values", argument=argument
        )
    return DocumentFilter(
        slug=_strings(where.slug, f"{argument}.slug"),
        title=_strings(where.title, f"{argument}.title"),
        languages=[str(tag) for tag in where.language_in] if where.language_in else None,
        listed_only=where.listed_only,
        mentions=where.mentions,
    )


def document_sort_of(order: DocumentOrder | None) -> tuple[DocumentSort, bool]:
    if order is None:
        return DocumentSort.SLUG, False
    return DocumentSort(order.field), order.direction is SortDirection.DESC


# -- claims ------------------------------------------------------------------------------------


@strawberry.input(description="Filter on claims. Fields combine with AND.")
class ClaimWhere:
    predicate_in: list[Predicate] | None = strawberry.field(
        default=None, description="The predicate is one of these."
    )
    status_in: list[ClaimStatus] | None = strawberry.field(
        default=None,
        description="The status is one of these. Without it retracted claims are left out, as "
        "everywhere else; include RETRACTED to list them.",
    )
    subject: str | None = strawberry.field(default=None, description="Slug of the subject.")
    object: str | None = strawberry.field(default=None, description="Slug of the object.")
    about: str | None = strawberry.field(
        default=None, description="Slug of an entity at either end."
    )
    document: str | None = strawberry.field(
        default=None, description="Slug of a document that states it (a span of its evidence)."
    )
    rank_in: list[ClaimRank] | None = strawberry.field(
        default=None, description="The rank is one of these."
    )
    retracted: bool | None = strawberry.field(
        default=None,
        description="true: only retracted claims (with the status they had in their history); "
        "false or omitted: none (unless `statusIn` names RETRACTED).",
    )
    as_of: date | None = strawberry.field(
        default=None,
        description="Only claims that hold on this date, as `currentStatus` counts them: "
        "effective on or before it (an unknown date counts as before every date) and not "
        "ended (`validTo`) on or before it. What the sources said held on a date is this list.",
    )


strawberry.enum(ClaimSort, name="ClaimSortField", description="What claims can be sorted by.")
describe_values(
    ClaimSort,
    {
        ClaimSort.ID: "The claim id (the default).",
        ClaimSort.EFFECTIVE_DATE: "The effective date (`Claim.effectiveDate`): claims of an "
        "unknown date come before every dated one ascending, after them descending.",
    },
)


@strawberry.input(description="Sort order of claims; ties are broken by claim id.")
class ClaimOrder:
    field: ClaimSort = strawberry.field(default=ClaimSort.ID, description="Sort key.")
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="Order.")


def claim_list_order(order_by: ClaimOrder | None) -> ClaimListOrder:
    if order_by is None:
        return ClaimListOrder()
    return ClaimListOrder(ClaimSort(order_by.field), order_by.direction is SortDirection.DESC)


def to_claim_filter(where: ClaimWhere, argument: str = "where") -> ClaimFilter:
    for name, values in (
        ("predicateIn", where.predicate_in),
        ("statusIn", where.status_in),
        ("rankIn", where.rank_in),
    ):
        if values is not None and len(values) > MAX_FILTER_VALUES:
            raise BadUserInput(
                f"`{argument}.{name}` takes at most {MAX_FILTER_VALUES} values", argument=argument
            )
    return ClaimFilter(
        predicates=[model.Predicate(p).value for p in where.predicate_in]
        if where.predicate_in is not None
        else None,
        statuses=[model.Status(s).value for s in where.status_in]
        if where.status_in is not None
        else None,
        subject=where.subject,
        object=where.object,
        about=where.about,
        document=where.document,
        ranks=[model.Rank(r).value for r in where.rank_in] if where.rank_in is not None else None,
        as_of=where.as_of.isoformat() if where.as_of is not None else None,
        retracted=where.retracted,
    )
