"""Closing clients that send a request too slowly (slowloris), in uvicorn's HTTP protocol.

uvicorn 0.54 bounds only the idle time between requests (`--timeout-keep-alive`): a
connection that trickles its headers one byte at a time, or never finishes its body, stays
open for ever, and enough of them exhaust the server's sockets. An ASGI app cannot help: it is
called once the headers are complete. So this subclass of uvicorn's httptools protocol gives
every request a deadline, KGAPI_REQUEST_READ_TIMEOUT seconds (30), from its first byte (or
from the connection's opening) to its last body byte. Past it, a request whose headers are
incomplete gets `408 Request Timeout`; one whose body is incomplete is cut off (the app reads
a disconnect). Either way the connection is closed.

`kgapi serve` uses it; by hand::

    uvicorn kgapi.app:create_app --factory --http kgapi.slow_clients:ReadTimeoutProtocol

A reverse proxy in front (nginx's `client_header_timeout` and `client_body_timeout`, see
README) does the same before a request reaches Python at all.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from kgapi.config import get_settings

__all__ = ["PROTOCOL", "ReadTimeoutProtocol"]

PROTOCOL = "kgapi.slow_clients:ReadTimeoutProtocol"  # uvicorn's `http` option
REQUEST_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\ncontent-length: 23\r\n"
    b"connection: close\r\n\r\nRequest read timed out\n"
)


class ReadTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline on reading each request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read_timeout = get_settings().request_read_timeout
        self._deadline: asyncio.TimerHandle | None = None
        self._headers_complete = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()  # the first request's clock starts with the connection

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._headers_complete = False
        if self._deadline is None:
            self._arm()

    def on_headers_complete(self) -> None:
        self._headers_complete = True
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()  # the whole request arrived; answering it has its own limits
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self._disarm()  # the connection now belongs to the WebSocket protocol
        super().handle_websocket_upgrade()

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.read_timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _timed_out(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if not self._headers_complete:
            self.transport.write(REQUEST_TIMEOUT_RESPONSE)
        self.transport.close()
