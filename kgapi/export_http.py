"""GET /export/{format}: the graph for researchers' tools (filled in by the export work)."""

from __future__ import annotations

from starlette.routing import BaseRoute

__all__ = ["routes"]

routes: list[BaseRoute] = []
