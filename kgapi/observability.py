"""Operations: structured JSON logs with a request id, Prometheus metrics, a body size limit.

Each concern is a small pure-ASGI middleware or a function, so the app composes them and the
GraphQL layer only reports error codes. Metrics are per process (scrape each worker, or run one
worker per container); nothing here holds request state between requests.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
import uuid
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "COMPILED_READS",
    "GRAPHQL_ERRORS",
    "NEO4J_IN_FLIGHT",
    "NEO4J_QUERIES",
    "READ_CACHE_BYTES",
    "READ_CACHE_REQUESTS",
    "REQUEST_ID_HEADER",
    "BodySizeLimitMiddleware",
    "RequestContextMiddleware",
    "configure_logging",
    "current_request_id",
    "metrics_endpoint",
]

REQUEST_ID_HEADER = "x-request-id"
MAX_REQUEST_ID_LENGTH = 64

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "kgapi_request_id", default=None
)

REQUESTS = Counter("kgapi_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "kgapi_http_request_seconds",
    "HTTP request latency",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
GRAPHQL_ERRORS = Counter("kgapi_graphql_errors_total", "GraphQL errors by code", ["code"])
NEO4J_QUERIES = Counter("kgapi_neo4j_queries_total", "Cypher statements sent to Neo4j")
COMPILED_READS = Counter(
    "kgapi_graphql_operations_total",
    "GraphQL operations by how they were answered: one_statement (a read query in one Cypher "
    "statement), resolvers (a read query field by field) or other (mutations, and documents "
    "refused before execution)",
    ["path"],
)
NEO4J_IN_FLIGHT = Gauge("kgapi_neo4j_in_flight", "Neo4j calls in progress (pool in use)")
READ_CACHE_REQUESTS = Counter(
    "kgapi_read_cache_requests_total",
    "GraphQL requests by read cache outcome (hit, miss, bypass, off)",
    ["result"],
)
READ_CACHE_BYTES = Gauge("kgapi_read_cache_bytes", "Bytes of answers held by the read cache")
_ROUTES = ("/graphql", "/health", "/ready", "/metrics", "/explorer", "/export", "/graphiql")


def current_request_id() -> str | None:
    return _request_id.get()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: easy to ship and to search by request id."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for key in ("method", "path", "status", "duration_ms", "code"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str, fmt: str) -> None:
    """Route kgapi's and strawberry's logs to stderr, as JSON unless asked for text."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    for name in ("kgapi", "strawberry"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level.upper())
        logger.propagate = False


def _route(path: str) -> str:
    for route in _ROUTES:
        if path == route or path.startswith(route + "/"):
            return route
    return "other"  # bounded label values, whatever paths clients try


CLIENT_CLOSED_REQUEST = 499  # nginx's status for a request its client abandoned


class RequestContextMiddleware:
    """Gives every request an id (X-Request-ID in and out), an access log line and metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.logger = logging.getLogger("kgapi.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = (
            dict(scope.get("headers") or []).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        )
        request_id = (
            given
            if given and len(given) <= MAX_REQUEST_ID_LENGTH and given.isprintable()
            else uuid.uuid4().hex
        )
        token = _request_id.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() != REQUEST_ID_HEADER.encode()
                ]
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:
            # The client went away before its request was read in full (it gave up, or a
            # slow client was cut off): nobody is left to answer, and it is not a server
            # fault, so no traceback. Logged as nginx's 499 ("client closed request").
            status = CLIENT_CLOSED_REQUEST
        finally:
            if scope["type"] == "http":
                elapsed = time.perf_counter() - started
                route = _route(scope.get("path", ""))
                REQUESTS.labels(scope.get("method", ""), route, str(status)).inc()
                LATENCY.labels(route).observe(elapsed)
                self.logger.info(
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                    },
                )
            _request_id.reset(token)


class BodySizeLimitMiddleware:
    """Refuses bodies over the limit with 413 before they are parsed (or fully received).

    The rest of the body is read and thrown away (up to `max_discard_bytes`) before the 413
    goes out: a server that answers and closes while the client is still sending leaves
    unread bytes in its socket, and the kernel then resets the connection, so the client
    (Python's urllib, curl, a browser) reads a reset instead of the 413. A body larger than
    that bound is not read: the answer is sent and the connection closed, reset or not."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_discard_bytes: int = 32_000_000) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_discard_bytes = max_discard_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            if int(declared) <= self.max_discard_bytes:
                await self._discard(receive, 0)
            await self._refuse(send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._discard(receive, received)
            await self._refuse(send)

    async def _discard(self, receive: Receive, received: int) -> None:
        """Read what is left of the body, keeping none of it, up to the discard bound."""
        while received <= self.max_discard_bytes:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            received += len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {
                "errors": [
                    {
                        "message": f"The request body is larger than {self.max_bytes} bytes.",
                        "extensions": {"code": "PAYLOAD_TOO_LARGE", "maximum": self.max_bytes},
                    }
                ]
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


async def metrics_endpoint(_: Request) -> Response:
    """Prometheus text format for this process."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
