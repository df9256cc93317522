"""What a read will cost Neo4j, computed from the parsed query and its variables before any
Cypher is sent, and refused when it is over the caller's budget.

Why (issue 15): limits on shape (depth, aliases, tokens, page size) let through a 2 KB query —
one `OR` of 40 relation-existence conditions — that kept Neo4j busy for seconds. Shape is not
work. Work is: how many times the entity list is scanned and what each scanned entity meets
(a relation filter reads the entity's facts once, then tests each `some`/`none` on them),
how many rows come back at each level (page sizes multiply down the nesting), how far a path or
a neighbourhood may spread, and how much text is sent.

The weights are data, in one table (`FIELD_COSTS`, `FILTER_WEIGHTS` and the constants below),
calibrated against Neo4j's own timings by `python -m bench.cost_calibration`. A field missing
from the table costs nothing itself and passes its parent's multiplier on (scalars, wrappers
such as `edges` and `node`). One unit is roughly one entity row read from Neo4j, so a budget
reads as "about this many rows of work".

Both read paths call `operation_cost` before reading: the one-statement compiler
(kgapi.graphql.compiler) declines a request over budget, and `CostLimiter` — a strawberry
extension on the resolvers' path — refuses it in `on_execute`, before any resolver runs:

    schema = strawberry.Schema(Query, extensions=[lambda: CostLimiter(settings)])

A client that sends the request extension `{"cost": true}` gets the figures back in the
response's `extensions.cost` (`{"cost": 27.5, "budget": 2000.0, "responseBytes": ...}`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_operation_ast,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension

from kgapi import model
from kgapi.auth import Role
from kgapi.config import Settings
from kgapi.graphql.arguments import KIND_LISTS
from kgapi.graphql.context import Context
from kgapi.graphql.errors import KgapiError
from kgapi.queries.relations import MAX_NEIGHBORHOOD_HOPS, MAX_PATH_HOPS

__all__ = [
    "COST_EXTENSION",
    "FIELD_COSTS",
    "FILTER_WEIGHTS",
    "Cost",
    "CostLimiter",
    "FieldCost",
    "QueryTooComplex",
    "ResponseTooLarge",
    "budget_for",
    "check_cost",
    "cost_report",
    "operation_cost",
    "wants_cost",
]

COST_EXTENSION = "cost"  # request extensions {"cost": true} -> response extensions.cost

# One pass over the entity list (the page and, with a filter, the total: a second pass).
SCAN = 20.0
# What a condition adds to each pass, by kind (multiples of SCAN). Relation conditions do not
# become subqueries (kgapi.queries.entities): a filter with any collects each scanned entity's
# facts once ("facts": an expansion of its claims), then each condition is a test on that list,
# whatever the number and nesting — the statement text, and so Neo4j's planning, stays the same.
FILTER_WEIGHTS: dict[str, float] = {
    "string": 0.5,  # eq/in/contains/startsWith on slug, name (en and bn) or description
    "kindIn": 0.25,
    "facts": 6.0,  # once per pass when any some / none is present
    "relation": 0.5,  # each some / none: one test over the facts
    "other": 0.25,  # ... with `other`: a test over each fact's other ends
    "ministerial": 3.0,  # the `ministers` list's own two-hop pattern
    "relationCount": 8.0,  # orderBy RELATION_COUNT: a COUNT subquery per entity, then a sort
}
ROW = 1.0  # one object read and sent (an entity, a claim, a span, a document)
TEXT = 50.0  # a document's text: up to KGAPI_MAX_DOCUMENT_BYTES read and sent
ROW_BYTES = 600  # a generous size of one object in the response, for the size estimate
PATH_PER_HOP = 40.0  # shortestPath: Neo4j's bidirectional search, per hop allowed
NEIGHBORHOOD_FANOUT = 8  # entities reached per entity per hop, on average (hubs have more)
NEIGHBORHOOD_NODES = 500  # kgapi.queries.relations.MAX_NEIGHBORHOOD_NODES
EVIDENCE_FANOUT = 3  # spans per claim (the seed graph has at most 3)


@dataclass(frozen=True, slots=True)
class FieldCost:
    """A field's price: `cost` units once per parent object, and `items` objects below it —
    a fixed estimate, or the value of the argument named `page` (its default when omitted)."""

    cost: float = 0.0
    items: int = 1
    page: str | None = None


_LIST = FieldCost(cost=1.0, items=10, page="first")
_LOOKUP = FieldCost(cost=1.0)

# (type, field) -> price. Fields of the Entity interface are priced once, under "Entity", for
# every entity type. Root lists with filters, paths and neighbourhoods are priced in code below
# from these same constants.
FIELD_COSTS: dict[tuple[str, str], FieldCost] = {
    ("Query", "entity"): _LOOKUP,
    ("Query", "node"): _LOOKUP,
    ("Query", "claim"): _LOOKUP,
    # The graph's claims: a scan for the total and the aggregate, and the page.
    ("Query", "claims"): FieldCost(cost=SCAN, items=10, page="first"),
    ("Query", "search"): FieldCost(cost=SCAN / 2, items=10, page="first"),
    # The hits and their total: the full-text index is read twice.
    ("Query", "entitySearch"): FieldCost(cost=SCAN, items=10, page="first"),
    ("Query", "documents"): _LIST,
    ("Query", "document"): _LOOKUP,
    ("Query", "changes"): FieldCost(cost=SCAN / 2, items=10, page="first"),
    ("Query", "stats"): FieldCost(cost=5.0),
    # Review queues: the page and its total, both on the candidate_review index.
    ("Query", "candidates"): FieldCost(cost=SCAN / 2, items=10, page="first"),
    ("Query", "candidate"): _LOOKUP,
    ("ClaimCandidate", "document"): FieldCost(cost=ROW),
    ("ClaimCandidate", "subject"): FieldCost(cost=ROW),
    ("ClaimCandidate", "object"): FieldCost(cost=ROW),
    ("ClaimCandidate", "claim"): FieldCost(cost=2 * ROW),
    ("EntityCandidate", "document"): FieldCost(cost=ROW),
    ("EntityCandidate", "entity"): FieldCost(cost=ROW),
    ("Entity", "relations"): _LIST,
    ("Entity", "claims"): _LIST,
    ("Entity", "claimCount"): FieldCost(cost=2 * ROW),
    ("Entity", "mentions"): _LIST,
    ("Document", "sentences"): _LIST,
    ("Document", "mentions"): _LIST,
    ("Sentence", "mentions"): FieldCost(cost=ROW, items=5),
    ("Evidence", "sentence"): FieldCost(cost=ROW),
    ("Mention", "entity"): FieldCost(cost=ROW),
    ("Mention", "document"): FieldCost(cost=ROW),
    ("ClaimConnection", "aggregate"): FieldCost(cost=6 * ROW),  # three counts over the claims
    ("Claim", "evidence"): FieldCost(cost=ROW, items=EVIDENCE_FANOUT),
    ("Claim", "history"): FieldCost(cost=ROW, items=5),
    ("Claim", "source"): FieldCost(cost=ROW),
    ("Claim", "target"): FieldCost(cost=ROW),
    ("Claim", "subject"): FieldCost(cost=ROW),
    ("Claim", "object"): FieldCost(cost=ROW),
    ("Evidence", "document"): FieldCost(cost=ROW),
    ("Document", "text"): FieldCost(cost=TEXT),
    ("Person", "offices"): FieldCost(cost=ROW, items=5),
    ("Office", "holders"): FieldCost(cost=ROW, items=5),
    ("Office", "heads"): FieldCost(cost=ROW),
    ("Ministry", "country"): FieldCost(cost=ROW),
    ("Association", "country"): FieldCost(cost=ROW),
    ("Agreement", "status"): FieldCost(cost=2 * ROW),
    ("Agreement", "parties"): FieldCost(cost=ROW, items=10),
    # The claims of the status, read once for the rule and once per claim selection below.
    ("Agreement", "currentStatus"): FieldCost(cost=4 * ROW),
    ("Agreement", "statusHistory"): FieldCost(cost=4 * ROW, items=5),
    ("CurrentStatus", "claim"): FieldCost(cost=2 * ROW),
    ("CurrentStatus", "conflicting"): FieldCost(cost=2 * ROW, items=5),
    ("CurrentStatus", "document"): FieldCost(cost=ROW),
    ("StatusPeriod", "claim"): FieldCost(cost=ROW),
    ("Corridor", "route"): FieldCost(cost=ROW, items=10),
    ("Event", "place"): FieldCost(cost=ROW),
    ("Event", "participants"): FieldCost(cost=ROW, items=20),
    ("Path", "nodes"): FieldCost(cost=0.0),
    ("Path", "relations"): FieldCost(cost=0.0),
    ("Path", "claims"): FieldCost(cost=0.0),
    ("Subgraph", "nodes"): FieldCost(cost=0.0),
    ("Subgraph", "relations"): FieldCost(cost=0.0, items=2),  # facts among the nodes, per node
    ("Subgraph", "claims"): FieldCost(cost=0.0, items=2),
}
_ENTITY_LISTS = frozenset({"entities", "ministers", *KIND_LISTS})
# Kind-field conditions of a kind's `where` (kgapi.graphql.inputs) become relation conditions:
# a status, one per claim path and per stronger status; an entity, one with `other`.
_STATUS_FIELDS = frozenset(
    name
    for fields in model.KIND_FIELDS.values()
    for name, spec in fields.items()
    if spec.shape is model.FieldShape.STATUS
)
_RELATED_FIELDS = frozenset(
    name
    for fields in model.KIND_FIELDS.values()
    for name, spec in fields.items()
    if spec.filterable and not spec.of_status
)


@dataclass(frozen=True, slots=True)
class Cost:
    """A request's estimated work (units) and response size (bytes)."""

    units: float
    response_bytes: int
    # A page size out of range: execution refuses it with BAD_USER_INPUT (naming the argument
    # and its range) before reading anything, which tells the client more than a cost would.
    bad_page_size: bool = False


class QueryTooComplex(KgapiError):
    code = "QUERY_TOO_COMPLEX"


class ResponseTooLarge(KgapiError):
    code = "RESPONSE_TOO_LARGE"


def budget_for(context: Context) -> tuple[str, float]:
    """The caller's role name and its budget (KGAPI_COST_BUDGET_<ROLE>)."""
    settings = context.settings
    principal = context.principal
    if principal.anonymous:
        return "anonymous", settings.cost_budget_anonymous
    budgets = {
        Role.READER: settings.cost_budget_reader,
        Role.EDITOR: settings.cost_budget_editor,
        Role.CURATOR: settings.cost_budget_curator,
        Role.ADMIN: settings.cost_budget_admin,
    }
    return principal.role.value, budgets[principal.role]


def check_cost(cost: Cost, context: Context) -> None:
    """Raise the error a request over its budget or over the response size gets."""
    role, budget = budget_for(context)
    units = round(cost.units, 1)
    if cost.bad_page_size:
        return
    if cost.units > budget:
        raise QueryTooComplex(
            f"this query would cost {units:g} and the budget for {role} requests is "
            f"{budget:g}: ask for smaller pages (`first`), fewer filter conditions, less "
            "nesting or shorter paths, or split it into several requests",
            cost=units,
            budget=budget,
        )
    maximum = context.settings.max_response_bytes
    if cost.response_bytes > maximum:
        raise ResponseTooLarge(
            f"the response could be as large as {cost.response_bytes} bytes and the limit is "
            f"{maximum} (KGAPI_MAX_RESPONSE_BYTES): select document texts fewer times (read a "
            "text once, with `documents` or `node`) and ask for smaller pages",
            responseBytes=cost.response_bytes,
            maximum=maximum,
        )


def wants_cost(operation_extensions: Mapping[str, Any] | None) -> bool:
    return isinstance(operation_extensions, Mapping) and operation_extensions.get(
        COST_EXTENSION
    ) in (True, "true", 1)


def cost_report(cost: Cost, context: Context) -> dict[str, Any]:
    """What `extensions.cost` says."""
    role, budget = budget_for(context)
    return {
        "cost": round(cost.units, 1),
        "budget": budget,
        "role": role,
        "responseBytes": cost.response_bytes,
        "maxResponseBytes": context.settings.max_response_bytes,
    }


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: VariableValues,
    settings: Settings,
) -> Cost:
    """The cost of one valid operation with its coerced variables: a query's reads, or what a
    mutation's payload reads back (the writes themselves are bounded by their own limits, e.g.
    KGAPI_MAX_BULK_ITEMS; what a client selects of a thousand results is not)."""
    walker = _Walker(schema, fragments, variables, settings)
    root = schema.mutation_type if operation.operation is OperationType.MUTATION else None
    root = root or schema.query_type
    assert root is not None
    walker.selection(root, operation.selection_set, 1.0)
    return Cost(walker.units, int(walker.bytes), walker.bad_page_size)


def document_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    raw_variables: Any,
    settings: Settings,
) -> Cost | None:
    """The cost of the query operation a request selects; None when it is not a query or its
    variables do not coerce (execution reports that, and reads nothing)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation not in _PRICED:
        return None
    if raw_variables is not None and not isinstance(raw_variables, dict):
        return None
    coerced = get_variable_values(schema, operation.variable_definitions or (), raw_variables or {})
    if isinstance(coerced, list):
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return operation_cost(schema, operation, fragments, coerced, settings)


_PRICED = frozenset({OperationType.QUERY, OperationType.MUTATION})
_BULK_PAYLOADS = frozenset({"UpsertEntitiesPayload", "AddClaimsPayload"})


class _Walker:
    """Sums field prices down the selection, each multiplied by the objects above it."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: VariableValues,
        settings: Settings,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.settings = settings
        self.bulk_items = 1  # results of the bulk mutation being priced
        self.units = 0.0
        self.bytes = 0.0
        self.bad_page_size = False
        self.aggregated = False  # the field being priced selects `aggregate`

    def fields(
        self, parent: GraphQLObjectType | GraphQLInterfaceType, selection_set: SelectionSetNode
    ) -> Iterator[tuple[GraphQLObjectType | GraphQLInterfaceType, list[FieldNode]]]:
        """Fields by (type, response key), fragments expanded; the same key merges (as it
        does in the response), fragments on other types are priced on their own type."""
        found: dict[tuple[str, str], tuple[Any, list[FieldNode]]] = {}
        seen: set[str] = set()

        def visit(owner: Any, selections: SelectionSetNode) -> None:
            for selection in selections.selections:
                if isinstance(selection, FieldNode):
                    key = (selection.alias or selection.name).value
                    found.setdefault((owner.name, key), (owner, []))[1].append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    visit(self.condition(owner, selection.type_condition), selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if fragment is None or name in seen:  # validation refuses cycles
                        continue
                    seen.add(name)
                    visit(self.condition(owner, fragment.type_condition), fragment.selection_set)
                    seen.discard(name)

        visit(parent, selection_set)
        yield from found.values()

    def condition(self, owner: Any, type_condition: Any) -> Any:
        if type_condition is None:
            return owner
        named = self.schema.get_type(type_condition.name.value)
        return named if isinstance(named, GraphQLObjectType | GraphQLInterfaceType) else owner

    def selection(
        self,
        parent: GraphQLObjectType | GraphQLInterfaceType,
        selection_set: SelectionSetNode,
        multiplier: float,
    ) -> None:
        for owner, nodes in self.fields(parent, selection_set):
            name = nodes[0].name.value
            definition = owner.fields.get(name)
            if definition is None:  # __typename, introspection: no Cypher
                continue
            try:
                args = get_argument_values(definition, nodes[0], self.variables)
            except GraphQLError:
                args = {}  # execution refuses the argument before reading
            self.aggregated = _selects(nodes, "aggregate")
            cost, items = self.price(owner, name, args)
            self.units += multiplier * cost
            below = multiplier * items
            child = get_named_type(definition.type)
            if isinstance(child, GraphQLObjectType | GraphQLInterfaceType):
                self.units += (below - multiplier) * ROW if items > 1 else 0.0
                self.bytes += below * ROW_BYTES
                for node in nodes:
                    if node.selection_set is not None:
                        self.selection(child, node.selection_set, below)
            elif (owner.name, name) == ("Document", "text"):
                self.bytes += multiplier * self.settings.max_document_bytes

    def price(self, owner: Any, name: str, args: dict[str, Any]) -> tuple[float, float]:
        """(units once per parent object, objects below it) for one field."""
        if owner.name == "Mutation":
            # One payload; a bulk one holds a result per item (`results`, priced below).
            inputs = args.get("inputs")
            self.bulk_items = len(inputs) if isinstance(inputs, list) else 1
            return 0.0, 1
        if name == "results" and owner.name in _BULK_PAYLOADS:
            return 0.0, self.bulk_items
        if owner.name == "Query" and name in _ENTITY_LISTS:
            first = self.page(_size(args, "first"), 10)
            where = args.get("where")
            conditions = _filter_weight(where) if isinstance(where, dict) else 0.0
            if isinstance(where, dict) and _has_relation(where):
                conditions += FILTER_WEIGHTS["facts"]
            if name == "ministers":
                conditions += FILTER_WEIGHTS["ministerial"]
            # The page is one pass; a filter makes the total a second one; the aggregate (per
            # kind, over every match) is one more.
            passes = (2 if where else 1) + (1 if self.aggregated else 0)
            order = args.get("orderBy") or {}
            field = order.get("field") if isinstance(order, dict) else None
            # Only the page is sorted; the enum arrives as its Python member.
            sort = FILTER_WEIGHTS["relationCount"] if _name(field) == "RELATION_COUNT" else 0.0
            return SCAN * (passes * (1.0 + conditions) + sort), first
        if owner.name == "Query" and name == "shortestPath":
            hops = min(_int(args.get("maxHops"), 6), MAX_PATH_HOPS)
            return PATH_PER_HOP * hops, hops + 1
        if owner.name == "Query" and name == "neighborhood":
            hops = min(_int(args.get("hops"), 1), MAX_NEIGHBORHOOD_HOPS)
            nodes = min(NEIGHBORHOOD_FANOUT**hops, NEIGHBORHOOD_NODES)
            return float(nodes), nodes
        price = FIELD_COSTS.get((owner.name, name))
        if price is None and _is_entity(owner):
            price = FIELD_COSTS.get(("Entity", name))
        if price is None:
            return 0.0, 1
        items = self.page(_size(args, price.page), price.items) if price.page else price.items
        return price.cost, items

    def page(self, value: Any, default: int) -> int:
        """A page size as priced: one over the limit is refused with BAD_USER_INPUT before
        anything is read, so it is priced at the limit (the client learns the real reason)."""
        if isinstance(value, int) and not 0 <= value <= self.settings.max_page_size:
            self.bad_page_size = True
        return min(_int(value, default), self.settings.max_page_size)


def _selects(nodes: list[FieldNode], name: str) -> bool:
    """Whether a field's own selection (not under a fragment) has a field `name`."""
    return any(
        isinstance(selection, FieldNode) and selection.name.value == name
        for node in nodes
        if node.selection_set is not None
        for selection in node.selection_set.selections
    )


def _size(args: dict[str, Any], page: str) -> Any:
    """A connection's page size, forward (`first`) or backward (`last`): the larger is priced
    (both given is refused, but only after the price)."""
    sizes = [args.get(page)] + ([args.get("last")] if page == "first" else [])
    given = [size for size in sizes if size is not None]
    if not given:
        return None
    numbers = [size for size in given if isinstance(size, int)]
    return max(numbers) if len(numbers) == len(given) else given[0]


def _is_entity(owner: Any) -> bool:
    return owner.name == "Entity" or any(i.name == "Entity" for i in owner.interfaces)


def _int(value: Any, default: int) -> int:
    """A page size as sent, never below 0 (a refused value reads nothing anyway)."""
    return max(value, 0) if isinstance(value, int) and not isinstance(value, bool) else default


def _name(value: Any) -> Any:
    """An enum argument's name (coerced arguments are Python enum members)."""
    return getattr(value, "value", value)


def _has_relation(where: Mapping[str, Any]) -> bool:
    """Whether a `some`/`none` is anywhere in an `EntityWhere` tree (then facts are read)."""
    children = [*(where.get("AND") or []), *(where.get("OR") or []), where.get("NOT")]
    own = ("some", "none", *_STATUS_FIELDS, *_RELATED_FIELDS)
    return any(isinstance(where.get(key), dict) for key in own) or any(
        isinstance(child, dict) and _has_relation(child) for child in children
    )


def _filter_weight(where: Mapping[str, Any]) -> float:
    """Conditions of an `EntityWhere` tree, weighted (AND/OR/NOT: the sum of their parts)."""
    weight = 0.0
    for key in ("slug", "name", "description"):
        spec = where.get(key)
        if isinstance(spec, dict):
            weight += FILTER_WEIGHTS["string"] * sum(1 for v in spec.values() if v is not None)
    if where.get("kindIn"):
        weight += FILTER_WEIGHTS["kindIn"]
    for key in ("some", "none"):
        spec = where.get(key)
        if isinstance(spec, dict):
            weight += FILTER_WEIGHTS["relation"]
            if spec.get("other") is not None:
                weight += FILTER_WEIGHTS["other"]
    for key in _STATUS_FIELDS & where.keys():
        spec = where[key]
        if isinstance(spec, dict):
            values = [spec.get("eq"), *(spec.get("in") or [])]
            weight += FILTER_WEIGHTS["relation"] * 2 * len(model.Status) * len(values)
    for key in _RELATED_FIELDS & where.keys():
        spec = where[key]
        if isinstance(spec, dict):
            slugs = [spec.get("includes"), *(spec.get("includesAll") or [])]
            slugs += spec.get("includesAny") or []
            weight += (FILTER_WEIGHTS["relation"] + FILTER_WEIGHTS["other"]) * len(slugs)
            weight += FILTER_WEIGHTS["relation"] if spec.get("empty") is not None else 0.0
    for key in ("AND", "OR"):
        for child in where.get(key) or []:
            if isinstance(child, dict):
                weight += _filter_weight(child)
    child = where.get("NOT")
    if isinstance(child, dict):
        weight += _filter_weight(child)
    return weight


class CostLimiter(SchemaExtension):
    """Refuse a read over the caller's budget (or over the response size) before any
    resolver runs — a mutation's too, for what its payload reads back, before it writes —
    and report the cost when the request asks for it."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.cost: Cost | None = None

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        request = context.context
        document = context.graphql_document
        if isinstance(request, Context) and document is not None and not context.result:
            self.cost = document_cost(
                context.schema._schema,
                document,
                context.operation_name,
                context.variables,
                self.settings,
            )
            if self.cost is not None:
                try:
                    check_cost(self.cost, request)
                except KgapiError as error:
                    # strawberry executes nothing when a result is already there.
                    context.result = ExecutionResult(data=None, errors=[error])
        yield

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context
        request = context.context
        if self.cost is None or not isinstance(request, Context):
            return {}
        if not wants_cost(context.operation_extensions):
            return {}
        return {COST_EXTENSION: cost_report(self.cost, request)}
