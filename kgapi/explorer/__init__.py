"""The researchers' graph explorer at /explorer: one HTML page, its ES modules and cytoscape.js.

Everything the page needs is served from this package, so the explorer works offline (no CDN).
It talks to kgapi only through the public POST /graphql, like any other client: the page adds no
server-side endpoints, and so it can never show what the API would not.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

__all__ = ["CONTENT_SECURITY_POLICY", "STATIC_DIR", "routes"]

STATIC_DIR = Path(__file__).parent / "static"

# Same-origin only: a stray CDN reference fails loudly in development instead of silently
# working online and breaking offline; and no inline script, so data can never become code.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'none'"
)


async def explorer_page(_: Request) -> Response:
    """The single page; its state lives in the URL fragment, so every view is this response."""
    return FileResponse(
        STATIC_DIR / "index.html",
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            # The page is tiny and changes with the code; revalidating keeps assets in step.
            "Cache-Control": "no-cache",
        },
    )


routes: list[BaseRoute] = [
    Route("/explorer", explorer_page, methods=["GET", "HEAD"], name="explorer"),
    Mount(
        "/explorer/static",
        app=StaticFiles(directory=STATIC_DIR, follow_symlink=False),
        name="explorer-static",
    ),
]
