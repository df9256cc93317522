"""Relay pagination with keyset cursors.

A cursor is the sort key of the last row a client saw, not an offset: the next page starts
strictly after that key, so a deep page costs what the first costs and stays correct while rows
are inserted before it. Cursors are opaque to clients (base64 of a small JSON array).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import strawberry

from kgapi.graphql.errors import BadUserInput

__all__ = ["PageInfo", "check_first", "decode_cursor", "encode_cursor"]


@strawberry.type(description="Where a page sits in its connection (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Items precede this page (true when the page was requested with `after`)."
    )
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge.")
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last edge; pass it as `after` for the next page."
    )


def encode_cursor(kind: str, key: list[Any]) -> str:
    raw = json.dumps([kind, *key], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str | None, argument: str = "after") -> list[Any] | None:
    """The sort key inside a cursor; a cursor from another list is a BAD_USER_INPUT."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadUserInput(
            f"`{argument}` is not a cursor this API issued", argument=argument
        ) from None
    if not isinstance(value, list) or not value or value[0] != kind:
        raise BadUserInput(f"`{argument}` is a cursor for another list", argument=argument)
    return value[1:]


def check_first(first: int, maximum: int, argument: str = "first") -> int:
    if first < 0 or first > maximum:
        raise BadUserInput(
            f"`{argument}` must be between 0 and {maximum} (got {first})",
            argument=argument,
            maximum=maximum,
        )
    return first


def page_info(cursors: list[str], has_next: bool, after: str | None) -> PageInfo:
    """PageInfo of a keyset page: there is a previous page exactly when `after` was given."""
    return PageInfo(
        has_next_page=has_next,
        has_previous_page=after is not None,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )
