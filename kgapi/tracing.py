"""OpenTelemetry traces: a span per HTTP request, per GraphQL operation and per Cypher statement.

Off unless the standard OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is
set: then `Tracing.from_environment` builds a TracerProvider of the OpenTelemetry SDK that sends
spans over OTLP/HTTP in batches. Off means no provider, no middleware and no span objects: the
app and the database hold `NO_TRACING` / `NO_STATEMENT_SPANS`, whose context managers do
nothing. The provider is built by the app factory, so each uvicorn worker (a process of its
own) has its own exporter thread, and flushed in the lifespan's shutdown.

What a span never holds: Cypher parameters, the Cypher or GraphQL text, GraphQL variables or
arguments, the URL's query string (GET /graphql carries the query and variables there), error
messages (Neo4j's name the offending value, e.g. a duplicate slug). Only names, kinds, counts
and error codes.

Usage::

    app = create_app(settings)  # Tracing.from_environment() inside
    app = create_app(settings, tracer_provider=provider)  # tests: an in-memory exporter
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from types import FrameType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from graphql import GraphQLError, OperationDefinitionNode, parse
from opentelemetry import trace
from opentelemetry.semconv.attributes.code_attributes import CODE_FUNCTION_NAME
from opentelemetry.semconv.attributes.db_attributes import (
    DB_NAMESPACE,
    DB_QUERY_SUMMARY,
    DB_RESPONSE_STATUS_CODE,
    DB_SYSTEM_NAME,
)
from opentelemetry.semconv.attributes.error_attributes import ERROR_TYPE
from opentelemetry.semconv.attributes.server_attributes import SERVER_ADDRESS, SERVER_PORT
from opentelemetry.semconv.attributes.service_attributes import SERVICE_NAME, SERVICE_VERSION
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from opentelemetry.sdk.resources import Resource

__all__ = [
    "ENDPOINT_VARIABLES",
    "NO_STATEMENT_SPANS",
    "NO_TRACING",
    "HttpServerSpans",
    "StatementSpans",
    "Tracing",
    "tracing_requested",
]

DEFAULT_SERVICE_NAME = "kgapi"
TRACER_NAME = "kgapi"
NEO4J = "neo4j"
# The SDK's default is 5 s; a second keeps traces close to live at the same batch sizes.
DEFAULT_SCHEDULE_DELAY_MS = 1000
ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
# Semantic-convention names still in development (no stable constant to import).
SERVICE_INSTANCE_ID = "service.instance.id"
DB_RETURNED_ROWS = "db.response.returned_rows"
GRAPHQL_OPERATION_TYPE = "graphql.operation.type"
GRAPHQL_OPERATION_NAME = "graphql.operation.name"
HTTP_ROUTE = "http.route"
GRAPHQL_ERROR_CODES = "kgapi.graphql.error_codes"
NEO4J_ACCESS_MODE = "kgapi.neo4j.access_mode"
# Frames skipped when naming a statement after the function that asked for it.
_PLUMBING_MODULES = ("kgapi.db", __name__)
_MAX_FRAMES = 32
_QUERY_STRING_KEY = "kgapi.tracing.query_string"
_UNNAMED_OPERATION = "GraphQL Operation"  # the span name semantic conventions give


def tracing_requested(environ: Mapping[str, str] = os.environ) -> bool:
    """An OTLP endpoint is set and the SDK is not disabled (OTEL_SDK_DISABLED=true)."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(environ.get(name, "").strip() for name in ENDPOINT_VARIABLES)


def _kgapi_version() -> str:
    try:
        return version("kgapi")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "0"


def _resource() -> Resource:
    """OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win; kgapi only fills in what is unset.

    `Resource.create` lets the attributes it is given override the environment's, so the
    defaults are given only for keys the environment leaves out. service.instance.id tells the
    workers of one host apart."""
    from opentelemetry.sdk.resources import OTELResourceDetector, Resource

    from_environment = OTELResourceDetector().detect().attributes
    defaults: dict[str, str] = {
        SERVICE_NAME: DEFAULT_SERVICE_NAME,
        SERVICE_VERSION: _kgapi_version(),
        SERVICE_INSTANCE_ID: uuid.uuid4().hex,
    }
    return Resource.create({k: v for k, v in defaults.items() if k not in from_environment})


class Tracing:
    """The process's tracer provider and the spans kgapi makes with it; without a provider
    (`NO_TRACING`) every span is one shared no-op context."""

    def __init__(self, provider: trace.TracerProvider | None) -> None:
        self.provider = provider
        self.tracer: Tracer | None = (
            provider.get_tracer(TRACER_NAME, _kgapi_version()) if provider is not None else None
        )

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Tracing:
        """An SDK provider exporting over OTLP/HTTP in batches, or NO_TRACING when not asked.

        The exporter and the batch processor read the rest of the standard variables
        themselves (OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, _COMPRESSION, OTEL_BSP_*), as does
        the provider (OTEL_TRACES_SAMPLER)."""
        if not tracing_requested(environ):
            return NO_TRACING
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        delay = None if environ.get("OTEL_BSP_SCHEDULE_DELAY") else DEFAULT_SCHEDULE_DELAY_MS
        provider = TracerProvider(resource=_resource())
        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(), schedule_delay_millis=delay)
        )
        return cls(provider)

    def shutdown(self) -> None:
        """Export what is queued and stop the exporter (SDK providers only)."""
        shutdown = getattr(self.provider, "shutdown", None)
        if callable(shutdown):
            shutdown()

    def middleware(self) -> list[Middleware]:
        """The HTTP server span, outermost (nothing when tracing is off)."""
        if self.provider is None:
            return []
        return [Middleware(HttpServerSpans, tracer_provider=self.provider)]

    def statement_spans(self, database: str, uri: str) -> StatementSpans:
        if self.tracer is None:
            return NO_STATEMENT_SPANS
        return StatementSpans(self.tracer, database, uri)

    def operation(
        self, query: object, operation_name: object, max_tokens: int
    ) -> AbstractContextManager[Span | None]:
        """A span around one GraphQL operation, named `{type} {name}` (e.g. `query Entity`)."""
        if self.tracer is None:
            return _NOTHING
        return _operation_span(self.tracer, query, operation_name, max_tokens)

    @staticmethod
    def record_result(span: Span | None, errors: Sequence[GraphQLError] | None) -> None:
        """The error codes of the result (never the messages, which may quote input)."""
        if not errors or span is None or not span.is_recording():
            return
        codes = sorted({str((e.extensions or {}).get("code", "UNKNOWN")) for e in errors})
        span.set_attribute(GRAPHQL_ERROR_CODES, codes)


NO_TRACING = Tracing(None)
_NOTHING: nullcontext[None] = nullcontext()


class StatementSpans:
    """Spans for the Cypher statements of one database, following OTel's database conventions.

    A span is named after the query-layer function that asked for the statement (its
    `db.query.summary`, e.g. `entity_page`), found by walking out of kgapi.db and the driver.
    Statements outside a traced request (the change feed's polling of a WebSocket
    subscription, startup) make no span: they would be a root span every poll.
    """

    def __init__(self, tracer: Tracer | None, database: str, uri: str) -> None:
        self._tracer = tracer
        self._attributes: dict[str, str | int] = {DB_SYSTEM_NAME: NEO4J, DB_NAMESPACE: database}
        parts = urlsplit(uri)
        if parts.hostname:
            self._attributes[SERVER_ADDRESS] = parts.hostname
        if parts.port:
            self._attributes[SERVER_PORT] = parts.port

    def __call__(self, access: str) -> AbstractContextManager[Span | None]:
        if self._tracer is None or not trace.get_current_span().is_recording():
            return _NOTHING
        return _statement_span(self._tracer, self._attributes, access)

    @staticmethod
    def returned(span: Span | None, rows: int) -> None:
        if span is not None:
            span.set_attribute(DB_RETURNED_ROWS, rows)

    @staticmethod
    def retried(span: Span | None, exc: BaseException) -> None:
        if span is not None:
            span.add_event("retry", {ERROR_TYPE: _error_type(exc)})


NO_STATEMENT_SPANS = StatementSpans(None, "", "")


def _statement_span(
    tracer: Tracer, attributes: Mapping[str, str | int], access: str
) -> AbstractContextManager[Span]:
    module, function = _caller()
    attributes = {
        **attributes,
        DB_QUERY_SUMMARY: function,
        CODE_FUNCTION_NAME: f"{module}.{function}",
        NEO4J_ACCESS_MODE: access,
    }
    return _span(tracer, function, SpanKind.CLIENT, attributes, DB_RESPONSE_STATUS_CODE)


@contextmanager
def _span(
    tracer: Tracer,
    name: str,
    kind: SpanKind,
    attributes: Mapping[str, str | int],
    code_attribute: str | None = None,
) -> Iterator[Span]:
    """The current span; on an exception, status ERROR without a description, `error.type`
    (and the exception's own code under `code_attribute`), never the message: the SDK's
    defaults would record it, and Neo4j's messages quote the offending value."""
    with tracer.start_as_current_span(
        name,
        kind=kind,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            yield span
        except BaseException as exc:
            span.set_attribute(ERROR_TYPE, _error_type(exc))
            span.set_status(Status(StatusCode.ERROR))
            code = getattr(exc, "code", None)
            if code_attribute is not None and isinstance(code, str):
                span.set_attribute(code_attribute, code)
            raise


def _caller() -> tuple[str, str]:
    """(module, qualified name) of the first frame outside kgapi.db, this module and neo4j."""
    frame: FrameType | None = sys._getframe(1)
    for _ in range(_MAX_FRAMES):
        if frame is None:
            break
        module = str(frame.f_globals.get("__name__", ""))
        if module not in _PLUMBING_MODULES and module.split(".")[0] not in ("neo4j", "contextlib"):
            return module, frame.f_code.co_qualname
        frame = frame.f_back
    return "kgapi.db", NEO4J


def _operation_span(
    tracer: Tracer, query: object, operation_name: object, max_tokens: int
) -> AbstractContextManager[Span]:
    kind, name = _describe_operation(query, operation_name, max_tokens)
    attributes: dict[str, str | int] = {}
    if kind is not None:
        attributes[GRAPHQL_OPERATION_TYPE] = kind
    if name is not None:
        attributes[GRAPHQL_OPERATION_NAME] = name
    span_name = " ".join(part for part in (kind, name) if part) or _UNNAMED_OPERATION
    return _span(tracer, span_name, SpanKind.INTERNAL, attributes)


def _describe_operation(
    query: object, operation_name: object, max_tokens: int
) -> tuple[str | None, str | None]:
    if not isinstance(query, str) or not isinstance(operation_name, str | None):
        return None, None
    return _parsed_operation(query, operation_name, max_tokens)


@lru_cache(maxsize=256)
def _parsed_operation(
    query: str, operation_name: str | None, max_tokens: int
) -> tuple[str | None, str | None]:
    """The operation's type and its name as the document declares it (so a name the client
    sent that the document lacks is never recorded). Parsed under the same token limit as
    strawberry's, since this runs before strawberry's own parse."""
    try:
        document = parse(query, no_location=True, max_tokens=max_tokens)
    except GraphQLError:
        return None, None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1:
        return None, None
    operation = operations[0]
    return operation.operation.value, operation.name.value if operation.name else None


def _error_type(exc: BaseException) -> str:
    code = getattr(exc, "code", None)
    return code if isinstance(code, str) and code else type(exc).__qualname__


class HttpServerSpans:
    """OpenTelemetry's ASGI middleware for HTTP requests, with the query string kept out.

    The middleware would record the full URL, and GET /graphql carries the query and its
    variables in the query string: it sees the request without one, and the app behind it gets
    the query string back. The span is named `{method} {route}` (the route's template, not the
    path, so that a path parameter or a scanner's random paths do not make a name per request).
    WebSockets pass through untraced: a span would last the whole connection.
    """

    def __init__(self, app: ASGIApp, tracer_provider: trace.TracerProvider) -> None:
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        self.app = app
        self.traced = OpenTelemetryMiddleware(
            self._restore_query_string,
            tracer_provider=tracer_provider,
            exclude_spans=["receive", "send"],
            default_span_details=_method_only,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        redacted = dict(scope)
        redacted[_QUERY_STRING_KEY] = scope.get("query_string", b"")
        redacted["query_string"] = b""
        await self.traced(redacted, receive, send)

    async def _restore_query_string(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["query_string"] = scope.pop(_QUERY_STRING_KEY, b"")
        span = trace.get_current_span()

        async def send_named(message: Message) -> None:
            # Named when the response starts: the route is known, and the middleware ends
            # the span with the last body message, before the app returns.
            route = getattr(scope.get("route"), "path", None)
            if message["type"] == "http.response.start" and isinstance(route, str):
                span.update_name(f"{scope.get('method', 'HTTP')} {route}")
                span.set_attribute(HTTP_ROUTE, route)
            await send(message)

        await self.app(scope, receive, send_named)


def _method_only(scope: Scope) -> tuple[str, dict[str, str]]:
    return str(scope.get("method") or "HTTP"), {}
