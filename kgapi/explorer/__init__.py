"""The researchers' graph explorer at /explorer (filled in by the explorer work)."""

from __future__ import annotations

from starlette.routing import BaseRoute

__all__ = ["routes"]

routes: list[BaseRoute] = []
