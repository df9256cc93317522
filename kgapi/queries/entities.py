"""Entities: fetch by slug, list with filters and keyset pagination, stats.

Filters arrive as a small tree (kgapi.queries.filters) and are compiled here into a WHERE clause
whose property names come from a fixed table and whose values are all parameters.
"""

from __future__ import annotations

import json
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
    "STATS_BODY",
    "STORED_SORT_KEYS",
    "EntityFilter",
    "EntityListParts",
    "EntityPage",
    "EntityRow",
    "Params",
    "RelationFilter",
    "SortField",
    "StringFilter",
    "claim_count_of",
    "entities_by_slug",
    "entity_aggregate",
    "entity_kind_counts",
    "entity_list_parts",
    "entity_map",
    "entity_names",
    "entity_page",
    "entity_scan",
    "entity_sorted_page",
    "entity_total",
    "graph_stats",
    "keyset_beyond",
    "resolved_slug",
    "sort_name_of",
    "store_claim_counts",
    "store_sort_name",
]


# An entity's properties as the API reads them (`{v}`: the node variable), with their defaults.
ENTITY_PROPERTIES: dict[str, str] = {
    "slug": "{v}.slug",
    "kind": "{v}.kind",
    "name_en": "{v}.name_en",
    "name_bn": "{v}.name_bn",
    "names_other": "{v}.names_other",
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
    names_other: str | None = None  # JSON: tag -> name, languages other than bn and en

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
            names_other=row.get("names_other"),
        )

    def names(self) -> dict[str, str]:
        return entity_names(self.name_bn, self.name_en, self.names_other)


def entity_names(
    name_bn: str | None, name_en: str | None, names_other: str | None
) -> dict[str, str]:
    """Every name of an entity, tag to name: Bengali, English, then the others by tag (the
    order both read engines answer `names` in)."""
    names = {tag: name for tag, name in (("bn", name_bn), ("en", name_en)) if name}
    if names_other:
        others = json.loads(names_other)
        names.update((tag, others[tag]) for tag in sorted(others))
    return names


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
class StatusTest:
    """Matches entities whose current status (kgapi.current_status, today), drawn from the
    claims of `paths`, is one of `statuses`: the filter of a kind's status field."""

    paths: tuple[model.ClaimPath, ...]
    statuses: tuple[model.Status, ...]


@dataclass(frozen=True, slots=True)
class EntityFilter:
    slug: StringFilter | None = None
    name: StringFilter | None = None
    description: StringFilter | None = None
    kind_in: list[model.EntityKind] | None = None
    some: RelationFilter | None = None
    none: RelationFilter | None = None
    status_of: StatusTest | None = None
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


# Every sort order reads a property stored on the entity, so that an index can hand a page over
# in order (issue 12: sorting the whole kind cost 100-400 ms per first page at 1M relationships).
# `sort_name` and `claim_count` are kept by every write that changes them, in the same
# transaction (`store_sort_name`, `store_claim_counts`), and backfilled by apply_schema. NAME is
# case-insensitive, falling back to the slug; RELATION_COUNT counts the non-retracted claims
# the entity is the subject or object of.
STORED_SORT_KEYS = ("sort_name", "claim_count")  # derived, not the entity's own data


def sort_name_of(var: LiteralString) -> LiteralString:
    """The NAME sort key of node `var`, computed from its names."""
    return "toLower(coalesce(" + var + ".name_en, " + var + ".slug))"


def claim_count_of(var: LiteralString) -> LiteralString:
    """The RELATION_COUNT sort key of entity `var`, counted from its claims."""
    return (
        "COUNT { (" + var + ")<-[:SUBJECT|OBJECT]-(counted:Claim) "
        "WHERE counted.status <> 'retracted' }"
    )


def store_sort_name(var: LiteralString) -> LiteralString:
    """`SET` the stored NAME sort key of node `var` (after its names were set)."""
    return "SET " + var + ".sort_name = " + sort_name_of(var) + " "


def store_claim_counts(var: LiteralString) -> LiteralString:
    """Recount the claims of each entity bound to `var` (one row each, duplicates allowed) and
    store the count. The entities are write-locked first, in slug order: a count taken before
    the lock could miss a claim another transaction commits meanwhile, and a fixed order keeps
    two writers touching the same entities from deadlocking."""
    return (
        "WITH DISTINCT " + var + " ORDER BY " + var + ".slug "
        "SET " + var + "._lock = true REMOVE " + var + "._lock "
        "WITH " + var + " SET " + var + ".claim_count = " + claim_count_of(var) + " "
    )


@dataclass(frozen=True, slots=True)
class _Sort:
    """A sort order: the stored property it reads and how an index serves it. `per_kind`: a
    kind's list reads the kind label's own (property, slug) index; else the list of a kind
    walks Entity(kind, slug) (the order within one kind of KIND and SLUG)."""

    prop: LiteralString
    per_kind: bool
    minimum: str | int = ""  # no value sorts before it: a first page's range starts here


_SORTS: dict[SortField, _Sort] = {
    SortField.SLUG: _Sort("slug", per_kind=False),
    SortField.NAME: _Sort("sort_name", per_kind=True),
    SortField.KIND: _Sort("kind", per_kind=False),
    SortField.RELATION_COUNT: _Sort("claim_count", per_kind=True, minimum=0),
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
    return string_conditions([prop] + (["e.name_bn"] if also_bn else []), spec, params)


def string_conditions(
    fields: list[LiteralString], spec: StringFilter, params: Params
) -> list[LiteralString]:
    """Cypher conditions for a StringFilter, each true when any of `fields` passes it."""
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


# Relation-existence conditions (`some`/`none`) and the AND/OR/NOT around them do not become
# Cypher text. Written out, each was an EXISTS { } subquery (with another inside it for
# `other`) and Neo4j plans every one: an OR of 20 took seconds to plan, an OR of 40 most of ten,
# and an attacker varying the shape keeps Neo4j planning (issue 15). Instead the entity's facts
# are collected once per scanned entity by one subquery (`_FACTS`), every relation condition is
# a map in a parameter list tested by one fixed expression (`_RELATION_TESTS`), and the boolean
# structure is a postfix program in a parameter, evaluated by `reduce` (`_EVALUATE`). However
# many conditions a filter has and however they nest, the statement text is the same, so Neo4j
# plans it once and every later shape is a plan-cache hit. Conditions without a relation below
# them stay Cypher conditions (they can use indexes, and they are tested first).
def _digit(var: LiteralString, values: dict[str, int]) -> LiteralString:
    cases = "".join(f" WHEN '{value}' THEN '{digit}'" for value, digit in values.items())
    return trusted("CASE " + var + cases + " ELSE '0' END")  # values of the model's enums


# kgapi.current_status.rule_key, in Cypher: rank digit, `1` + effective date or `0` + zeros,
# strength digit. The largest key among the claims that hold is the current status.
_RULE_KEY: LiteralString = (
    _digit("c.rank", {rank.value: i for i, rank in enumerate(model.RANK_ORDER)})
    + " + CASE WHEN c.effective IS NULL THEN '00000000000' ELSE '1' + c.effective END + "
    + _digit("c.status", {s.value: i for i, s in enumerate(reversed(list(model.Status)))})
)


def _facts(timed: bool) -> LiteralString:
    """The facts subquery; `timed` adds what status tests read (two fixed texts)."""
    time: LiteralString = (
        ", key: " + _RULE_KEY + ", effective: c.effective, validTo: c.valid_to" if timed else ""
    )
    return (
        "CALL (e) { MATCH (e)<-[r:SUBJECT|OBJECT]-(c:Claim) WHERE c.status <> 'retracted' "
        "RETURN collect({predicate: c.predicate, status: c.status, role: type(r), "
        "others: [(c)-[s:SUBJECT|OBJECT]->(o:Entity) WHERE o <> e | {role: type(s), slug: o.slug}]"
        + time
        + "}) AS facts } "
    )


_FACTS, _TIMED_FACTS = _facts(False), _facts(True)
# One truth value per status test `a` ({paths: [[predicate, role]], statuses}): the status of
# the fact with the largest rule key among those of the paths that hold today (the date of
# the database, UTC by default, as kgapi.current_status.today) is one of a.statuses.
_STATUS_TESTS: LiteralString = (
    "coalesce(reduce(b = null, f IN [f IN facts WHERE any(p IN a.paths WHERE "
    "f.predicate = p[0] AND f.role = p[1]) "
    "AND (f.effective IS NULL OR f.effective <= toString(date())) "
    "AND (f.validTo IS NULL OR toString(date()) < f.validTo)] | "
    "CASE WHEN b IS NULL OR f.key > b.key THEN f ELSE b END).status IN a.statuses, false)"
)
# One truth value per relation condition `a` (null fields: no test).
_RELATION_TESTS: LiteralString = (
    "any(f IN facts WHERE (a.role IS NULL OR f.role = a.role) "
    "AND (a.predicate IS NULL OR f.predicate = a.predicate) "
    "AND (a.status IS NULL OR f.status = a.status) "
    "AND (a.other IS NULL OR any(x IN f.others WHERE x.slug = a.other "
    "AND (a.otherRole IS NULL OR x.role = a.otherRole))))"
)
# Program steps: an index >= 0 pushes that truth value; the operators below pop their operands
# and push the result, with Cypher's own (three-valued) AND, OR and NOT.
_AND, _OR, _NOT, _TRUE = -1, -2, -3, -4
_EVALUATE: LiteralString = (
    "CASE op WHEN -1 THEN s[..-2] + [s[-2] AND s[-1]] WHEN -2 THEN s[..-2] + [s[-2] OR s[-1]] "
    "WHEN -3 THEN s[..-1] + [NOT s[-1]] WHEN -4 THEN s + [true] ELSE s + [t[op]] END"
)
# The entity's role in the claim, and the other end's, per direction (BOTH: either, no test).
_ROLES: dict[str, tuple[str | None, str | None]] = {
    "OUT": ("SUBJECT", "OBJECT"),
    "IN": ("OBJECT", "SUBJECT"),
    "BOTH": (None, None),
}


class _Filter:
    """One filter tree's compilation: Cypher conditions for the parts without relation
    conditions, and for the rest the truth values to compute and the program combining them."""

    def __init__(self, params: Params) -> None:
        self.params = params
        self.conditions: list[LiteralString] = []  # truth values t[0..], as Cypher
        self.relations: list[dict[str, str | None]] = []  # then one per relation condition
        self.status_tests: list[dict[str, Any]] = []  # then one per status test
        # ("condition"|"relation"|"status"|"op", index or op)
        self.program: list[tuple[str, int]] = []

    def finish(self) -> tuple[LiteralString, list[int]]:
        """The truth-value list expression, and the program with its indices resolved."""
        offsets = {
            "relation": len(self.conditions),
            "status": len(self.conditions) + len(self.relations),
        }
        program = [value + offsets.get(kind, 0) for kind, value in self.program]
        listed: LiteralString = "[" + ", ".join(self.conditions) + "] + "
        listed += "[a IN " + self.params.add(self.relations) + " | " + _RELATION_TESTS + "]"
        if self.status_tests:
            listed += " + [a IN " + self.params.add(self.status_tests) + " | " + _STATUS_TESTS + "]"
        return listed, program

    def status(self, spec: StatusTest) -> None:
        self.program.append(("status", len(self.status_tests)))
        self.status_tests.append(
            {
                "paths": [
                    [path.predicate.value, _ROLES[path.direction.value][0]] for path in spec.paths
                ],
                "statuses": [status.value for status in spec.statuses],
            }
        )

    def relation(self, spec: RelationFilter, negate: bool) -> None:
        role, other_role = _ROLES[spec.direction]
        self.program.append(("relation", len(self.relations)))
        self.relations.append(
            {
                "role": role,
                "predicate": spec.type.value if spec.type is not None else None,
                "status": spec.status.value if spec.status is not None else None,
                "other": spec.other,
                "otherRole": other_role if spec.other is not None else None,
            }
        )
        if negate:
            self.program.append(("op", _NOT))

    def emit(self, spec: EntityFilter, hoisted: list[LiteralString] | None = None) -> None:
        """Push one truth value: the AND of this tree's parts. With `hoisted`, the parts
        without a relation condition go there instead (Cypher conditions tested first)."""
        count = 0

        def condition(text: LiteralString) -> None:
            nonlocal count
            if hoisted is not None:
                hoisted.append(text)
            else:
                self.program.append(("condition", len(self.conditions)))
                self.conditions.append(text)
                count += 1

        plain = self.plain(spec)
        if plain:
            condition(_all(plain))
        for relation, negate in ((spec.some, False), (spec.none, True)):
            if relation is not None:
                self.relation(relation, negate)
                count += 1
        if spec.status_of is not None:
            self.status(spec.status_of)
            count += 1
        for child in spec.and_:
            if _has_relation(child):
                self.emit(child)
                count += 1
            else:
                condition("(" + compile_plain(child, self.params) + ")")
        if spec.or_:
            if any(map(_has_relation, spec.or_)):
                for index, child in enumerate(spec.or_):
                    self.emit(child)
                    if index:
                        self.program.append(("op", _OR))
                count += 1
            else:
                condition(compile_plain(EntityFilter(or_=spec.or_), self.params))
        if spec.not_ is not None:
            if _has_relation(spec.not_):
                self.emit(spec.not_)
                self.program.append(("op", _NOT))
                count += 1
            else:
                condition("NOT (" + compile_plain(spec.not_, self.params) + ")")
        if not count and hoisted is None:
            self.program.append(("op", _TRUE))
        self.program += [("op", _AND)] * max(count - 1, 0)

    def plain(self, spec: EntityFilter) -> list[LiteralString]:
        """The tree's own string, kind and ministerial conditions, as Cypher."""
        parts: list[LiteralString] = []
        for key in ("slug", "name", "description"):
            string_spec = getattr(spec, key)
            if string_spec is not None:
                parts += _string_condition(
                    _STRING_PROPERTIES[key], string_spec, self.params, also_bn=key == "name"
                )
        if spec.kind_in is not None:
            parts.append("e.kind IN " + self.params.add([k.value for k in spec.kind_in]))
        if spec.ministerial:
            parts.append("EXISTS { (e)-[:HOLDS_OFFICE]->(:Office)-[:HEADS]->(:Ministry) }")
        return parts


def _has_relation(spec: EntityFilter) -> bool:
    children = [*spec.and_, *spec.or_, *([spec.not_] if spec.not_ is not None else [])]
    own = spec.some is not None or spec.none is not None or spec.status_of is not None
    return own or any(map(_has_relation, children))


def compile_plain(spec: EntityFilter, params: Params) -> LiteralString:
    """A Cypher condition for a tree without relation conditions (TRUE when empty)."""
    compiler = _Filter(params)
    parts = compiler.plain(spec)
    parts += ["(" + compile_plain(child, params) + ")" for child in spec.and_]
    if spec.or_:
        parts.append(
            "(" + " OR ".join("(" + compile_plain(c, params) + ")" for c in spec.or_) + ")"
        )
    if spec.not_ is not None:
        parts.append("NOT (" + compile_plain(spec.not_, params) + ")")
    return _all(parts)


def _all(conditions: Iterable[LiteralString]) -> LiteralString:
    listed = list(conditions)
    return " AND ".join(listed) if listed else "true"


def entity_scan(
    params: Params,
    where: EntityFilter | None,
    *conditions: LiteralString,
    label: LiteralString = "Entity",
) -> LiteralString:
    """The clauses that bind `e` to every entity meeting `conditions` and the filter tree:
    `MATCH (e:<label>) WHERE ...` with the top level's conditions that involve no relation; then,
    only when some do, the facts subquery and the program (see `_FACTS`), for the entities
    that passed."""
    plain: list[LiteralString] = list(conditions)
    compiler = _Filter(params)
    if where is not None:
        compiler.emit(where, hoisted=plain)
    scan: LiteralString = "MATCH (e:" + label + ") WHERE " + _all(plain) + " "
    if compiler.program:
        values, program = compiler.finish()
        scan += (
            (_TIMED_FACTS if compiler.status_tests else _FACTS)
            + "WITH e, "
            + values
            + " AS t WHERE reduce(s = [], op IN "
            + params.add(program)
            + " | "
            + _EVALUATE
            + ")[0] "
        )
    return scan


def resolved_slug(slug: LiteralString, var: LiteralString) -> LiteralString:
    """`OPTIONAL MATCH ... WITH ... AS var`: the slug an entity is known by now — the kept
    entity's for a slug that was merged into it (mergeEntities leaves an EntityRedirect), else
    `slug` itself (an expression: a parameter or a variable)."""
    redirect = var + "_redirect"
    return (
        "OPTIONAL MATCH (" + redirect + ":EntityRedirect {slug: " + slug + "}) "
        "WITH *, coalesce(" + redirect + ".target, " + slug + ") AS " + var + " "
    )


async def entities_by_slug(db: Database, slugs: list[str]) -> dict[str, EntityRow]:
    """Several entities in one round trip, by the slugs asked for (a merged entity's slug gives
    the entity it was merged into; unknown slugs are absent)."""
    records = await db.read(
        "UNWIND $slugs AS slug "
        + resolved_slug("slug", "current")
        + "MATCH (e:Entity {slug: current}) RETURN slug, e "
        + ENTITY_MAP
        + " AS row",
        {"slugs": slugs},
    )
    return {r["slug"]: EntityRow.from_map(r["row"]) for r in records}


@dataclass(frozen=True, slots=True)
class EntityListParts:
    """The pieces of a filtered, sorted keyset list over `(e:Entity)`, shared by `entity_page`
    and the one-statement read path (kgapi.queries.selection), so both list alike."""

    scan: LiteralString  # the clauses binding each matching e (no keyset), see entity_scan
    sort: LiteralString  # the sort expression, aliased `sort_value` by the caller
    keyset: LiteralString  # condition on sort_value and e.slug
    direction: LiteralString  # ASC or DESC
    count_label: LiteralString  # a label whose count-store count is the total, or ""
    page_scan: LiteralString  # `scan` as one sort index serves it, from the keyset on
    order: LiteralString  # the ORDER BY terms that index provides, with their direction


def keyset_beyond(
    var: LiteralString, compare: LiteralString, value: LiteralString, slug: LiteralString
) -> LiteralString:
    """The keyset test of a page sorted by `sort_value` then `var.slug`: strictly beyond the
    (sort value, slug) pair in parameters `value` and `slug` (`compare` is `>` or `<`)."""
    return (
        "(sort_value "
        + compare
        + " "
        + value
        + " OR (sort_value = "
        + value
        + " AND "
        + var
        + ".slug "
        + compare
        + " "
        + slug
        + "))"
    )


def entity_list_parts(
    params: Params,
    *,
    kind: model.EntityKind | None,
    where: EntityFilter | None,
    sort: SortField,
    descending: bool,
    after: list[Any] | None,
) -> EntityListParts:
    """A list's parts. The page reads a (sort property, slug) index in order and stops at the
    page's end, whatever the graph's size: the property is tested in a form an index answers
    (a range from its least value for a first page, `>=`/`<=` the cursor's value after it, the
    exact keyset test following in `keyset`), and the ORDER BY names the index's own
    properties."""
    conditions: list[LiteralString] = []
    kind_value = params.add(kind.value) if kind is not None else None
    if kind_value is not None:
        conditions.append("e.kind = " + kind_value)
    scan = entity_scan(params, where, *conditions)
    spec = _SORTS[sort]
    prop: LiteralString = "e." + spec.prop
    direction: LiteralString = "DESC" if descending else "ASC"
    compare: LiteralString = "<" if descending else ">"
    keyset: LiteralString = "true"
    # A first page too is a range from the property's least value, not `IS NOT NULL`: with
    # `IS NOT NULL`, Neo4j 5.26 chose by graph size between this index and a seek on
    # Entity(kind, slug) for `kindIn` followed by a sort of every match (111,455 db hits for
    # Q2a at 1M); with the range it read the sort index in order at every size (72).
    seek: LiteralString = prop + " >= " + params.add(spec.minimum)
    if after is not None:
        value, slug = params.add(after[0]), params.add(after[1])
        seek = prop + " " + compare + "= " + value
        keyset = keyset_beyond("e", compare, value, slug)
    # A composite index serves a query only when each of its properties is tested.
    page_conditions: list[LiteralString] = [seek]
    if spec.prop != "slug":
        page_conditions.append("e.slug IS NOT NULL")
    label: LiteralString = "Entity"
    terms: list[LiteralString] = ["sort_value"] + (["e.slug"] if spec.prop != "slug" else [])
    if kind is not None and kind_value is not None:
        if spec.per_kind:  # the kind's label holds exactly the kind's entities
            label = "Entity:" + trusted(kind.value)
        else:  # Entity(kind, slug), in order within the one kind
            page_conditions.append("e.kind = " + kind_value)
            if spec.prop != "kind":
                terms.insert(0, "e.kind")
    page_scan = entity_scan(params, where, *page_conditions, label=label)
    order = ", ".join(term + " " + direction for term in terms)
    # Every entity carries its kind as a label next to :Entity, so an unfiltered kind's total
    # is one count-store lookup instead of a scan.
    count_label: LiteralString = ""
    if where is None:
        count_label = trusted(kind.value) if kind is not None else "Entity"
    return EntityListParts(scan, prop, keyset, direction, count_label, page_scan, trusted(order))


def entity_total(parts: EntityListParts) -> LiteralString:
    """`MATCH ... RETURN count(e)` (the caller names the column) for a list's total."""
    if parts.count_label:
        return "MATCH (e:" + parts.count_label + ") RETURN count(e)"
    return parts.scan + "RETURN count(e)"


def entity_kind_counts(parts: EntityListParts) -> LiteralString:
    """`... RETURN collect({key, count})` (the caller names the column): the list's entities
    per kind label, by label, apart from the page."""
    return (
        parts.scan + "WITH e.kind AS key, count(*) AS count ORDER BY key "
        "RETURN collect({key: key, count: count})"
    )


async def entity_aggregate(
    db: Database,
    *,
    kind: model.EntityKind | None,
    where: EntityFilter | None,
) -> list[dict[str, Any]]:
    """Every entity of a list (not only its page), per kind: `[{key: label, count}]`."""
    params = Params()
    parts = entity_list_parts(
        params, kind=kind, where=where, sort=SortField.SLUG, descending=False, after=None
    )
    records = await db.read(entity_kind_counts(parts) + " AS counts", params.values)
    return [dict(c) for c in records[0]["counts"]]


def entity_sorted_page(parts: EntityListParts, limit: LiteralString) -> LiteralString:
    """The clauses binding `e` and `sort_value` to one keyset page, sorted and limited before
    anything is projected (the caller returns what it needs)."""
    return (
        parts.page_scan
        + "WITH e, "
        + parts.sort
        + " AS sort_value WHERE "
        + parts.keyset
        + " ORDER BY "
        + parts.order
        + " LIMIT "
        + limit
        + " "
    )


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
        "CALL () { "
        + entity_sorted_page(parts, limit)
        + "RETURN collect({row: e "
        + ENTITY_MAP
        + ", sort_value: sort_value}) AS page } "
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
    )


# The counts as variables kinds, predicates, entities, claims, documents, sentences.
STATS_BODY: LiteralString = _stats_query()
STATS_QUERY: LiteralString = (
    STATS_BODY + "RETURN kinds, predicates, entities, claims, documents, sentences"
)


async def graph_stats(db: Database) -> dict[str, Any]:
    """Counts per kind and per predicate (traversal relationships), and totals, in one trip."""
    records = await db.read(STATS_QUERY)
    return dict(records[0])
