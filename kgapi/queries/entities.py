"""Entities: fetch by slug, list with filters and keyset pagination, stats.

Filters arrive as a small tree (kgapi.queries.filters) and are compiled here into a WHERE clause
whose property names come from a fixed table and whose values are all parameters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, LiteralString

from kgapi import model
from kgapi.db import Database
from kgapi.queries import trusted

__all__ = [
    "ENTITY_MAP",
    "ENTITY_PROPERTIES",
    "EntityFilter",
    "EntityListParts",
    "EntityPage",
    "EntityRow",
    "Params",
    "RelationFilter",
    "SortField",
    "StringFilter",
    "entities_by_slug",
    "entity_list_parts",
    "entity_map",
    "entity_page",
    "entity_total",
    "graph_stats",
]


# An entity's properties as the API reads them (`{v}`: the node variable), with their defaults.
ENTITY_PROPERTIES: dict[str, str] = {
    "slug": "{v}.slug",
    "kind": "{v}.kind",
    "name_en": "{v}.name_en",
    "name_bn": "{v}.name_bn",
    "aliases": "coalesce({v}.aliases, [])",
    "description": "{v}.description",
    "revision": "coalesce({v}.revision, 1)",
}


def entity_map(
    var: LiteralString, extra: LiteralString = "", properties: Iterable[str] | None = None
) -> LiteralString:
    """The projection entity queries return for node variable `var`: every property, or only
    `properties` (a request that selects only slugs need not read descriptions); `extra`: more
    `key: expression` entries."""
    wanted = ENTITY_PROPERTIES if properties is None else set(properties)
    entries = ", ".join(
        f"{name}: {template.format(v=var)}"
        for name, template in ENTITY_PROPERTIES.items()
        if name in wanted
    )
    return "{" + trusted(entries) + extra + "}"  # names and templates are the table's own


ENTITY_MAP: LiteralString = entity_map("e")


@dataclass(frozen=True, slots=True)
class EntityRow:
    slug: str
    kind: str
    name_en: str | None
    name_bn: str | None
    aliases: list[str]
    description: str | None
    revision: int

    @classmethod
    def from_map(cls, row: dict[str, Any]) -> EntityRow:
        return cls(
            slug=row["slug"],
            kind=row["kind"],
            name_en=row.get("name_en"),
            name_bn=row.get("name_bn"),
            aliases=list(row.get("aliases") or []),
            description=row.get("description"),
            revision=int(row.get("revision") or 1),
        )


@dataclass(frozen=True, slots=True)
class EntityPage:
    rows: list[EntityRow]
    sort_values: list[Any]
    has_next: bool
    total: int


@dataclass(frozen=True, slots=True)
class StringFilter:
    eq: str | None = None
    in_: list[str] | None = None
    contains: str | None = None
    starts_with: str | None = None


@dataclass(frozen=True, slots=True)
class RelationFilter:
    """Matches entities with (some) or without (none) a claim of this shape."""

    type: model.Predicate | None = None
    direction: str = "BOTH"  # OUT: entity is the subject; IN: the object
    other: str | None = None  # slug of the entity at the other end
    status: model.Status | None = None


@dataclass(frozen=True, slots=True)
class EntityFilter:
    slug: StringFilter | None = None
    name: StringFilter | None = None
    description: StringFilter | None = None
    kind_in: list[model.EntityKind] | None = None
    some: RelationFilter | None = None
    none: RelationFilter | None = None
    and_: list[EntityFilter] = field(default_factory=list)
    or_: list[EntityFilter] = field(default_factory=list)
    not_: EntityFilter | None = None
    # People who hold an office that heads a ministry (the `ministers` list).
    ministerial: bool = False


class SortField(StrEnum):
    SLUG = "SLUG"
    NAME = "NAME"
    KIND = "KIND"
    RELATION_COUNT = "RELATION_COUNT"


# Sort expressions come only from this table. NAME sorts case-insensitively, falling back to slug.
_SORT_EXPRESSIONS: dict[SortField, LiteralString] = {
    SortField.SLUG: "e.slug",
    SortField.NAME: "toLower(coalesce(e.name_en, e.slug))",
    SortField.KIND: "e.kind",
    SortField.RELATION_COUNT: (
        "COUNT { (e)<-[:SUBJECT|OBJECT]-(c:Claim) WHERE c.status <> 'retracted' }"
    ),
}

_STRING_PROPERTIES: dict[str, LiteralString] = {
    "slug": "e.slug",
    "name": "e.name_en",
    "description": "e.description",
}


class Params:
    """Collects parameter values; Cypher only ever sees their names."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, value: Any) -> LiteralString:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return trusted("$" + name)  # names are generated here, never from input


def _string_condition(
    prop: LiteralString, spec: StringFilter, params: Params, also_bn: bool
) -> list[LiteralString]:
    fields: list[LiteralString] = [prop] + (["e.name_bn"] if also_bn else [])
    parts: list[LiteralString] = []

    def any_of(template: str, value: Any) -> LiteralString:
        p = params.add(value)
        terms = [trusted(template.format(f=f, p=p)) for f in fields]
        return "(" + " OR ".join(terms) + ")" if len(terms) > 1 else terms[0]

    if spec.eq is not None:
        parts.append(any_of("{f} = {p}", spec.eq))
    if spec.in_ is not None:
        parts.append(any_of("{f} IN {p}", spec.in_))
    if spec.contains is not None:
        parts.append(any_of("toLower({f}) CONTAINS toLower({p})", spec.contains))
    if spec.starts_with is not None:
        parts.append(any_of("toLower({f}) STARTS WITH toLower({p})", spec.starts_with))
    return parts


def _relation_condition(spec: RelationFilter, params: Params) -> LiteralString:
    roles: dict[str, LiteralString] = {"OUT": "SUBJECT", "IN": "OBJECT", "BOTH": "SUBJECT|OBJECT"}
    role = roles[spec.direction]
    other_role: dict[str, LiteralString] = {
        "OUT": "OBJECT",
        "IN": "SUBJECT",
        "BOTH": "SUBJECT|OBJECT",
    }
    conditions: list[LiteralString] = ["c.status <> 'retracted'"]
    if spec.type is not None:
        conditions.append("c.predicate = " + params.add(spec.type.value))
    if spec.status is not None:
        conditions.append("c.status = " + params.add(spec.status.value))
    if spec.other is not None:
        conditions.append(
            "EXISTS { (c)-[:"
            + other_role[spec.direction]
            + "]->(o:Entity) WHERE o.slug = "
            + params.add(spec.other)
            + " AND o <> e }"
        )
    return "EXISTS { MATCH (e)<-[:" + role + "]-(c:Claim) WHERE " + " AND ".join(conditions) + " }"


def compile_filter(spec: EntityFilter, params: Params) -> LiteralString:
    """A WHERE condition for one filter tree (TRUE when empty)."""
    parts: list[LiteralString] = []
    for key in ("slug", "name", "description"):
        string_spec = getattr(spec, key)
        if string_spec is not None:
            parts += _string_condition(
                _STRING_PROPERTIES[key], string_spec, params, also_bn=key == "name"
            )
    if spec.kind_in is not None:
        parts.append("e.kind IN " + params.add([k.value for k in spec.kind_in]))
    if spec.some is not None:
        parts.append(_relation_condition(spec.some, params))
    if spec.none is not None:
        parts.append("NOT " + _relation_condition(spec.none, params))
    if spec.ministerial:
        parts.append("EXISTS { (e)-[:HOLDS_OFFICE]->(:Office)-[:HEADS]->(:Ministry) }")
    for child in spec.and_:
        parts.append("(" + compile_filter(child, params) + ")")
    if spec.or_:
        parts.append(
            "(" + " OR ".join("(" + compile_filter(c, params) + ")" for c in spec.or_) + ")"
        )
    if spec.not_ is not None:
        parts.append("NOT (" + compile_filter(spec.not_, params) + ")")
    return " AND ".join(parts) if parts else "true"


async def entities_by_slug(db: Database, slugs: list[str]) -> dict[str, EntityRow]:
    """Several entities in one round trip (unknown slugs are absent)."""
    records = await db.read(
        "UNWIND $slugs AS slug MATCH (e:Entity {slug: slug}) RETURN e " + ENTITY_MAP + " AS row",
        {"slugs": slugs},
    )
    rows = [EntityRow.from_map(r["row"]) for r in records]
    return {row.slug: row for row in rows}


@dataclass(frozen=True, slots=True)
class EntityListParts:
    """The pieces of a filtered, sorted keyset list over `(e:Entity)`, shared by `entity_page`
    and the one-statement read path (kgapi.queries.selection), so both list alike."""

    where: LiteralString  # condition on e (no keyset)
    sort: LiteralString  # the sort expression, aliased `sort_value` by the caller
    keyset: LiteralString  # condition on sort_value and e.slug
    direction: LiteralString  # ASC or DESC
    count_label: LiteralString  # a label whose count-store count is the total, or ""


def entity_list_parts(
    params: Params,
    *,
    kind: model.EntityKind | None,
    where: EntityFilter | None,
    sort: SortField,
    descending: bool,
    after: list[Any] | None,
) -> EntityListParts:
    conditions: list[LiteralString] = []
    if kind is not None:
        conditions.append("e.kind = " + params.add(kind.value))
    if where is not None:
        conditions.append(compile_filter(where, params))
    match_where: LiteralString = " AND ".join(conditions) if conditions else "true"
    direction: LiteralString = "DESC" if descending else "ASC"
    compare: LiteralString = "<" if descending else ">"
    keyset: LiteralString = "true"
    if after is not None:
        value, slug = params.add(after[0]), params.add(after[1])
        keyset = (
            "(sort_value "
            + compare
            + " "
            + value
            + " OR (sort_value = "
            + value
            + " AND e.slug "
            + compare
            + " "
            + slug
            + "))"
        )
    # Every entity carries its kind as a label next to :Entity, so an unfiltered kind's total
    # is one count-store lookup instead of a scan.
    count_label: LiteralString = ""
    if where is None:
        count_label = trusted(kind.value) if kind is not None else "Entity"
    return EntityListParts(match_where, _SORT_EXPRESSIONS[sort], keyset, direction, count_label)


def entity_total(parts: EntityListParts) -> LiteralString:
    """`MATCH ... RETURN count(e)` (the caller names the column) for a list's total."""
    if parts.count_label:
        return "MATCH (e:" + parts.count_label + ") RETURN count(e)"
    return "MATCH (e:Entity) WHERE " + parts.where + " RETURN count(e)"


async def entity_page(
    db: Database,
    *,
    kind: model.EntityKind | None,
    where: EntityFilter | None,
    sort: SortField,
    descending: bool,
    first: int,
    after: list[Any] | None,
) -> EntityPage:
    """One keyset page: rows strictly after the (sort value, slug) pair in `after`.

    One round trip. The total is an aggregate count in its own subquery (nothing is collected);
    the page is sorted and limited before its rows are projected.
    """
    params = Params()
    parts = entity_list_parts(
        params, kind=kind, where=where, sort=sort, descending=descending, after=after
    )
    limit = params.add(first + 1)
    query: LiteralString = (
        "CALL () { " + entity_total(parts) + " AS total } "
        "CALL () { MATCH (e:Entity) WHERE " + parts.where + " "
        "WITH e, " + parts.sort + " AS sort_value WHERE " + parts.keyset + " "
        "ORDER BY sort_value " + parts.direction + ", e.slug " + parts.direction + " "
        "LIMIT " + limit + " "
        "RETURN collect({row: e " + ENTITY_MAP + ", sort_value: sort_value}) AS page } "
        "RETURN total, page"
    )
    records = await db.read(query, params.values)
    record = records[0]
    page = record["page"]
    rows = [EntityRow.from_map(item["row"]) for item in page]
    values = [item["sort_value"] for item in page]
    return EntityPage(rows[:first], values[:first], len(rows) > first, int(record["total"]))


def _stats_query() -> LiteralString:
    # Built once from the whitelist: per-label and per-type counts come from Neo4j's count store.
    kind_parts: list[LiteralString] = [
        "CALL () { MATCH (n:" + trusted(k.value) + ") RETURN count(n) AS c } "
        "WITH counts + [{key: '" + trusted(k.value) + "', count: c}] AS counts"
        for k in model.EntityKind
    ]
    predicate_parts: list[LiteralString] = [
        "CALL () { MATCH ()-[r:" + trusted(p.value) + "]->() RETURN count(r) AS c } "
        "WITH kinds, predicates + [{key: '" + trusted(p.value) + "', count: c}] "
        "AS predicates"
        for p in model.Predicate
    ]
    return (
        "WITH [] AS counts "
        + " ".join(kind_parts)
        + " WITH counts AS kinds, [] AS predicates "
        + " ".join(predicate_parts)
        + " "
        "CALL () { MATCH (e:Entity) RETURN count(e) AS entities } "
        "CALL () { MATCH (c:Claim) RETURN count(c) AS claims } "
        "CALL () { MATCH (d:Document) RETURN count(d) AS documents } "
        "CALL () { MATCH (s:Sentence) RETURN count(s) AS sentences } "
        "RETURN kinds, predicates, entities, claims, documents, sentences"
    )


STATS_QUERY: LiteralString = _stats_query()


async def graph_stats(db: Database) -> dict[str, Any]:
    """Counts per kind and per predicate (traversal relationships), and totals, in one trip."""
    records = await db.read(STATS_QUERY)
    return dict(records[0])
