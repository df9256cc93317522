"""GraphiQL at GET /graphql in a browser, from assets this package serves (no CDN).

Strawberry's own GraphiQL page loads React and GraphiQL from unpkg, so offline it is a blank
page. This one loads the UMD builds vendored under static/vendor/ (graphiql 3.x: the last line
whose UMD build is not deprecated; 4.x marks it deprecated and 5.x ships ES modules only,
which need an import map of some thirty modules), under a same-origin Content-Security-Policy.

The page is a client of the public /graphql like any other: HTTP POST for queries and
mutations, graphql-transport-ws on the same path for subscriptions.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

__all__ = ["STATIC_DIR", "content_security_policy", "graphiql_page", "routes"]

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/graphiql/static"

# A Host header that is a plain host[:port] (a name, IPv4 or [IPv6]); anything else is left out
# of the policy rather than copied into a response header.
_PLAIN_HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")

# Same-origin only, and no inline script, so data can never become code. Inline styles are
# allowed (styles only): GraphiQL's dialogs (Radix) lock scrolling with a <style> element whose
# text depends on the scrollbar width, so no hash can name it. The stylesheet embeds its fonts
# and icons as data: URIs.
_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src {connect}; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
)


def content_security_policy(host: str | None) -> str:
    """The page's policy; connect-src names the WebSocket origins of `host` explicitly,
    because not every browser lets 'self' cover ws: and wss:."""
    connect = "'self'"
    if host and _PLAIN_HOST.fullmatch(host):
        connect += f" ws://{host} wss://{host}"
    return _POLICY.format(connect=connect)


def graphiql_page(request: Request) -> Response:
    """The single page; GraphiQL keeps its tabs and editors in the browser's localStorage."""
    return FileResponse(
        STATIC_DIR / "index.html",
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": content_security_policy(request.headers.get("host")),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-cache",
        },
    )


routes: list[BaseRoute] = [
    Mount(
        STATIC_PATH,
        app=StaticFiles(directory=STATIC_DIR, follow_symlink=False),
        name="graphiql-static",
    ),
]
