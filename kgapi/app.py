"""The ASGI app: /graphql (GraphiQL in a browser, kgapi.graphiql), /health, /ready and /metrics.

The Neo4j driver is opened once in the lifespan and closed on shutdown. The app starts even
when Neo4j is down (so /health answers and /ready says why it is not ready) and recovers by
itself when Neo4j returns: the driver reconnects on the next request. With KGAPI_READ_CACHE on,
the GraphQL view answers repeated queries from kgapi.read_cache.
"""

from __future__ import annotations

import asyncio
import contextvars
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

import anyio.to_thread
import orjson
from cross_web import HTTPException
from neo4j.exceptions import DriverError, Neo4jError
from opentelemetry.trace import TracerProvider
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult, SubscriptionExecutionResult
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from kgapi.auth import AuthenticationFailed
from kgapi.authenticate import authenticate
from kgapi.config import Settings, get_settings
from kgapi.db import Database, DatabaseUnavailable, describe_connection_error
from kgapi.explorer import routes as explorer_routes
from kgapi.export_http import routes as export_routes
from kgapi.graphiql import graphiql_page
from kgapi.graphiql import routes as graphiql_routes
from kgapi.graphql.changes import FeedSlots
from kgapi.graphql.context import Context
from kgapi.graphql.schema import build_schema
from kgapi.graphql.websocket import AdmittingHandler
from kgapi.observability import (
    GRAPHQL_ERRORS,
    READ_CACHE_REQUESTS,
    REQUEST_ID_HEADER,
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    configure_logging,
    current_request_id,
    metrics_endpoint,
)
from kgapi.queries.schema import schema_ready
from kgapi.ratelimit import RateLimitMiddleware
from kgapi.read_cache import CACHE_HEADER, CacheStatus, Lookup, ReadCache
from kgapi.tracing import NO_TRACING, Tracing

if TYPE_CHECKING:
    from cross_web import AsyncHTTPRequestAdapter  # strawberry's own request adapter

__all__ = ["create_app"]

WANTS_GRAPHQL_RESPONSE = "x-kgapi-graphql-response"  # internal marker, never sent
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
OFF_LOOP_BODY_BYTES = 64_000  # larger JSON bodies are parsed on a worker thread
NOT_JSON = "Unable to parse request body as JSON"

# The body this request has already parsed (the bytes object, and what it parsed to), so
# strawberry's own parse_json call finds it instead of parsing the body a second time.
_parsed_body: contextvars.ContextVar[tuple[bytes, object] | None] = contextvars.ContextVar(
    "kgapi_parsed_body", default=None
)


def _loads(data: str | bytes) -> object:
    """orjson, not the json module: it refuses invalid UTF-8 and lone surrogates, bounds the
    nesting depth (json.loads recurses until RecursionError) and refuses numbers it cannot
    hold, each as a 400 naming the problem instead of a 500."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise HTTPException(400, f"{NOT_JSON}: {exc}") from None


def _accepts_graphql_response(request: Request | WebSocket) -> bool:
    """True when the client lists application/graphql-response+json before application/json."""
    accept = request.headers.get("accept", "")
    wanted = accept.find(GRAPHQL_RESPONSE_JSON)
    plain = accept.find("application/json")
    return wanted != -1 and (plain == -1 or wanted < plain)


class _SubResponse(Response):
    """The response strawberry hands from get_context to create_response, carrying this
    request's read cache lookup between them (it is the one per-request object both see)."""

    read_cache: Lookup = Lookup(CacheStatus.OFF)


class KgapiGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI app with kgapi's per-request context.

    WebSocket connections speak graphql-transport-ws only, with credentials checked at
    `connection_init` (AdmittingHandler) and open change feeds capped per process (FeedSlots).

    It also speaks the GraphQL-over-HTTP media type application/graphql-response+json: a
    request error (unparsable, invalid, or with variables that do not coerce — no `data`
    entry) is then a 400 without `data`, as the specification asks.

    With the read cache on, the lookup sits in `execute_operation`: after authentication (the
    role is part of the key, and a bad credential must still be refused) and after strawberry
    has read the request, but before anything is parsed or executed, so a hit costs
    authentication and the revision read and nothing else; `create_response` sends the stored
    bytes, or stores the bytes it is about to send. Every answer says which it was in
    X-Kgapi-Cache.
    """

    graphql_transport_ws_handler_class = AdmittingHandler

    def __init__(self, settings: Settings, tracing: Tracing = NO_TRACING) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.graphiql else None,
            # One subscription protocol, so one admission path (kgapi.graphql.websocket).
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout),
        )
        self.settings = settings
        self.feeds = FeedSlots(settings.max_subscriptions)
        self.tracing = tracing
        self.read_cache = (
            ReadCache(
                max_entries=settings.read_cache_max_entries,
                max_bytes=settings.read_cache_max_bytes,
                max_entry_bytes=settings.read_cache_max_entry_bytes,
                max_tokens=settings.max_tokens,
            )
            if settings.read_cache
            else None
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        """kgapi's own GraphiQL page (vendored assets, same-origin CSP), not strawberry's,
        which loads everything from a CDN."""
        return graphiql_page(request)

    def decode_json(self, data: str | bytes) -> object:
        parsed = _parsed_body.get()
        if parsed is not None and parsed[0] is data:
            return parsed[1]
        return _loads(data)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """A JSON body is parsed here, once: on a worker thread when it is large (so a
        megabyte body does not hold the event loop for everyone else), and refused with a
        400 unless it is an object or a list (strawberry would fail on `5` or `null`)."""
        content_type, _ = parse_content_type(request.content_type or "")
        if request.method != "POST" or "application/json" not in content_type:
            return await super().parse_http_body(request)
        body = await request.get_body()
        if len(body) > OFF_LOOP_BODY_BYTES:
            data = await anyio.to_thread.run_sync(_loads, body)
        else:
            data = _loads(body)
        if not isinstance(data, dict | list):
            raise HTTPException(
                400, "The request body must be a JSON object (or a list of them, a batch)."
            )
        token = _parsed_body.set((body, data))
        try:
            return await super().parse_http_body(request)
        finally:
            _parsed_body.reset(token)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = _SubResponse()
        sub_response.status_code = None  # type: ignore[assignment]  # as strawberry does
        del sub_response.headers["content-length"]
        return sub_response

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        db: Database = request.app.state.db
        request_id = current_request_id() or uuid.uuid4().hex
        if isinstance(response, Response) and _accepts_graphql_response(request):
            response.headers[WANTS_GRAPHQL_RESPONSE] = "1"
        context = Context(db=db, settings=self.settings, request_id=request_id)
        context.feeds = self.feeds  # also for subscriptions over HTTP (multipart), if any
        try:
            context.principal = await authenticate(
                request.headers.get("authorization"), self.settings, db
            )
        except AuthenticationFailed as exc:
            context.auth_error = str(exc)
        except DatabaseUnavailable:
            context.database_unavailable = True  # the permission check reports it
        return context

    async def execute_operation(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Response,
    ) -> ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult:
        lookup = await self._look_up(request_data, context)
        READ_CACHE_REQUESTS.labels(lookup.status.value).inc()
        if isinstance(sub_response, _SubResponse):
            sub_response.read_cache = lookup
        if lookup.status is CacheStatus.HIT:
            return ExecutionResult(data=None, errors=None)  # create_response sends the bytes
        return await super().execute_operation(
            request=request,
            request_adapter=request_adapter,
            request_data=request_data,
            context=context,
            root_value=root_value,
            sub_response=sub_response,
        )

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """The GraphQL operation span (kgapi.tracing). Here rather than in a schema extension:
        compiled reads answer before strawberry runs any extension."""
        with self.tracing.operation(
            request_data.query, request_data.operation_name, self.settings.max_tokens
        ) as span:
            result = await super().execute_single(
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=request_data,
            )
            self.tracing.record_result(span, result.errors)
            return result

    async def _look_up(
        self, request_data: GraphQLRequestData | list[GraphQLRequestData], context: Context
    ) -> Lookup:
        if self.read_cache is None:
            return Lookup(CacheStatus.OFF)
        if isinstance(request_data, list) or request_data.protocol != "http":
            return Lookup(CacheStatus.BYPASS)  # batches and streams are not answers to keep
        if context.auth_error is not None or context.database_unavailable:
            return Lookup(CacheStatus.BYPASS)  # the refusal must come from the execution
        principal = context.principal
        return await self.read_cache.lookup(
            context.db,
            request_data.query,
            request_data.operation_name,
            request_data.variables,
            request_data.extensions,
            role="anonymous" if principal.anonymous else principal.role.value,
        )

    async def process_result(self, request: Request, result: Any) -> Any:
        """Errors raised while parsing (e.g. the token limit) bypass schema extensions; they
        still leave with a code here."""
        data = await super().process_result(request, result)
        errors: list[dict[str, Any]] = cast(list[dict[str, Any]], data.get("errors") or [])
        for error in errors:
            extensions = error.setdefault("extensions", {})
            if "code" not in extensions:
                syntax = str(error.get("message", "")).startswith("Syntax Error")
                extensions["code"] = (
                    "GRAPHQL_PARSE_FAILED" if syntax else "GRAPHQL_VALIDATION_FAILED"
                )
                GRAPHQL_ERRORS.labels(extensions["code"]).inc()
        return data

    def encode_json(self, data: object) -> str:
        """orjson: several times faster than the json module on large answers, and it writes
        Bengali as UTF-8 rather than six-byte escapes. Text, not bytes: graphql-transport-ws
        messages must go out as text frames."""
        return orjson.dumps(data).decode()

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        wants = sub_response.headers.get(WANTS_GRAPHQL_RESPONSE) == "1"
        if WANTS_GRAPHQL_RESPONSE in sub_response.headers:
            del sub_response.headers[WANTS_GRAPHQL_RESPONSE]
        lookup = (
            sub_response.read_cache
            if isinstance(sub_response, _SubResponse)
            else Lookup(CacheStatus.BYPASS)
        )
        sub_response.headers[CACHE_HEADER] = lookup.status.value
        if lookup.status is CacheStatus.HIT and lookup.body is not None:
            hit = Response(
                lookup.body,
                status_code=200,
                media_type=GRAPHQL_RESPONSE_JSON if wants else "application/json",
            )
            hit.headers.raw.extend(sub_response.headers.raw)
            return hit
        response = self._encode(response_data, sub_response, wants)
        if (
            self.read_cache is not None
            and lookup.status is CacheStatus.MISS
            and response.status_code == 200
            and _error_free(response_data)
        ):
            self.read_cache.store(lookup, bytes(response.body))
        return response

    def _encode(self, response_data: Any, sub_response: Response, wants: bool) -> Response:
        response = super().create_response(response_data, sub_response)
        if not wants or not isinstance(response_data, dict):
            return response
        errors = response_data.get("errors") or []
        request_error = (
            response_data.get("data") is None and errors and all(not e.get("path") for e in errors)
        )
        body = {"errors": errors} if request_error else response_data
        result = Response(
            self.encode_json(body),
            status_code=400 if request_error else response.status_code,
            media_type=GRAPHQL_RESPONSE_JSON,
        )
        result.headers[REQUEST_ID_HEADER] = response.headers.get(REQUEST_ID_HEADER, "")
        result.headers[CACHE_HEADER] = response.headers.get(CACHE_HEADER, "")
        return result


def _error_free(response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse]) -> bool:
    """An answer worth keeping: data, no errors, and no per-request extensions."""
    return (
        isinstance(response_data, dict)
        and response_data.get("data") is not None
        and not response_data.get("errors")
        and not response_data.get("extensions")
    )


async def health(_: Request) -> JSONResponse:
    """Liveness: the process answers. Says nothing about Neo4j, on purpose."""
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> JSONResponse:
    """Readiness: Neo4j answers and every constraint and index of the schema is ONLINE."""
    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    try:
        missing = await asyncio.wait_for(schema_ready(db), timeout=settings.connect_timeout)
    except TimeoutError:
        return JSONResponse(
            {"status": "unavailable", "reason": "Neo4j did not answer in time"}, status_code=503
        )
    except DatabaseUnavailable as exc:
        return JSONResponse({"status": "unavailable", "reason": str(exc)}, status_code=503)
    except (DriverError, Neo4jError, OSError) as exc:
        return JSONResponse(
            {"status": "unavailable", "reason": describe_connection_error(db.uri, exc)},
            status_code=503,
        )
    if missing:
        return JSONResponse(
            {"status": "unavailable", "reason": "schema not applied", "missing": missing},
            status_code=503,
        )
    return JSONResponse({"status": "ready"})


def create_app(
    settings: Settings | None = None, tracer_provider: TracerProvider | None = None
) -> Starlette:
    """The app; tracing from the OTEL_* variables (per process: uvicorn calls this factory in
    each worker), or with the given provider, which the caller then owns and shuts down."""
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_format)
    tracing = (
        Tracing(tracer_provider) if tracer_provider is not None else Tracing.from_environment()
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.db = Database(settings, tracing)
        try:
            yield
        finally:
            await app.state.db.close()
            if tracer_provider is None:
                await asyncio.to_thread(tracing.shutdown)  # exports what is queued

    graphql_app = KgapiGraphQL(settings, tracing)
    return Starlette(
        routes=[
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql_app),
            Route("/health", health, methods=["GET"]),
            Route("/ready", ready, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
            *export_routes,
            *explorer_routes,
            *(graphiql_routes if settings.graphiql else []),
        ],
        lifespan=lifespan,
        middleware=[
            # Outermost first: the client address (X-Forwarded-For from trusted proxies only),
            # the trace's HTTP span (if on, so it records that address), a request id, then
            # host, CORS, rate limit and size checks.
            Middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies),
            *tracing.middleware(),
            Middleware(RequestContextMiddleware),
            Middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts),
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["*"],
                expose_headers=[REQUEST_ID_HEADER, "retry-after"],
            ),
            Middleware(RateLimitMiddleware, settings=settings),
            Middleware(
                BodySizeLimitMiddleware,
                max_bytes=settings.max_body_bytes,
                max_discard_bytes=settings.max_discard_bytes,
            ),
        ],
    )
