"""Rate limits per caller: a moving window per API key or JWT subject, and per client address.

An authenticated caller (key:<id>, jwt:<sub>) has one bucket at its role's rate wherever it
calls from; an anonymous caller, or one whose credential is refused, has one bucket per client
address at the anonymous rate, so guessing keys is limited like anonymous reading. The client
address is the ASGI `client`, which kgapi.app sets from X-Forwarded-For only when the peer is one
of KGAPI_TRUSTED_PROXIES. Buckets are `limits`' moving windows (exact: at most N requests in
any window, no bursts at a window's edge) in its memory storage, or in Redis when
KGAPI_RATE_LIMIT_STORAGE says so, which is how several replicas share one budget.

Usage (kgapi.app adds it after CORS, so that a browser can read the 429)::

    Middleware(RateLimitMiddleware, settings=settings)

What is counted: every HTTP request to /graphql (POST and GET) and /export/*, every WebSocket
connection to /graphql, and every `subscribe` (graphql-transport-ws) or `start` (graphql-ws)
message on it. /health, /ready, /metrics and the explorer's files are never limited. Over the
limit: HTTP 429 with Retry-After (whole seconds) and a GraphQL-style body with
extensions.code RATE_LIMITED; a WebSocket handshake gets the same 429 (where the server supports
the ASGI denial response, else a close before accept, which is a 403); a subscribe message an
`error` message for its id, the connection staying open. `kgapi_rate_limited_total{role,route}`
counts the refusals. When the storage fails (Redis unreachable) requests are let through and a
warning is logged: losing the limit for a while is better than losing the API.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import orjson
from limits import RateLimitItem, parse_many
from limits.aio.storage import MovingWindowSupport, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from neo4j.exceptions import DriverError, Neo4jError
from prometheus_client import Counter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kgapi.auth import AuthenticationFailed, Role
from kgapi.authenticate import authenticate
from kgapi.config import Settings
from kgapi.db import Database, DatabaseUnavailable

__all__ = ["RATE_LIMITED", "Caller", "RateLimitMiddleware", "RateLimiter", "Refusal"]

ANONYMOUS = "anonymous"
NAMESPACE = "kgapi"  # the first part of every storage key, so a shared Redis can hold others
MAX_ADDRESS_LENGTH = 64  # what a trusted proxy forwards is still client-chosen text
LIMITED_PATHS = ("/graphql",)
LIMITED_PREFIXES = ("/export/",)
SUBSCRIBE_TYPES = {"subscribe": "graphql-transport-ws", "start": "graphql-ws"}

RATE_LIMITED = Counter(
    "kgapi_rate_limited_total",
    "Requests refused by the rate limit, by the caller's role (anonymous, reader, editor, "
    "curator, admin) and route (/graphql, /export, subscribe)",
    ["role", "route"],
)

logger = logging.getLogger("kgapi.ratelimit")


@dataclass(frozen=True, slots=True)
class Caller:
    """Whose bucket a request is taken from: `bucket` is key:<id>, jwt:<sub> or addr:<ip>."""

    bucket: str
    role: str  # a Role value, or "anonymous"


@dataclass(frozen=True, slots=True)
class Refusal:
    caller: Caller
    limit: str  # the window that is full, e.g. "120 per 1 minute"
    retry_after: int  # whole seconds, at least 1

    def error(self) -> dict[str, Any]:
        """The GraphQL-style error, the same for HTTP and WebSocket."""
        who = (
            "anonymous callers (per address)"
            if self.caller.role == ANONYMOUS
            else f"{self.caller.bucket} ({self.caller.role})"
        )
        return {
            "message": (
                f"Too many requests: the limit for {who} is {self.limit}; "
                f"retry in {self.retry_after} s."
            ),
            "extensions": {
                "code": "RATE_LIMITED",
                "limit": self.limit,
                "retryAfter": self.retry_after,
            },
        }


class RateLimiter:
    """The buckets: one `limits` moving window per rate item of a caller's role."""

    def __init__(self, settings: Settings) -> None:
        rates = {
            ANONYMOUS: settings.rate_limit_anonymous,
            Role.READER.value: settings.rate_limit_reader,
            Role.EDITOR.value: settings.rate_limit_editor,
            Role.CURATOR.value: settings.rate_limit_curator,
            Role.ADMIN.value: settings.rate_limit_admin,
        }
        self.items: dict[str, list[RateLimitItem]] = {
            role: parse_many(rate) if rate else [] for role, rate in rates.items()
        }
        storage = storage_from_string(
            "async+" + settings.rate_limit_storage, wrap_exceptions=True
        )  # ConfigurationError naming the missing client library for redis:// without it
        assert isinstance(storage, Storage) and isinstance(storage, MovingWindowSupport)
        self.strategy = MovingWindowRateLimiter(storage)

    async def hit(self, caller: Caller) -> Refusal | None:
        """Take one request from the caller's bucket; the refusal when a window is full."""
        full: list[RateLimitItem] = []
        try:
            for item in self.items.get(caller.role, []):
                if not await self.strategy.hit(item, NAMESPACE, caller.bucket):
                    full.append(item)
            if not full:
                return None
            resets = [
                (await self.strategy.get_window_stats(item, NAMESPACE, caller.bucket)).reset_time
                for item in full
            ]
        except StorageError as exc:
            logger.warning("rate limit storage failed, request let through: %s", exc)
            return None
        wait = max(resets) - time.time()
        slowest = max(full, key=lambda item: item.get_expiry())
        return Refusal(caller, str(slowest), max(1, math.ceil(wait)))


class RateLimitMiddleware:
    """Counts /graphql and /export/* requests per caller and refuses those over the limit."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.limiter = RateLimiter(settings) if settings.rate_limit else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.limiter is None or not _limited(scope):
            await self.app(scope, receive, send)
            return
        caller = await self._caller(scope)
        refusal = await self.limiter.hit(caller)
        if refusal is not None:
            route = "/export" if scope["path"].startswith("/export/") else "/graphql"
            RATE_LIMITED.labels(caller.role, route).inc()
            if scope["type"] == "websocket":
                await _deny_handshake(scope, receive, send, refusal)
            else:
                await _send_429(send, refusal)
            return
        if scope["type"] == "websocket":
            receive = self._limit_subscriptions(caller, receive, send)
        await self.app(scope, receive, send)

    async def _caller(self, scope: Scope) -> Caller:
        """The bucket: the verified credential's, else the client address's."""
        header = _header(scope, b"authorization")
        if header:
            db: Database = scope["app"].state.db
            try:
                principal = await authenticate(header, self.settings, db)
            except (AuthenticationFailed, DatabaseUnavailable, DriverError, Neo4jError):
                pass  # the app refuses or reports it; the attempt counts against the address
            else:
                if not principal.anonymous:
                    return Caller(principal.actor, principal.role.value)
        client = scope.get("client")
        address = str(client[0])[:MAX_ADDRESS_LENGTH] if client else "unknown"
        return Caller(f"addr:{address}", ANONYMOUS)

    def _limit_subscriptions(self, caller: Caller, receive: Receive, send: Send) -> Receive:
        """A receive that answers an over-limit subscribe message itself and reads on."""
        limiter = self.limiter
        assert limiter is not None

        async def receive_limited() -> Message:
            while True:
                message = await receive()
                subscription = _subscription(message)
                if subscription is None:
                    return message
                op_id, protocol = subscription
                refusal = await limiter.hit(caller)
                if refusal is None:
                    return message
                RATE_LIMITED.labels(caller.role, "subscribe").inc()
                error = refusal.error()
                payload = [error] if protocol == "graphql-transport-ws" else error
                text = orjson.dumps({"id": op_id, "type": "error", "payload": payload}).decode()
                await send({"type": "websocket.send", "text": text})

        return receive_limited


def _limited(scope: Scope) -> bool:
    if scope["type"] not in ("http", "websocket"):
        return False
    path: str = scope.get("path", "")
    return path in LIMITED_PATHS or path.startswith(LIMITED_PREFIXES)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _subscription(message: Message) -> tuple[str, str] | None:
    """(operation id, protocol) when a WebSocket message starts an operation, else None."""
    if message["type"] != "websocket.receive":
        return None
    text = message.get("text") or message.get("bytes") or ""
    raw = text.encode() if isinstance(text, str) else bytes(text)
    if not any(f'"{kind}"'.encode() in raw for kind in SUBSCRIBE_TYPES):
        return None  # the cheap test first: most messages are not operations
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None  # the protocol handler answers malformed messages itself
    if not isinstance(data, dict) or data.get("type") not in SUBSCRIBE_TYPES:
        return None
    return str(data.get("id", "")), SUBSCRIBE_TYPES[str(data["type"])]


def _headers(refusal: Refusal, body: bytes) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(refusal.retry_after).encode()),
    ]


async def _send_429(send: Send, refusal: Refusal) -> None:
    body = orjson.dumps({"errors": [refusal.error()]})
    await send({"type": "http.response.start", "status": 429, "headers": _headers(refusal, body)})
    await send({"type": "http.response.body", "body": body})


async def _deny_handshake(scope: Scope, receive: Receive, send: Send, refusal: Refusal) -> None:
    """Refuse a WebSocket upgrade with the same 429 where the server can send one."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return  # the client left already
    if "websocket.http.response" not in (scope.get("extensions") or {}):
        await send({"type": "websocket.close", "code": 1008})
        return
    body = orjson.dumps({"errors": [refusal.error()]})
    await send(
        {
            "type": "websocket.http.response.start",
            "status": 429,
            "headers": _headers(refusal, body),
        }
    )
    await send({"type": "websocket.http.response.body", "body": body})
