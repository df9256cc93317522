"""Answer a read query with one Cypher statement, or hand it to the resolvers.

Why (issue 6): executed field by field, a query costs one Cypher round trip per nesting level
and a Python object and a graphql-core call per value; the profile put most of kgapi's time
there. Here a query whose every field the fetch tree (kgapi.queries.selection) can express is
planned from its selection set, read in one round trip, and shaped into the response directly.

The fast path never has to reproduce an error: it declines. Mutations, subscriptions,
introspection, claim histories, changes, a request that does not parse or validate, bad
variables or arguments, a caller without the reader role — all go through strawberry's
resolvers as before, and they produce every error. Only a database failure during the one
statement is reported here, with the same codes (DATABASE_UNAVAILABLE, TIMEOUT).

Arguments are checked and translated by kgapi.graphql.arguments, the rules the resolvers use;
tests/integration/test_compiled_reads.py runs queries both ways and compares the answers.
Kind fields (`... on Agreement { status parties }`, declared in kgapi.model.KIND_FIELDS) are
read in the same statement: an entity whose selection depends on its kind gets one shape per
kind, chosen by the kind read with it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import AsyncGenerator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, LiteralString, cast

import orjson
import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLSkipDirective,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import (
    get_argument_values,
    get_directive_values,
    get_variable_values,
)
from graphql.type import is_non_null_type
from graphql.validation import ASTValidationRule
from strawberry.schema.schema import StreamResult
from strawberry.types import ExecutionContext as StrawberryExecutionContext
from strawberry.types import ExecutionResult
from strawberry.types.arguments import convert_arguments
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType as AllowedOperation

from kgapi import model
from kgapi.auth import Role
from kgapi.config import Settings
from kgapi.current_status import ClaimTime, choose, history, today
from kgapi.graphql.arguments import (
    KIND_LISTS,
    MINISTERS,
    check_range,
    check_search_text,
    document_list_args,
    entity_list_args,
    search_args,
)
from kgapi.graphql.context import Context
from kgapi.graphql.cost import (
    COST_EXTENSION,
    Cost,
    check_cost,
    cost_report,
    operation_cost,
    wants_cost,
)
from kgapi.graphql.document_cache import BoundedCache, check_query_size, query_digest, weight_of
from kgapi.graphql.entity_types import ENTITY_TYPES, anchored, qualifier_text
from kgapi.graphql.errors import database_error, report_errors
from kgapi.graphql.ids import from_global_id, to_global_id
from kgapi.graphql.inputs import claim_list_order, to_claim_filter
from kgapi.graphql.limits import bulk_allowances, check_variables
from kgapi.graphql.pagination import (
    PageRequest,
    check_first,
    decode_cursor,
    encode_cursor,
    page_of,
    page_request,
)
from kgapi.graphql.permissions import check_role
from kgapi.graphql.sentence_types import (
    DOCUMENT_MENTION_CURSOR,
    MENTION_CURSOR,
    SENTENCE_CURSOR,
    document_mention_cursor,
    mention_cursor,
    sentence_cursor,
)
from kgapi.observability import COMPILED_READS, GRAPHQL_ERRORS
from kgapi.queries.entities import entity_names
from kgapi.queries.relations import (
    MAX_NEIGHBORHOOD_HOPS,
    MAX_PATH_HOPS,
    ClaimFilter,
    ClaimSort,
    aggregate_counts,
)
from kgapi.queries.search import lucene_query
from kgapi.queries.selection import (
    ChangesRoot,
    ClaimCountFetch,
    ClaimFetch,
    ClaimListRoot,
    ClaimRoot,
    DocumentFetch,
    DocumentListRoot,
    DocumentRoot,
    EntityFetch,
    EntityListRoot,
    EntityRoot,
    EvidenceFetch,
    KindFieldFetch,
    MentionFetch,
    MentionsFetch,
    NeighborhoodRoot,
    PathRoot,
    RelationsFetch,
    RootFetch,
    SearchRoot,
    SentenceFetch,
    SentencesFetch,
    StatsRoot,
    read_statement,
)

__all__ = ["CompiledReads", "KgapiSchema"]

logger = logging.getLogger("kgapi.compiler")

Shape = Callable[[Any], Any]
Fields = list[tuple[str, list[FieldNode]]]

_ENTITY_CONDITIONS = frozenset({"Entity", "Node"})
_ALL_KINDS = tuple(model.EntityKind)
_TYPENAMES = {
    kind.value: cls.__strawberry_definition__.name  # type: ignore[attr-defined]
    for kind, cls in ENTITY_TYPES.items()
}
_KIND_NAMES = {kind.value: kind.name for kind in model.EntityKind}
_ENTITY_VALUES = {
    "slug": "slug",
    "aliases": "aliases",
    "description": "description",
    "revision": "revision",
}
_DOCUMENT_VALUES = {
    "slug": "slug",
    "title": "title",
    "titleEn": "title_en",
    "language": "language",
    "url": "url",
    "published": "published",
    "retrieved": "retrieved",
    "sha256": "sha256",
    "listedOnly": "listed_only",
    "text": "text",
}
_EVIDENCE_VALUES = {
    "sentenceIndex": "sentence_index",
    "start": "start",
    "end": "end",
    "quote": "quote",
    "translation": "translation",
}


_MENTION_VALUES = {
    "sentenceIndex": "sentence_index",
    "start": "start",
    "end": "end",
    "surface": "surface",
}
_CHANGE_VALUES = {
    "id": "id",
    "actor": "actor",
    "targetId": "target_id",
}
_STATUS_NAMES = {status.value: status.name for status in model.Status}
_DATE_SOURCE_NAMES = {source.value: source.name for source in model.DateSource}
_RANK_NAMES = {rank.value: rank.name for rank in model.Rank}
_OPERATION_NAMES = {op.value: op.name for op in model.WriteOperation}
_TARGET_NAMES = {target.value: target.name for target in model.TargetType}
# What a count of each type is of: its enum field, and the GraphQL names of the stored keys.
_COUNTS: dict[str, tuple[str, dict[str, str]]] = {
    "KindCount": ("kind", _KIND_NAMES),
    "PredicateCount": ("predicate", {p.value: p.name for p in model.Predicate}),
    "StatusCount": ("status", _STATUS_NAMES),
}


def _counted(shape: Shape) -> Shape:
    """A ClaimAggregate from the statement's `[status, predicate]` pairs."""
    return lambda page: shape(aggregate_counts(page["aggregate"]))


def _listed(key: str) -> Shape:
    return lambda item: list(item[key] or [])


def _json_of(key: str) -> Shape:
    return lambda item: json.loads(item[key]) if item[key] else None


def _may_read_audit_trail(context: Context) -> bool:
    """As CanReadAuditTrail, once the reader role is established."""
    return not context.principal.anonymous or context.settings.audit_trail_public


def _refused_variables(
    query: str | None, variables: dict[str, Any] | None, context: Context
) -> GraphQLError | None:
    """The list-size limit on the JSON variables (a bulk mutation's items excepted, up to
    their own bound), counted when it refuses them."""
    settings = context.settings
    allowances = bulk_allowances(
        query, variables, settings.max_list_argument, settings.max_bulk_items
    )
    refused = check_variables(variables, settings.max_list_argument, allowances)
    if refused is not None:
        GRAPHQL_ERRORS.labels(refused.code).inc()
    return refused


async def _once(result: ExecutionResult) -> AsyncGenerator[ExecutionResult, None]:
    """A stream of one result (a query's answer, or a refusal before execution)."""
    yield result


class Unsupported(Exception):
    """This request is answered by the resolvers."""


class _Copy:
    """The value under a key of the statement's map, as it is."""

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, item: Any) -> Any:
        return item[self.key]


class _Constant:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self, _: Any) -> Any:
        return self.value


_CLAIM_TIME_VALUES: dict[str, Shape] = {
    "validFrom": _Copy("valid_from"),
    "validTo": _Copy("valid_to"),
    "effectiveDate": _Copy("effective"),
    "dateSource": lambda c: _DATE_SOURCE_NAMES[c.get("date_source") or "unknown"],
}


def _at(key: str, shape: Shape) -> Shape:
    return lambda item: shape(item[key])


def _object(fields: list[tuple[str, Shape]]) -> Shape:
    """One object of the response: a function made for these fields, which builds the dict in
    one expression (a copied value is a subscript, a constant a name, anything else a call).

    Why generated: shaping was the largest share of kgapi's own CPU on wide answers (a
    neighbourhood of ~300 objects), and a dict display is several times faster than a
    comprehension calling a function per field. The source holds only `repr()` of the response
    keys (GraphQL names, validated by the parser) and of the statement's own map keys (fixed
    words); everything else is bound by name.
    """
    names: dict[str, Any] = {}
    entries: list[str] = []
    for index, (key, get) in enumerate(fields):
        if isinstance(get, _Copy):
            value = f"item[{get.key!r}]"
        elif isinstance(get, _Constant):
            value = f"c{index}"
            names[value] = get.value
        else:
            value = f"f{index}(item)"
            names[f"f{index}"] = get
        entries.append(f"{key!r}: {value}")
    source = (
        "def shape(item):\n"
        "    if item is None:\n"
        "        return None\n"
        "    return {" + ", ".join(entries) + "}\n"
    )
    exec(source, names)  # noqa: S102 - generated from repr() of names, see the docstring
    shape: Shape = names["shape"]
    return shape


def _each(shape: Shape, order: Callable[[Any], Any] | None = None) -> Shape:
    def shape_all(items: Any) -> Any:
        values = sorted(items, key=order) if order is not None else items
        return [shape(item) for item in values]

    return shape_all


def _claim_of(claims: list[dict[str, Any]], wanted: ClaimTime) -> dict[str, Any]:
    """The map of the claim the rule chose, from one of a status field's claim lists."""
    return next(claim for claim in claims if claim["id"] == wanted.claim_id)


def _chosen(index: int, shape: Shape) -> Shape:
    """Of `(choice, claim lists)`: the chosen claim of list `index`, shaped."""
    return lambda x: shape(_claim_of(x[1][index], x[0].chosen))


def _conflicting(index: int, shape: Shape) -> Shape:
    return lambda x: [shape(_claim_of(x[1][index], other)) for other in x[0].conflicting]


def _period_claim(index: int, shape: Shape) -> Shape:
    return lambda x: shape(_claim_of(x[1][index], x[0].choice.chosen))


def _in_sentence(offset: str) -> Shape:
    """An evidence span's offset inside its sentence's text."""
    return lambda ev: ev[offset] - ev["sentence_start"]


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _relation_cursor(claim: dict[str, Any]) -> str:
    return encode_cursor("Relation", [claim["id"]])


def _qualifier_items(claim: dict[str, Any]) -> list[tuple[str, Any]]:
    return sorted(json.loads(claim.get("qualifiers_json") or "{}").items())


@dataclass(frozen=True, slots=True)
class Prepared:
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]


@dataclass(slots=True)
class _Root:
    key: str
    shape: Shape
    fetch: RootFetch | None = None  # None: answered without reading (e.g. __typename)
    nullable: bool = True


@dataclass(frozen=True, slots=True)
class _Plan:
    roots: list[_Root]
    fetched: list[_Root]  # the roots that read, in the statement's column order
    statement: LiteralString | None  # None: nothing to read
    params: dict[str, Any]
    cost: Cost  # checked against the caller's budget before the statement is sent
    audit: bool = False  # reads the audit trail: the caller must be allowed to (per request)


@dataclass
class _Planner:
    """Walks one operation with one request's variables into fetches and shapes."""

    schema: strawberry.Schema
    prepared: Prepared
    variables: Any
    settings: Settings
    roots: list[_Root] = field(default_factory=list)
    audit: bool = False  # the audit trail is read (`changes`, `history`)

    # selection sets ---------------------------------------------------------------------------

    def collect(self, nodes: Iterable[FieldNode], conditions: frozenset[str]) -> Fields:
        """Sub-fields of merged field nodes by response key, in first-seen order."""
        found: dict[str, list[FieldNode]] = {}

        def visit(selection_set: SelectionSetNode | None) -> None:
            if selection_set is None:
                raise Unsupported("a leaf where an object was expected")
            for selection in selection_set.selections:
                if selection.directives and not self.included(selection):
                    continue
                if isinstance(selection, FieldNode):
                    key = selection.alias.value if selection.alias else selection.name.value
                    found.setdefault(key, []).append(selection)
                    continue
                # A fragment applies when the object's type is (or implements) its type
                # condition; `conditions` are those names for the object at hand. Validation
                # leaves no other condition than the possible types of the position.
                if isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    if condition is None or condition.name.value in conditions:
                        visit(selection.selection_set)
                    continue
                assert isinstance(selection, FragmentSpreadNode)
                fragment = self.prepared.fragments[selection.name.value]
                if fragment.type_condition.name.value in conditions:
                    visit(fragment.selection_set)

        for node in nodes:
            visit(node.selection_set)
        return list(found.items())

    def included(self, selection: SelectionNode) -> bool:
        """`@skip(if:)` and `@include(if:)`, as graphql-core's field collection decides them
        (their values are known once the variables are: the plan is per variables)."""
        skip = get_directive_values(GraphQLSkipDirective, selection, self.variables)
        if skip is not None and skip["if"] is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, selection, self.variables)
        return include is None or include["if"] is not False

    def arguments(self, type_name: str, nodes: list[FieldNode]) -> dict[str, Any]:
        graphql_type = cast(GraphQLObjectType, self.schema._schema.get_type(type_name))
        definition: GraphQLField = graphql_type.fields[nodes[0].name.value]
        return get_argument_values(definition, nodes[0], self.variables)

    def strawberry_arguments(
        self, nodes: list[FieldNode], type_name: str | None = None
    ) -> dict[str, Any]:
        """Arguments as the resolvers receive them (input types as their classes), of a root
        field or of `type_name`'s field."""
        if type_name is None:
            definition = self.schema._schema.query_type.fields[nodes[0].name.value]  # type: ignore[union-attr]
        else:
            owner = cast(GraphQLObjectType, self.schema._schema.get_type(type_name))
            definition = owner.fields[nodes[0].name.value]
        raw = get_argument_values(definition, nodes[0], self.variables)
        strawberry_field = definition.extensions["strawberry-definition"]
        return convert_arguments(
            raw,
            strawberry_field.arguments,
            scalar_registry=self.schema.schema_converter.scalar_registry,
            config=self.schema.config,
        )

    # object types -----------------------------------------------------------------------------

    def entity(
        self, nodes: list[FieldNode], kinds: tuple[model.EntityKind, ...] = _ALL_KINDS
    ) -> tuple[EntityFetch, Shape]:
        """An entity of one of `kinds`: what to read, and its shape. Fields under a fragment on
        one kind (`... on Agreement { parties }`) make the shape depend on the entity's kind:
        then there is one shape per kind, chosen by the `kind` read with the entity."""
        fetch = EntityFetch()
        columns: dict[tuple[int, ...], Shape] = {}
        by_selection: dict[tuple[tuple[str, tuple[int, ...]], ...], Shape] = {}
        shapes: dict[str, Shape] = {}
        for kind in kinds:
            typename = _TYPENAMES[kind.value]
            fields = self.collect(nodes, frozenset({*_ENTITY_CONDITIONS, typename}))
            selection = tuple((key, tuple(map(id, sub))) for key, sub in fields)
            shape = by_selection.get(selection)
            if shape is None:
                shape = _object(
                    [
                        (key, self.entity_field(fetch, kind, sub, columns, len(kinds) > 1))
                        for key, sub in fields
                    ]
                )
                by_selection[selection] = shape
            shapes[kind.value] = shape
        if len(by_selection) == 1:
            return fetch, next(iter(by_selection.values()))
        fetch.properties.add("kind")
        return fetch, lambda m: None if m is None else shapes[m["kind"]](m)

    def entity_field(
        self,
        fetch: EntityFetch,
        kind: model.EntityKind,
        sub: list[FieldNode],
        columns: dict[tuple[int, ...], Shape],
        guarded: bool,
    ) -> Shape:
        """One field of an entity of `kind`. A field read from its own column (relations, a
        kind field) is planned once however many kinds select it (`columns`)."""
        name = sub[0].name.value
        if name in _ENTITY_VALUES:
            fetch.properties.add(_ENTITY_VALUES[name])
            if name == "description":  # non-null, as the resolver answers it
                return lambda m: m["description"] or ""
            return _Copy(_ENTITY_VALUES[name])
        if name == "__typename":
            fetch.properties.add("kind")
            return lambda m: _TYPENAMES[m["kind"]]
        if name == "id":
            return lambda m: to_global_id("Entity", m["slug"])
        if name == "kind":
            fetch.properties.add("kind")
            return lambda m: _KIND_NAMES[m["kind"]]
        if name == "name":
            lang = self.arguments("Entity", sub)["lang"]
            if lang in {"bn", "en"}:
                prop = f"name_{lang}"
                fetch.properties.add(prop)
                return _Copy(prop)
            fetch.properties.add("names_other")
            return lambda m: json.loads(m["names_other"] or "{}").get(lang)
        if name == "names":
            fetch.properties |= {"name_bn", "name_en", "names_other"}
            return self.names(sub)
        selected = tuple(map(id, sub))
        if selected in columns:
            return columns[selected]
        if name == "mentions":
            mentions, mentions_shape = self.mentions(sub)
            column = f"m{len(fetch.mentions)}"
            fetch.mentions.append(mentions)
            shape: Shape = _at(column, mentions_shape)
            columns[selected] = shape
            return shape
        if name == "claimCount":
            args = self.arguments("Entity", sub)
            chosen = args["predicate"]
            given = args["status"]
            status = model.Status(given) if given is not None else None
            count = ClaimCountFetch(
                model.Predicate(chosen) if chosen is not None else None,
                args["direction"].value,
                status,
            )
            column = f"c{len(fetch.counts)}"
            fetch.counts.append(count)
            shape = _Copy(column)
        elif name in {"relations", "claims"}:
            relations, relations_shape = self.relations(sub)
            column = f"r{len(fetch.relations)}"
            fetch.relations.append(relations)
            shape = _at(column, relations_shape)
        elif (spec := model.KIND_FIELDS[kind].get(name)) is not None:
            column = f"k{len(fetch.kind_fields)}"
            kind_field, shape = self.kind_field(spec, sub, column, guarded)
            fetch.kind_fields.append(kind_field)
        else:
            raise Unsupported(f"Entity.{name}")
        columns[selected] = shape
        return shape

    def kind_field(
        self, spec: model.KindField, nodes: list[FieldNode], column: str, guarded: bool
    ) -> tuple[KindFieldFetch, Shape]:
        """A declared kind field (kgapi.model.KIND_FIELDS), shaped as its resolver did: the
        strongest status; or the entities at the other end, by claim id or the field's
        qualifier, each once when the field is distinct."""
        if spec.of_status:
            return self.status_field(spec, nodes, column, guarded)
        path = spec.path
        others = path.other_kinds()
        end, end_shape = self.entity(nodes, others if len(others) == 1 else _ALL_KINDS)
        order_by, distinct = spec.order_by, spec.distinct
        one = spec.shape is model.FieldShape.ONE

        def ends(m: dict[str, Any]) -> Any:
            items = m[column]
            if order_by is not None:
                items = sorted(
                    items, key=lambda it: int(json.loads(it["q"] or "{}").get(order_by, 0))
                )
            if distinct:
                seen: set[str] = set()
                unique = []
                for item in items:
                    if item["node"]["slug"] not in seen:
                        seen.add(item["node"]["slug"])
                        unique.append(item)
                items = unique
            if one:
                return end_shape(items[0]["node"]) if items else None
            return [end_shape(item["node"]) for item in items]

        return KindFieldFetch(spec, end, guarded), ends

    def status_field(
        self, spec: model.KindField, nodes: list[FieldNode], column: str, guarded: bool
    ) -> tuple[KindFieldFetch, Shape]:
        """`status`, `currentStatus(asOf:)` and `statusHistory`: the claims are read once for
        the rule (kgapi.current_status, as the resolvers apply it) and once per claim
        selection below the field, each list keyed by claim id."""
        lists: list[ClaimFetch] = [ClaimFetch(properties={"status", "rank", "time"})]

        def selected(fetch: ClaimFetch) -> int:
            lists.append(fetch)
            return len(lists) - 1

        def times(m: dict[str, Any]) -> list[ClaimTime]:
            return [ClaimTime.of(claim) for claim in m[column][0]]

        shape: Shape
        if spec.shape is model.FieldShape.STATUS:

            def shape(m: dict[str, Any]) -> str | None:
                choice = choose(times(m), today())
                return None if choice is None else choice.status.name

        elif spec.shape is model.FieldShape.CURRENT:
            as_of: dt.date | None = self.arguments(_TYPENAMES[spec.kind.value], nodes)["asOf"]
            current = self.current_status(nodes, selected)

            def shape(m: dict[str, Any]) -> Any:
                choice = choose(times(m), as_of or today())
                return None if choice is None else current((choice, m[column]))

        else:
            period = self.status_period(nodes, selected)

            def shape(m: dict[str, Any]) -> Any:
                return [period((item, m[column])) for item in history(times(m))]

        return KindFieldFetch(spec, None, guarded, tuple(lists)), shape

    def current_status(
        self, nodes: list[FieldNode], selected: Callable[[ClaimFetch], int]
    ) -> Shape:
        """A CurrentStatus, shaped from `(choice, claim lists)`."""
        fields: list[tuple[str, Shape]] = []
        for key, sub in self.collect(nodes, frozenset({"CurrentStatus"})):
            name = sub[0].name.value
            if name == "__typename":
                fields.append((key, _Constant("CurrentStatus")))
            elif name == "status":
                fields.append((key, lambda x: x[0].status.name))
            elif name == "asOf":
                fields.append((key, lambda x: x[0].as_of.isoformat()))
            elif name == "rule":
                fields.append((key, lambda x: x[0].rule.name))
            elif name in {"effectiveDate", "dateSource"}:
                fields.append((key, _chosen(0, _CLAIM_TIME_VALUES[name])))
            elif name == "claim":
                fetch, claim = self.relation(sub)
                fields.append((key, _chosen(selected(fetch), claim)))
            elif name == "conflicting":
                fetch, claim = self.relation(sub)
                fields.append((key, _conflicting(selected(fetch), claim)))
            elif name == "document":
                document, document_shape = self.document(sub)
                index = selected(ClaimFetch(dated=document))
                fields.append((key, _chosen(index, _at("dated", document_shape))))
            else:  # pragma: no cover - validation knows CurrentStatus's fields
                raise Unsupported(f"CurrentStatus.{name}")
        return _object(fields)

    def status_period(self, nodes: list[FieldNode], selected: Callable[[ClaimFetch], int]) -> Shape:
        """A StatusPeriod, shaped from `(period, claim lists)`."""
        fields: list[tuple[str, Shape]] = []
        for key, sub in self.collect(nodes, frozenset({"StatusPeriod"})):
            name = sub[0].name.value
            if name == "__typename":
                fields.append((key, _Constant("StatusPeriod")))
            elif name == "from":
                fields.append((key, lambda x: _iso(x[0].start)))
            elif name == "until":
                fields.append((key, lambda x: _iso(x[0].end)))
            elif name == "status":
                fields.append((key, lambda x: x[0].choice.status.name))
            elif name == "rule":
                fields.append((key, lambda x: x[0].choice.rule.name))
            elif name == "claim":
                fetch, claim = self.relation(sub)
                fields.append((key, _period_claim(selected(fetch), claim)))
            else:  # pragma: no cover - validation knows StatusPeriod's fields
                raise Unsupported(f"StatusPeriod.{name}")
        return _object(fields)

    def names(self, nodes: list[FieldNode]) -> Shape:
        fields: list[tuple[str, Shape]] = []
        for key, sub in self.collect(nodes, frozenset({"LocalizedName"})):
            name = sub[0].name.value
            if name == "__typename":
                fields.append((key, _Constant("LocalizedName")))
            elif name in {"lang", "value"}:
                fields.append((key, _Copy(name)))
            else:  # pragma: no cover - validation knows LocalizedName's fields
                raise Unsupported(f"LocalizedName.{name}")
        pair = _object(fields)

        def shape(m: dict[str, Any]) -> list[Any]:
            names = entity_names(m["name_bn"], m["name_en"], m["names_other"])
            return [pair({"lang": lang, "value": value}) for lang, value in names.items()]

        return shape

    def relations(self, nodes: list[FieldNode]) -> tuple[RelationsFetch, Shape]:
        """`claims(predicate:, ...)` and its deprecated twin `relations(type:, ...)`."""
        args = self.arguments("Entity", nodes)
        page = self.page(args)
        chosen = args["predicate"] if "predicate" in args else args["type"]
        predicate = model.Predicate(chosen).value if chosen is not None else None
        where: ClaimFilter | None = None
        if args.get("where") is not None:
            given = self.strawberry_arguments(nodes, "Entity")["where"]
            where = anchored(to_claim_filter(given), "", predicate, args["direction"].value)
        key = decode_cursor("Relation", page.cursor, page.argument, shape=(str,))
        claim, rows_wanted, total, shape = self.connection(
            nodes, "Claim", page, _relation_cursor, self.relation, None
        )
        if rows_wanted and claim is None:
            claim = ClaimFetch()
        aggregate = self.aggregate_selected(nodes)
        fetch = RelationsFetch(
            predicate,
            args["direction"].value,
            page.size,
            str(key[0]) if key else None,
            claim,
            total,
            aggregate,
            page.backward,
            where,
        )
        return fetch, shape

    def page(self, args: dict[str, Any]) -> PageRequest:
        """A connection's paging arguments, checked as the resolvers check them."""
        return page_request(
            args.get("first"),
            args.get("after"),
            args.get("last"),
            args.get("before"),
            self.settings.max_page_size,
        )

    def claim_list(self, key: str, nodes: list[FieldNode]) -> _Root:
        """`claims(where:)`: the graph's claims as a connection, as the resolver pages them."""
        args = self.strawberry_arguments(nodes)
        page = self.page(args)
        order = claim_list_order(args["order_by"])
        cursor = decode_cursor(order.kind, page.cursor, page.argument, shape=order.shape)
        where = to_claim_filter(args["where"]) if args["where"] is not None else None
        claim, rows_wanted, total, shape = self.connection(
            nodes, "Claim", page, order.cursor, self.relation, None
        )
        if rows_wanted and claim is None:
            claim = ClaimFetch()
        if claim is not None and order.sort is not ClaimSort.ID:
            claim.properties.add("time")  # the cursor holds the effective date
        fetch = ClaimListRoot(
            where,
            page.backward != order.descending,
            page.size,
            cursor,
            claim,
            total,
            self.aggregate_selected(nodes),
            order.sort,
        )
        return _Root(key, shape, fetch)

    def entity_aggregate(self, nodes: list[FieldNode]) -> Shape:
        fields: list[tuple[str, Shape]] = []
        for out, sub in self.collect(nodes, frozenset({"EntityAggregate"})):
            name = sub[0].name.value
            if name == "__typename":
                fields.append((out, _Constant("EntityAggregate")))
            elif name == "count":
                fields.append((out, lambda counts: sum(int(c["count"]) for c in counts)))
            elif name == "byKind":
                fields.append((out, _each(self.count(sub, "KindCount"))))
            else:  # pragma: no cover - validation knows EntityAggregate's fields
                raise Unsupported(f"EntityAggregate.{name}")
        return _object(fields)

    def aggregate_selected(
        self, nodes: list[FieldNode], connection: str = "ClaimConnection"
    ) -> bool:
        return any(
            sub[0].name.value == "aggregate"
            for _, sub in self.collect(nodes, frozenset({connection}))
        )

    def claim_aggregate(self, nodes: list[FieldNode]) -> Shape:
        fields: list[tuple[str, Shape]] = []
        for out, sub in self.collect(nodes, frozenset({"ClaimAggregate"})):
            name = sub[0].name.value
            if name == "__typename":
                fields.append((out, _Constant("ClaimAggregate")))
            elif name == "count":
                fields.append((out, _Copy("count")))
            elif name == "byStatus":
                fields.append((out, _at(name, _each(self.count(sub, "StatusCount")))))
            elif name == "byPredicate":
                fields.append((out, _at(name, _each(self.count(sub, "PredicateCount")))))
            else:  # pragma: no cover - validation knows ClaimAggregate's fields
                raise Unsupported(f"ClaimAggregate.{name}")
        return _object(fields)

    def connection(
        self,
        nodes: list[FieldNode],
        type_name: str,
        page: PageRequest,
        cursor: Shape,
        plan_node: Callable[[list[FieldNode]], tuple[Any, Shape]],
        node_at: str | None,
        edge_values: dict[str, Shape] | None = None,
    ) -> tuple[Any, bool, bool, Shape]:
        """A Relay connection of `type_name` nodes over `{rows: size + 1 rows, read in the
        page's direction, total}`: the
        node's fetch (None when no node is selected), whether rows and totalCount are
        selected, and the shape. A row is the node (`node_at` None) or holds it at `node_at`."""
        node_fetch: Any = None
        rows_wanted = total = False
        fields: list[tuple[str, Shape]] = []
        for out, sub in self.collect(nodes, frozenset({f"{type_name}Connection"})):
            name = sub[0].name.value
            if name == "__typename":
                fields.append((out, _Constant(f"{type_name}Connection")))
            elif name == "totalCount":
                total = True
                fields.append((out, _Copy("total")))
            elif name == "pageInfo":
                rows_wanted = True
                fields.append((out, self.page_info(sub)))
            elif name == "aggregate" and type_name == "Claim":
                fields.append((out, _counted(self.claim_aggregate(sub))))
            elif name == "aggregate":  # an entity list's: `[{key: kind label, count}]`
                fields.append((out, _at("aggregate", self.entity_aggregate(sub))))
            elif name == "edges":
                if node_fetch is not None:
                    raise Unsupported("edges selected twice")
                rows_wanted = True
                node_fetch, edge = self.edge(
                    sub, type_name, cursor, plan_node, node_at, edge_values or {}
                )
                fields.append((out, _at("rows", _each(edge))))
            else:  # pragma: no cover - validation knows the connection's fields
                raise Unsupported(f"{type_name}Connection.{name}")
        connection = _object(fields)

        def shape(value: dict[str, Any]) -> Any:
            rows, has_next, has_previous = page_of(value.get("rows") or [], page)
            return connection(
                {
                    "rows": rows,
                    "has_next": has_next,
                    "has_previous": has_previous,
                    "cursors": [cursor(row) for row in rows],
                    "total": value.get("total"),
                    "aggregate": value.get("aggregate"),
                }
            )

        return node_fetch, rows_wanted, total, shape

    def edge(
        self,
        nodes: list[FieldNode],
        type_name: str,
        cursor: Shape,
        plan_node: Callable[[list[FieldNode]], tuple[Any, Shape]],
        node_at: str | None,
        values: dict[str, Shape],
    ) -> tuple[Any, Shape]:
        node_fetch: Any = None
        fields: list[tuple[str, Shape]] = []
        for key, sub in self.collect(nodes, frozenset({f"{type_name}Edge"})):
            name = sub[0].name.value
            if name == "__typename":
                fields.append((key, _Constant(f"{type_name}Edge")))
            elif name == "cursor":
                fields.append((key, cursor))
            elif name == "node":
                if node_fetch is not None:
                    raise Unsupported("node selected twice")
                node_fetch, shape = plan_node(sub)
                fields.append((key, _at(node_at, shape) if node_at else shape))
            elif name in values:
                fields.append((key, values[name]))
            else:  # pragma: no cover
                raise Unsupported(f"{type_name}Edge.{name}")
        return node_fetch, _object(fields)

    def page_info(self, nodes: list[FieldNode]) -> Shape:
        fields: list[tuple[str, Shape]] = []
        for key, sub in self.collect(nodes, frozenset({"PageInfo"})):
            name = sub[0].name.value
            if name == "__typename":
                fields.append((key, _Constant("PageInfo")))
            elif name == "hasNextPage":
                fields.append((key, _Copy("has_next")))
            elif name == "hasPreviousPage":
                fields.append((key, _Copy("has_previous")))
            elif name == "startCursor":
                fields.append((key, lambda p: p["cursors"][0] if p["cursors"] else None))
            elif name == "endCursor":
                fields.append((key, lambda p: p["cursors"][-1] if p["cursors"] else None))
            else:  # pragma: no cover
                raise Unsupported(f"PageInfo.{name}")
        return _object(fields)

    def relation(self, nodes: list[FieldNode]) -> tuple[ClaimFetch, Shape]:
        fetch = ClaimFetch()
        fields: list[tuple[str, Shape]] = []
        for key, sub in self.collect(nodes, frozenset({"Claim", "Node"})):
            name = sub[0].name.value
            if name == "__typename":
                fields.append((key, _Constant("Claim")))
            elif name == "claimId":
                fields.append((key, _Copy("id")))
            elif name == "id":
                fields.append((key, lambda c: to_global_id("Claim", c["id"])))
            elif name in {"type", "predicate"}:  # the enum's names are its values
                fetch.properties.add("predicate")
                fields.append((key, _Copy("predicate")))
            elif name == "status":
                fetch.properties.add("status")
                fields.append((key, lambda c: _STATUS_NAMES[c["status"]]))
            elif name == "revision":
                fetch.properties.add("revision")
                fields.append((key, _Copy("revision")))
            elif name == "rank":
                fetch.properties.add("rank")
                fields.append((key, lambda c: _RANK_NAMES[c.get("rank") or "normal"]))
            elif name == "qualifiers":
                fetch.properties.add("qualifiers_json")
                fields.append((key, self.qualifiers(sub)))
            elif name in _CLAIM_TIME_VALUES:
                fetch.properties.add("time")
                fields.append((key, _CLAIM_TIME_VALUES[name]))
            elif name in {"source", "target", "subject", "object"}:
                start = name in {"source", "subject"}
                if (fetch.source if start else fetch.target) is not None:
                    raise Unsupported(f"{name} selected twice")
                entity, shape = self.entity(sub)
                column = "subject" if start else "object"
                if start:
                    fetch.source = entity
                else:
                    fetch.target = entity
                fields.append((key, _at(column, shape)))
            elif name == "evidence":
                if fetch.evidence is not None:
                    raise Unsupported("evidence selected twice")
                fetch.evidence, shape = self.evidence(sub)
                fields.append((key, _at("evidence", shape)))
            elif name == "history":
                if fetch.history:
                    raise Unsupported("history selected twice")
                self.audit = fetch.history = True
                fields.append((key, _at("history", _each(self.change_event(sub)))))
            else:  # pragma: no cover - validation knows Claim's fields
                raise Unsupported(f"Claim.{name}")
        return fetch, _object(fields)

    def qualifiers(self, nodes: list[FieldNode]) -> Shape:
        fields: list[tuple[str, Shape]] = []
        for key, sub in self.collect(nodes, frozenset({"Qualifier"})):
            name = sub[0].name.value
            if name == "__typename":
                fields.append((key, _Constant("Qualifier")))
            elif name == "key":
                fields.append((key, lambda kv: kv[0]))
            elif name == "value":
                fields.append((key, lambda kv: qualifier_text(kv[1])))
            elif name == "json":
                fields.append((key, lambda kv: kv[1]))
            else:  # pragma: no cover
                raise Unsupported(f"Qualifier.{name}")
        item = _object(fields)
        return lambda c: [item(kv) for kv in _qualifier_items(c)]

    def evidence(self, nodes: list[FieldNode]) -> tuple[EvidenceFetch, Shape]:
        document: DocumentFetch | None = None
        sentence: SentenceFetch | None = None
        properties: set[str] = set()
        fields: list[tuple[str, Shape]] = []
        for key, sub in self.collect(nodes, frozenset({"Evidence"})):
            name = sub[0].name.value
            if name in _EVIDENCE_VALUES:
                properties.add(_EVIDENCE_VALUES[name])
                fields.append((key, _Copy(_EVIDENCE_VALUES[name])))
            elif name == "__typename":
                fields.append((key, _Constant("Evidence")))
            elif name == "document":
                if document is not None:
                    raise Unsupported("document selected twice")
                document, shape = self.document(sub)
                fields.append((key, _at("doc", shape)))
            elif name == "sentence":
                if sentence is not None:
                    raise Unsupported("sentence selected twice")
                sentence, shape = self.sentence(sub)
                fields.append((key, _at("sentence", shape)))
            elif name in {"startInSentence", "endInSentence"}:
                properties.add("sentence_start")
                fields.append((key, _in_sentence("end" if name == "endInSentence" else "start")))
            else:  # pragma: no cover
                raise Unsupported(f"Evidence.{name}")
        order = lambda ev: (ev["document"], ev["start"], ev["end"])  # noqa: E731
        fetch = EvidenceFetch(frozenset(properties), document, sentence)
        return fetch, _each(_object(fields), order)

    def document(self, nodes: list[FieldNode]) -> tuple[DocumentFetch, Shape]:
        text = False
        sentences: list[SentencesFetch] = []
        mentions: list[MentionsFetch] = []
        fields: list[tuple[str, Shape]] = []
        for key, sub in self.collect(nodes, frozenset({"Document", "Node"})):
            name = sub[0].name.value
            if name in _DOCUMENT_VALUES:
                text = text or name == "text"
                fields.append((key, _Copy(_DOCUMENT_VALUES[name])))
            elif name == "__typename":
                fields.append((key, _Constant("Document")))
            elif name == "id":
                fields.append((key, lambda d: to_global_id("Document", d["slug"])))
            elif name == "sentences":
                fetch, shape = self.sentences(sub)
                fields.append((key, _at(f"s{len(sentences)}", shape)))
                sentences.append(fetch)
            elif name == "mentions":
                named, shape = self.mentions(sub, "Document")
                fields.append((key, _at(f"n{len(mentions)}", shape)))
                mentions.append(named)
            else:  # pragma: no cover
                raise Unsupported(f"Document.{name}")
        fetch_all = DocumentFetch(text=text, sentences=tuple(sentences), mentions=tuple(mentions))
        return fetch_all, _object(fields)

    def sentences(self, nodes: list[FieldNode]) -> tuple[SentencesFetch, Shape]:
        """`Document.sentences(...)`, as kgapi.graphql.sentence_types pages them."""
        page = self.page(self.arguments("Document", nodes))
        key = decode_cursor(SENTENCE_CURSOR, page.cursor, page.argument, shape=(int,))
        sentence, rows_wanted, total, shape = self.connection(
            nodes, "Sentence", page, sentence_cursor, self.sentence, None
        )
        if rows_wanted and sentence is None:
            sentence = SentenceFetch()
        fetch = SentencesFetch(
            page.size, int(key[0]) if key else None, page.backward, sentence, total
        )
        return fetch, shape

    def sentence(self, nodes: list[FieldNode]) -> tuple[SentenceFetch, Shape]:
        mentions: MentionFetch | None = None
        fields: list[tuple[str, Shape]] = []
        for key, sub in self.collect(nodes, frozenset({"Sentence"})):
            name = sub[0].name.value
            if name in {"index", "start", "end", "text"}:
                fields.append((key, _Copy(name)))
            elif name == "__typename":
                fields.append((key, _Constant("Sentence")))
            elif name == "mentions":
                if mentions is not None:
                    raise Unsupported("mentions selected twice")
                mentions, shape = self.mention(sub)
                fields.append((key, _at("mentions", _each(shape))))
            else:  # pragma: no cover
                raise Unsupported(f"Sentence.{name}")
        return SentenceFetch(mentions), _object(fields)

    def mention(self, nodes: list[FieldNode]) -> tuple[MentionFetch, Shape]:
        entity: EntityFetch | None = None
        document: DocumentFetch | None = None
        fields: list[tuple[str, Shape]] = []
        for key, sub in self.collect(nodes, frozenset({"Mention"})):
            name = sub[0].name.value
            if name in _MENTION_VALUES:
                fields.append((key, _Copy(_MENTION_VALUES[name])))
            elif name == "__typename":
                fields.append((key, _Constant("Mention")))
            elif name == "entity":
                if entity is not None:
                    raise Unsupported("entity selected twice")
                entity, shape = self.entity(sub)
                fields.append((key, _at("entity", shape)))
            elif name == "document":
                if document is not None:
                    raise Unsupported("document selected twice")
                document, shape = self.document(sub)
                fields.append((key, _at("doc", shape)))
            else:  # pragma: no cover
                raise Unsupported(f"Mention.{name}")
        return MentionFetch(entity, document), _object(fields)

    def mentions(
        self, nodes: list[FieldNode], owner: str = "Entity"
    ) -> tuple[MentionsFetch, Shape]:
        """`Entity.mentions(...)` or `Document.mentions(...)`, as
        kgapi.graphql.sentence_types pages them (their keys differ: see its cursors)."""
        page = self.page(self.arguments(owner, nodes))
        kind: str = MENTION_CURSOR
        key_shape: tuple[type, ...] = (str, int, int)
        cursor: Shape = mention_cursor
        if owner == "Document":
            kind, key_shape, cursor = (
                DOCUMENT_MENTION_CURSOR,
                (int, int, str),
                document_mention_cursor,
            )
        key = decode_cursor(kind, page.cursor, page.argument, shape=key_shape)
        mention, rows_wanted, total, shape = self.connection(
            nodes, "Mention", page, cursor, self.mention, None
        )
        if rows_wanted and mention is None:
            mention = MentionFetch()
        return MentionsFetch(page.size, key, page.backward, mention, total), shape

    # root fields ------------------------------------------------------------------------------

    def plan(self) -> list[_Root]:
        operation = self.prepared.operation
        query_type = self.schema._schema.query_type
        assert query_type is not None
        # A stand-in parent field, so that the root selection set is collected like any other.
        parent = FieldNode(name=NameNode(value="query"), selection_set=operation.selection_set)
        root_nodes = [parent]
        for key, nodes in self.collect(root_nodes, frozenset({"Query"})):
            name = nodes[0].name.value
            if name == "__typename":
                self.roots.append(_Root(key, _Constant("Query")))
                continue
            definition = query_type.fields.get(name)
            if definition is None:
                raise Unsupported(name)  # introspection
            root = self.root(key, name, nodes)
            root.nullable = not is_non_null_type(definition.type)
            self.roots.append(root)
        return self.roots

    def root(self, key: str, name: str, nodes: list[FieldNode]) -> _Root:
        if name == "entity":
            args = self.strawberry_arguments(nodes)
            entity, shape = self.entity(nodes)
            return _Root(key, shape, EntityRoot(args["slug"], entity))
        if name == "entities" or name in KIND_LISTS or name == "ministers":
            return self.entity_list(key, name, nodes)
        if name == "entitySearch":
            return self.entity_search(key, nodes)
        if name == "search":
            return self.search(key, nodes)
        if name == "shortestPath":
            return self.path(key, nodes)
        if name == "neighborhood":
            return self.neighborhood(key, nodes)
        if name == "node":
            return self.node(key, nodes)
        if name == "document":
            args = self.strawberry_arguments(nodes)
            document, shape = self.document(nodes)
            return _Root(key, shape, DocumentRoot(args["slug"], document))
        if name == "documents":
            return self.documents(key, nodes)
        if name == "claims":
            return self.claim_list(key, nodes)
        if name == "claim":
            args = self.strawberry_arguments(nodes)
            claim, shape = self.relation(nodes)
            return _Root(key, shape, ClaimRoot(args["id"], claim))
        if name == "stats":
            return _Root(key, self.stats(nodes), StatsRoot())
        if name == "changes":
            return self.changes(key, nodes)
        raise Unsupported(name)

    def changes(self, key: str, nodes: list[FieldNode]) -> _Root:
        """The audit trail, as the `changes` resolver pages it (keyset on seq)."""
        self.audit = True
        args = self.strawberry_arguments(nodes)
        page = self.page(args)
        cursor = decode_cursor("Change", page.cursor, page.argument, shape=(int,))
        _, rows_wanted, total, shape = self.connection(
            nodes,
            "Change",
            page,
            lambda row: encode_cursor("Change", [row["seq"]]),
            lambda sub: (True, self.change_event(sub)),
            None,
        )
        since = args["since"].isoformat() if args["since"] is not None else None
        seq = int(cursor[0]) if cursor else None
        fetch = ChangesRoot(since, args["actor"], seq, page.size, rows_wanted, total, page.backward)
        return _Root(key, shape, fetch)

    def change_event(self, nodes: list[FieldNode]) -> Shape:
        fields: list[tuple[str, Shape]] = []
        for out, sub in self.collect(nodes, frozenset({"ChangeEvent"})):
            name = sub[0].name.value
            if name == "__typename":
                fields.append((out, _Constant("ChangeEvent")))
            elif name in _CHANGE_VALUES:
                fields.append((out, _Copy(_CHANGE_VALUES[name])))
            elif name == "operation":
                fields.append((out, lambda ev: _OPERATION_NAMES[ev["operation"]]))
            elif name == "targetType":
                fields.append((out, lambda ev: _TARGET_NAMES[ev["target_type"]]))
            elif name == "kinds":
                fields.append((out, lambda ev: [_KIND_NAMES[k] for k in ev["kinds"] or []]))
            elif name == "predicates":
                fields.append((out, _listed(name)))  # a predicate's name is its value
            elif name == "seq":
                fields.append((out, lambda ev: int(ev["seq"])))
            elif name == "at":
                fields.append((out, lambda ev: datetime.fromisoformat(str(ev["at"])).isoformat()))
            elif name in {"before", "after"}:
                fields.append((out, _json_of(f"{name}_json")))
            else:  # pragma: no cover - validation knows ChangeEvent's fields
                raise Unsupported(f"ChangeEvent.{name}")
        return _object(fields)

    def node(self, key: str, nodes: list[FieldNode]) -> _Root:
        """`node(id:)`: the id names the type, so the plan is the entity's or the document's
        (an id this API did not issue, or of another type, is null without reading)."""
        args = self.strawberry_arguments(nodes)
        decoded = from_global_id(str(args["id"]))
        if decoded is None or decoded[0] not in {"Entity", "Document", "Claim"}:
            return _Root(key, _Constant(None))
        type_name, slug = decoded
        if type_name == "Claim":
            claim, shape = self.relation(nodes)
            return _Root(key, shape, ClaimRoot(slug, claim))
        if type_name == "Document":
            document, shape = self.document(nodes)
            return _Root(key, shape, DocumentRoot(slug, document))
        entity, shape = self.entity(nodes)
        return _Root(key, shape, EntityRoot(slug, entity))

    def documents(self, key: str, nodes: list[FieldNode]) -> _Root:
        args = self.strawberry_arguments(nodes)
        page = self.page(args)
        checked = document_list_args(where=args["where"], order_by=args["order_by"], page=page)
        cursor_kind = checked.cursor_kind
        document, rows_wanted, total, shape = self.connection(
            nodes,
            "Document",
            page,
            lambda row: encode_cursor(cursor_kind, [row["sort_value"], row["node"]["slug"]]),
            self.document,
            "node",
        )
        if rows_wanted and document is None:
            document = DocumentFetch()
        fetch = DocumentListRoot(
            page.size,
            checked.after_key,
            document,
            total,
            checked.descending,
            checked.where,
            checked.sort,
        )
        return _Root(key, shape, fetch)

    def stats(self, nodes: list[FieldNode]) -> Shape:
        fields: list[tuple[str, Shape]] = []
        for out, sub in self.collect(nodes, frozenset({"Stats"})):
            name = sub[0].name.value
            if name == "__typename":
                fields.append((out, _Constant("Stats")))
            elif name in {"entities", "claims", "documents", "sentences"}:
                fields.append((out, _Copy(name)))
            elif name == "kinds":
                fields.append((out, _at(name, _each(self.count(sub, "KindCount")))))
            elif name == "predicates":
                fields.append((out, _at(name, _each(self.count(sub, "PredicateCount")))))
            else:  # pragma: no cover - validation knows Stats's fields
                raise Unsupported(f"Stats.{name}")
        return _object(fields)

    def count(self, nodes: list[FieldNode], type_name: str) -> Shape:
        """A KindCount, PredicateCount or StatusCount from a `{key, count}` of stored values."""
        typed, names = _COUNTS[type_name]
        fields: list[tuple[str, Shape]] = []
        for out, sub in self.collect(nodes, frozenset({type_name})):
            name = sub[0].name.value
            if name == "__typename":
                fields.append((out, _Constant(type_name)))
            elif name in {"key", "count"}:
                fields.append((out, _Copy(name)))
            elif name == typed:
                fields.append((out, lambda c: names[c["key"]]))
            else:  # pragma: no cover
                raise Unsupported(f"{type_name}.{name}")
        return _object(fields)

    def entity_list(self, key: str, name: str, nodes: list[FieldNode]) -> _Root:
        args = self.strawberry_arguments(nodes)
        kind = KIND_LISTS.get(name)
        if name == "entities":
            kind = model.EntityKind(args["kind"]) if args["kind"] else None
        elif name == "ministers":
            kind = model.EntityKind.PERSON
        checked = entity_list_args(
            kind=kind,
            where=args["where"],
            order_by=args["order_by"],
            page=self.page(args),
            extra=MINISTERS if name == "ministers" else None,
        )
        cursor_kind = checked.cursor_kind
        kinds = (checked.kind,) if checked.kind is not None else _ALL_KINDS
        # `entities(kind:)` is an EntityConnection whatever its kind; the others are typed.
        node_type = "Entity" if name == "entities" else _TYPENAMES[kind.value] if kind else "Entity"
        entity, rows_wanted, total, shape = self.connection(
            nodes,
            node_type,
            checked.page,
            lambda row: encode_cursor(cursor_kind, [row["sort_value"], row["node"]["slug"]]),
            lambda sub: self.entity(sub, kinds),
            "node",
        )
        if rows_wanted and entity is None:
            entity = EntityFetch()
        fetch = EntityListRoot(
            checked.kind,
            checked.where,
            checked.sort,
            checked.descending,
            checked.first,
            checked.after_key,
            entity,
            total,
            self.aggregate_selected(nodes, f"{node_type}Connection"),
        )
        return _Root(key, shape, fetch)

    def search(self, key: str, nodes: list[FieldNode]) -> _Root:
        args = self.strawberry_arguments(nodes)
        first = check_first(args["first"], self.settings.max_page_size)
        text = check_search_text(args["text"])
        kinds = [model.EntityKind(k) for k in args["kinds"]] if args["kinds"] else None
        entity: EntityFetch | None = None
        fields: list[tuple[str, Shape]] = []
        for out, sub in self.collect(nodes, frozenset({"SearchHit"})):
            name = sub[0].name.value
            if name == "__typename":
                fields.append((out, _Constant("SearchHit")))
            elif name == "score":
                fields.append((out, lambda hit: float(hit["score"])))
            elif name == "entity":
                if entity is not None:
                    raise Unsupported("entity selected twice")
                entity, shape = self.entity(sub)
                fields.append((out, _at("entity", shape)))
            else:  # pragma: no cover
                raise Unsupported(f"SearchHit.{name}")
        hits = _each(_object(fields))
        lucene = lucene_query(text)
        if lucene is None:  # nothing searchable: no hits, no query
            return _Root(key, _Constant([]))
        fetch = SearchRoot(lucene, text, kinds, first, entity or EntityFetch())
        return _Root(key, hits, fetch)

    def entity_search(self, key: str, nodes: list[FieldNode]) -> _Root:
        """`entitySearch`: the ranked hits as a connection, keyset on (score, slug)."""
        args = self.strawberry_arguments(nodes)
        checked = search_args(args["text"], args["kinds"], self.page(args))
        cursor_kind = checked.cursor_kind
        entity, _, total, shape = self.connection(
            nodes,
            "EntitySearch",
            checked.page,
            lambda row: encode_cursor(cursor_kind, [float(row["score"]), row["node"]["slug"]]),
            lambda sub: self.entity(sub),
            "node",
            {"score": lambda row: float(row["score"])},
        )
        lucene = lucene_query(checked.text)
        if lucene is None:  # nothing searchable: no hits, no query
            return _Root(key, lambda _: shape({"rows": [], "total": 0}))
        fetch = SearchRoot(
            lucene,
            checked.text,
            checked.kinds,
            checked.page.size + 1,
            entity or EntityFetch(),
            after=checked.after,
            backward=checked.page.backward,
            total=total,
            connection=True,
        )
        return _Root(key, shape, fetch)

    def path(self, key: str, nodes: list[FieldNode]) -> _Root:
        args = self.strawberry_arguments(nodes)
        max_hops = check_range(args["max_hops"], 1, MAX_PATH_HOPS, "maxHops")
        if args["from_"] == args["to"]:
            raise Unsupported("a path from an entity to itself")
        entity, claim, shape = self.graph(nodes, "Path", ordered=False)
        fetch = PathRoot(args["from_"], args["to"], max_hops, entity, claim)
        return _Root(key, shape, fetch)

    def neighborhood(self, key: str, nodes: list[FieldNode]) -> _Root:
        args = self.strawberry_arguments(nodes)
        hops = check_range(args["hops"], 1, MAX_NEIGHBORHOOD_HOPS, "hops")
        types = args["types"]
        predicates = [model.Predicate(t) for t in types] if types is not None else None
        entity, claim, shape = self.graph(nodes, "Subgraph", ordered=True)
        fetch = NeighborhoodRoot(args["slug"], hops, predicates, entity, claim)
        return _Root(key, shape, fetch)

    def graph(
        self, nodes: list[FieldNode], type_name: str, *, ordered: bool
    ) -> tuple[EntityFetch, ClaimFetch, Shape]:
        """Path and Subgraph: `{nodes, claims}`; a Subgraph's relations ordered by claim id."""
        entity: EntityFetch | None = None
        claim: ClaimFetch | None = None
        fields: list[tuple[str, Shape]] = []
        for out, sub in self.collect(nodes, frozenset({type_name})):
            name = sub[0].name.value
            if name == "__typename":
                fields.append((out, _Constant(type_name)))
            elif name == "length" and type_name == "Path":
                fields.append((out, lambda g: len(g["nodes"]) - 1))
            elif name == "nodes":
                if entity is not None:
                    raise Unsupported("nodes selected twice")
                entity, shape = self.entity(sub)
                fields.append((out, _at("nodes", _each(shape))))
            elif name in {"relations", "claims"}:
                if claim is not None:
                    raise Unsupported("claims selected twice")
                claim, relation = self.relation(sub)
                order = (lambda c: c["id"]) if ordered else None
                fields.append((out, _at("claims", _each(relation, order))))
            else:  # pragma: no cover
                raise Unsupported(f"{type_name}.{name}")
        return entity or EntityFetch(), claim or ClaimFetch(), _object(fields)


class CompiledReads:
    """The one-statement read path of one schema: prepared operations cached per query text."""

    def __init__(
        self, schema: strawberry.Schema, settings: Settings, rules: list[type[ASTValidationRule]]
    ) -> None:
        self.schema = schema
        self.settings = settings
        self.rules = [*specified_rules, *rules]
        # Keyed by a digest of the text, bounded in entries and in bytes (issue 15): the
        # keys no longer hold query texts, and the values are weighed by the texts they came from.
        self._prepared: BoundedCache[tuple[bytes, str | None], Prepared | None] = BoundedCache(
            max_entries=settings.document_cache_max_entries,
            max_bytes=settings.document_cache_max_bytes,
        )
        self._plans: BoundedCache[tuple[bytes, str | None, bytes], _Plan | None] = BoundedCache(
            max_entries=settings.document_cache_max_entries,
            max_bytes=settings.document_cache_max_bytes,
        )

    def prepare(self, query: str, operation_name: str | None) -> Prepared | None:
        """The operation of a valid query document, or None (the resolvers answer it)."""
        try:
            check_query_size(query, self.settings.max_query_bytes)
        except GraphQLError:
            return None  # the resolvers' path refuses it, before parsing
        cache_key = (query_digest(query), operation_name)
        if cache_key in self._prepared:
            return self._prepared.get(cache_key)
        prepared: Prepared | None = None
        try:
            document = parse(query, max_tokens=self.settings.max_tokens)
        except GraphQLError:
            document = None
        if document is not None and not validate(self.schema._schema, document, self.rules):
            operation = get_operation_ast(document, operation_name)
            if operation is not None and operation.operation is OperationType.QUERY:
                fragments = {
                    d.name.value: d
                    for d in document.definitions
                    if isinstance(d, FragmentDefinitionNode)
                }
                prepared = Prepared(operation, fragments)
        self._prepared.put(cache_key, prepared, weight_of(query))
        return prepared

    def plan(self, prepared: Prepared, variables: dict[str, Any] | None) -> _Plan | None:
        """The roots and the one statement for these variables, or None (the resolvers
        answer: bad variables or arguments, or a field the fetch tree cannot express)."""
        try:
            coerced = get_variable_values(
                self.schema._schema, prepared.operation.variable_definitions or (), variables or {}
            )
            if isinstance(coerced, list):  # variable errors: the resolvers report them
                return None
            cost = operation_cost(
                self.schema._schema,
                prepared.operation,
                prepared.fragments,
                coerced,
                self.settings,
            )
            planner = _Planner(self.schema, prepared, coerced, self.settings)
            roots = planner.plan()
            fetched = [root for root in roots if root.fetch is not None]
            if not fetched:
                return _Plan(roots, [], None, {}, cost, planner.audit)
            statement, params = read_statement([cast(RootFetch, r.fetch) for r in fetched])
            return _Plan(roots, fetched, statement, params, cost, planner.audit)
        except (Unsupported, GraphQLError, ValueError, TypeError, KeyError) as exc:
            logger.debug("answered by the resolvers: %s", exc)
            return None

    def cached_plan(
        self, query: str, operation_name: str | None, variables: dict[str, Any] | None
    ) -> _Plan | None:
        """Plans depend only on the query, the operation and the variables (never on the
        caller: the role is checked before), so they are kept per process like parsed
        documents; a repeated request skips planning."""
        prepared = self.prepare(query, operation_name)
        if prepared is None:
            return None
        try:
            canonical = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # e.g. a lone surrogate: not JSON text; the resolvers refuse it
            return None
        key = (query_digest(query), operation_name, query_digest(canonical.decode()))
        if key in self._plans:
            return self._plans.get(key)
        plan = self.plan(prepared, variables)
        self._plans.put(key, plan, weight_of(query, canonical))
        return plan

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None,
        context: Context,
        operation_name: str | None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult | None:
        """The result, or None when the resolvers must answer."""
        well_formed = isinstance(query, str) and isinstance(operation_name, str | None)
        if not (well_formed and self.prepare(query, operation_name) is not None):
            # Not a valid read query: a mutation, a subscription sent over HTTP, or a
            # document strawberry refuses before any resolver runs.
            COMPILED_READS.labels("other").inc()
            return None
        plan: _Plan | None = None
        if isinstance(variables, dict | None):
            try:
                check_role(context, Role.READER)
            except GraphQLError:
                pass  # the resolvers' permission classes refuse, with the right code
            else:
                plan = self.cached_plan(query, operation_name, variables)
        if plan is not None and plan.audit and not _may_read_audit_trail(context):
            plan = None  # the resolvers' permission class refuses, with its message
        if plan is not None:
            try:
                check_cost(plan.cost, context)
            except GraphQLError:
                plan = None  # over budget: CostLimiter refuses it, before any resolver runs
        if plan is None:
            COMPILED_READS.labels("resolvers").inc()
            return None
        values: dict[int, Any] = {}
        if plan.statement is not None:
            try:
                records = await context.db.read(plan.statement, plan.params)
            except Exception as exc:
                error = database_error(exc)
                if error is None:
                    # Not the client's to see, and never a 500: the resolvers answer, and
                    # mask whatever fails there too.
                    logger.exception("the one-statement read failed; the resolvers answer")
                    COMPILED_READS.labels("resolvers").inc()
                    return None
                COMPILED_READS.labels("one_statement").inc()
                return self._failed(plan.roots, error)
            record = records[0]
            values = {id(root): record[index] for index, root in enumerate(plan.fetched)}
        data = {root.key: root.shape(values.get(id(root))) for root in plan.roots}
        COMPILED_READS.labels("one_statement").inc()
        extensions = None
        if wants_cost(operation_extensions):
            extensions = {COST_EXTENSION: cost_report(plan.cost, context)}
        return ExecutionResult(data=data, errors=None, extensions=extensions)

    @staticmethod
    def _failed(roots: list[_Root], error: GraphQLError) -> ExecutionResult:
        """Every reading root field failed with the database: null where the schema allows it,
        no data at all where a non-null root field failed (as graphql-core would)."""
        errors = [
            GraphQLError(error.message, path=[root.key], extensions=error.extensions)
            for root in roots
            if root.fetch is not None
        ]
        if any(not root.nullable for root in roots if root.fetch is not None):
            return ExecutionResult(data=None, errors=errors)
        data = {root.key: None if root.fetch is not None else root.shape(None) for root in roots}
        return ExecutionResult(data=data, errors=errors)


class KgapiSchema(strawberry.Schema):
    """strawberry's schema, with read queries answered in one statement where possible.

    Before either path runs, the variables' lists are bounded (graphql-core would otherwise
    coerce every value of a 150,000-item list, twice: once per path), and a subscription sent
    as a plain HTTP request is refused (strawberry would run its resolver as a field and fail
    unexpectedly): subscriptions travel over WebSocket, through `subscribe`, never `execute`.
    """

    reads: CompiledReads | None = None

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[AllowedOperation] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        if isinstance(context_value, Context):
            refused = _refused_variables(query, variable_values, context_value)
            if refused is not None:
                return ExecutionResult(data=None, errors=[refused])
        if query is not None and self.reads is not None and isinstance(context_value, Context):
            result = await self.reads.execute(
                query, variable_values, context_value, operation_name, operation_extensions
            )
            if result is not None:
                return result
        allowed = set(
            AllowedOperation if allowed_operation_types is None else allowed_operation_types
        )
        return await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed - {AllowedOperation.SUBSCRIPTION},
            operation_extensions,
        )

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[AllowedOperation] | None = None,
    ) -> StreamResult:
        """What graphql-transport-ws runs, queries and subscriptions alike: the same variable
        limits as `execute` (a refusal closes the operation with an `error` frame), and a query
        the planner can answer is answered by it, as over HTTP."""
        if isinstance(context_value, Context):
            refused = _refused_variables(query, variable_values, context_value)
            if refused is not None:
                return _once(PreExecutionError(data=None, errors=[refused]))
            if query is not None and self.reads is not None:
                result = await self.reads.execute(
                    query, variable_values, context_value, operation_name, operation_extensions
                )
                if result is not None:
                    return _once(result)
        return await super().stream(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            operation_extensions,
            allowed_operation_types,
        )

    def process_errors(
        self,
        errors: list[GraphQLError],
        execution_context: StrawberryExecutionContext | None = None,
    ) -> None:
        report_errors(errors)
