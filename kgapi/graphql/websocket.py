"""graphql-transport-ws with kgapi's admission: credentials in `connection_init`.

Browsers cannot set headers on a WebSocket handshake, so graphql-ws clients send their
credential in the `connection_init` payload instead:

    createClient({ url, connectionParams: { authorization: "Bearer <API key or JWT>" } })

The payload is checked with the same `authenticate` as the HTTP Authorization header (which,
sent on the handshake, still counts when the payload has none). A connection is refused at
`connection_init`, before any subscription exists, with close code 4403 (the protocol's code for
a refused connection) and a reason naming the problem: an invalid credential always, no
credential when anonymous reads are off. Strawberry's own handler does the rest of the protocol.
"""

from __future__ import annotations

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage

from kgapi.auth import AuthenticationFailed
from kgapi.authenticate import authenticate
from kgapi.db import DatabaseUnavailable
from kgapi.graphql.context import Context

__all__ = ["FORBIDDEN", "TRY_AGAIN_LATER", "AdmittingHandler", "admit"]

FORBIDDEN = 4403  # graphql-transport-ws: the server refused connection_init
TRY_AGAIN_LATER = 1013  # RFC 6455 registry; graphql-ws clients retry it
MAX_REASON_BYTES = 123  # a close frame's reason, in UTF-8 bytes (RFC 6455 5.5)
CREDENTIAL_KEY = "authorization"
ANONYMOUS_REFUSED = (
    'anonymous reads are off: send {"authorization": "Bearer <API key or JWT>"} '
    "as the connection_init payload"
)


async def admit(context: Context, payload: dict[str, object]) -> tuple[int, str] | None:
    """None to accept (with `context.principal` set), else the close code and reason."""
    credential = next((v for k, v in payload.items() if k.lower() == CREDENTIAL_KEY), None)
    if credential is not None:
        if not isinstance(credential, str):
            return FORBIDDEN, "the authorization entry must be a string: Bearer <token>"
        try:
            context.principal = await authenticate(credential, context.settings, context.db)
        except AuthenticationFailed as exc:
            return FORBIDDEN, str(exc)
        except DatabaseUnavailable:
            return TRY_AGAIN_LATER, "the credential could not be checked: Neo4j is unavailable"
        context.auth_error = None  # the payload's credential overrides the handshake's
        context.database_unavailable = False
    if context.database_unavailable:
        return TRY_AGAIN_LATER, "the credential could not be checked: Neo4j is unavailable"
    if context.auth_error is not None:
        return FORBIDDEN, context.auth_error
    if context.principal.anonymous and not context.settings.allow_anonymous_reads:
        return FORBIDDEN, ANONYMOUS_REFUSED
    return None


def _reason(text: str) -> str:
    encoded = text.encode()
    if len(encoded) <= MAX_REASON_BYTES:
        return text
    return encoded[: MAX_REASON_BYTES - 3].decode(errors="ignore") + "..."


class AdmittingHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's handler, admitting a connection only after `admit` accepts it."""

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        payload = message.get("payload", {})
        first = not self.connection_init_received and not self.connection_timed_out
        if first and isinstance(payload, dict):  # anything else: strawberry closes with 4400
            refusal = await admit(self.context, payload)
            if refusal is not None:
                self.connection_init_received = True
                if self.connection_init_timeout_task:
                    self.connection_init_timeout_task.cancel()
                code, reason = refusal
                await self.websocket.close(code=code, reason=_reason(reason))
                return
        await super().handle_connection_init(message)
