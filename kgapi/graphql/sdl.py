"""The GraphQL SDL as clients see it: schema/schema.graphql is exactly this text."""

from __future__ import annotations

from pathlib import Path

from kgapi.config import Settings
from kgapi.graphql.schema import build_schema

__all__ = ["SDL_FILE", "export_sdl"]

SDL_FILE = Path(__file__).resolve().parents[2] / "schema" / "schema.graphql"


def export_sdl(settings: Settings) -> str:
    return build_schema(settings).as_str().rstrip("\n") + "\n"
