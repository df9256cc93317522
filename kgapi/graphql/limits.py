"""Request limits that strawberry's own limiters do not cover, checked before any work is done.

- `list_size_rule(n)`: no list literal in a document holds more than n values
  (KGAPI_MAX_LIST_ARGUMENT), whichever argument or input field it is given to.
- `check_variables`: the same bound on every list inside the JSON variables, checked before
  graphql-core coerces them (coercing 150,000 enum values costs seconds of the one event loop).
- `RequestGuards`: refuses a request as a whole, before it runs: a credential that was sent
  but is not valid (even for `__typename`), anonymous introspection where anonymous reads are
  off, numeric literals too long to convert (Python refuses ints of more than 4,300 digits and
  graphql-core reports that as an unexpected error), and several operations without an
  `operationName` (the GraphQL specification's request error).

Usage (kgapi.graphql.schema does this)::

    schema = strawberry.Schema(
        query=Query,
        extensions=[DocumentCache(...), RequestGuards, AddValidationRules([list_size_rule(100)])],
    )
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FloatValueNode,
    IntValueNode,
    ListTypeNode,
    ListValueNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    ValidationContext,
    parse,
    visit,
)
from graphql.error import GraphQLError
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension

from kgapi.graphql.context import Context
from kgapi.graphql.errors import BadUserInput, KgapiError
from kgapi.graphql.permissions import Unauthenticated

__all__ = [
    "BULK_INPUT_TYPES",
    "MAX_NUMBER_LITERAL",
    "RequestGuards",
    "bulk_allowances",
    "check_variables",
    "list_size_rule",
]

MAX_NUMBER_LITERAL = 40  # characters: far beyond any Int or Float the schema accepts
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
LIST_SETTING = "KGAPI_MAX_LIST_ARGUMENT"
BULK_SETTING = "KGAPI_MAX_BULK_ITEMS"
# The item types of the bulk mutations (upsertEntities, addClaims): a variable holding a list
# of them may hold up to KGAPI_MAX_BULK_ITEMS items.
BULK_INPUT_TYPES = frozenset({"UpsertEntityInput", "AddClaimInput"})


class GraphQLRequestError(KgapiError):
    """A document that cannot be run as sent (the specification's request errors)."""

    code = "GRAPHQL_VALIDATION_FAILED"


def list_size_rule(maximum: int) -> type[ASTValidationRule]:
    """A validation rule class bounding list literals (built once per schema, so that
    strawberry's ValidationCache, which keys on rule classes, keeps hitting)."""

    class ListSizeRule(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)

        def enter_list_value(self, node: ListValueNode, *_: Any) -> None:
            if len(node.values) > maximum:
                self.report_error(
                    GraphQLError(
                        f"A list holds {len(node.values)} values; lists take at most "
                        f"{maximum} ({LIST_SETTING}).",
                        node,
                        extensions={"code": BadUserInput.code, "maximum": maximum},
                    )
                )

    return ListSizeRule


def check_variables(
    variables: object, maximum: int, allowances: Mapping[str, int] | None = None
) -> BadUserInput | None:
    """The error for the first list in the variables longer than `maximum`, else None.
    `allowances`: a larger bound for the top-level list of some variables (the items of a
    bulk mutation, see bulk_allowances); the lists inside them keep `maximum`.

    Iterative, so that however deep a client nests its JSON the walk cannot overflow the
    stack; the JSON parser has already bounded the depth."""
    if not isinstance(variables, dict):
        return None
    allowed = allowances or {}
    stack: list[tuple[str, object]] = [(f"${name}", value) for name, value in variables.items()]
    while stack:
        path, value = stack.pop()
        if isinstance(value, list):
            bound = allowed.get(path, maximum)
            if len(value) > bound:
                setting = BULK_SETTING if path in allowed else LIST_SETTING
                return BadUserInput(
                    f"`{path}` holds {len(value)} values; lists take at most {bound} ({setting}).",
                    argument=path,
                    maximum=bound,
                )
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
        elif isinstance(value, dict):
            stack.extend((f"{path}.{key}", item) for key, item in value.items())
    return None


def bulk_allowances(
    query: str | None, variables: object, maximum: int, bulk: int
) -> dict[str, int]:
    """`{"$name": bulk}` for each top-level variable the operation declares as a list of a bulk
    mutation's items (BULK_INPUT_TYPES). Parsed only when some top-level list is over
    `maximum`: the common request pays nothing."""
    if query is None or not isinstance(variables, dict):
        return {}
    if not any(isinstance(v, list) and len(v) > maximum for v in variables.values()):
        return {}
    try:
        document = parse(query, no_location=True)
    except GraphQLError:
        return {}  # execution reports the syntax error
    allowed: dict[str, int] = {}
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        for variable in definition.variable_definitions or ():
            declared = variable.type
            if isinstance(declared, NonNullTypeNode):
                declared = declared.type
            if not isinstance(declared, ListTypeNode):
                continue
            item = declared.type
            if isinstance(item, NonNullTypeNode):
                item = item.type
            if isinstance(item, NamedTypeNode) and item.name.value in BULK_INPUT_TYPES:
                allowed[f"${variable.variable.name.value}"] = bulk
    return allowed


class _Scan(Visitor):
    """One pass over a document: introspection fields and over-long numeric literals."""

    def __init__(self) -> None:
        super().__init__()
        self.introspects = False
        self.long_number: str | None = None

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.name.value in INTROSPECTION_FIELDS:
            self.introspects = True

    def enter_int_value(self, node: IntValueNode, *_: Any) -> None:
        self._number(node.value)

    def enter_float_value(self, node: FloatValueNode, *_: Any) -> None:
        self._number(node.value)

    def _number(self, text: str) -> None:
        if len(text) > MAX_NUMBER_LITERAL and self.long_number is None:
            self.long_number = text


class RequestGuards(SchemaExtension):
    """Refusals that concern the whole request; they replace validation's verdict.

    Listed after the document cache (kgapi.graphql.document_cache), which sets the validation
    errors unconditionally, so a refusal decided before it would be overwritten."""

    def on_validate(self) -> Iterator[None]:
        refusal = self._refusal()
        if refusal is not None:
            self.execution_context.pre_execution_errors = [refusal]
        yield

    def _refusal(self) -> GraphQLError | None:
        execution = self.execution_context
        context = execution.context
        if isinstance(context, Context) and context.auth_error is not None:
            return Unauthenticated(context.auth_error)
        document = execution.graphql_document
        if document is None:
            return None
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        # strawberry's `operation_name` falls back to the first operation's name: ask for
        # the one the client sent.
        if len(operations) > 1 and execution._provided_operation_name is None:
            return GraphQLRequestError(
                "Must provide operation name if query contains multiple operations."
            )
        scan = _scan(document)
        if scan.long_number is not None:
            return BadUserInput(
                f"A number literal of {len(scan.long_number)} characters is longer than "
                f"{MAX_NUMBER_LITERAL}: no argument takes such a number.",
                maximum=MAX_NUMBER_LITERAL,
            )
        if (
            scan.introspects
            and isinstance(context, Context)
            and context.principal.anonymous
            and not context.settings.allow_anonymous_reads
        ):
            return Unauthenticated(
                "introspection needs a token here (anonymous reads are off): send "
                "Authorization: Bearer <API key or JWT>"
            )
        return None


def _scan(document: DocumentNode) -> _Scan:
    scan = _Scan()
    visit(document, scan)
    return scan
