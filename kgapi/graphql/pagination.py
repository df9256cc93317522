"""Relay pagination with keyset cursors.

A cursor is the sort key of the last row a client saw, not an offset: the next page starts
strictly after that key, so a deep page costs what the first costs and stays correct while rows
are inserted before it. Backward (`last`/`before`) is the same keyset read in the opposite
order from the `before` key, its rows put back in the list's order: as cheap as forward.
Cursors are opaque to clients (base64 of a small JSON array), which
also means clients can forge them: a decoded cursor is checked against the shape of its list's
key (types, int64 range) before any of it reaches Cypher, so a tampered one is BAD_USER_INPUT.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import orjson
import strawberry

from kgapi.graphql.errors import BadUserInput

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_CURSOR_LENGTH",
    "AfterArgument",
    "BeforeArgument",
    "FirstArgument",
    "LastArgument",
    "PageInfo",
    "PageRequest",
    "check_first",
    "decode_cursor",
    "directed",
    "encode_cursor",
    "page_info",
    "page_of",
    "page_request",
]

DEFAULT_PAGE_SIZE = 10
T = TypeVar("T")

# The paging arguments of a connection field, with the same descriptions everywhere.
FirstArgument = Annotated[
    int | None,
    strawberry.argument(description="Page size forward (10 when neither `first` nor `last`)."),
]
AfterArgument = Annotated[str | None, strawberry.argument(description="Continue after this.")]
LastArgument = Annotated[
    int | None,
    strawberry.argument(description="Page size backward: the last rows before `before`."),
]
BeforeArgument = Annotated[
    str | None, strawberry.argument(description="Continue before this (backward).")
]

MAX_CURSOR_LENGTH = 2048  # characters; the cursors kgapi issues are a few dozen
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # what Neo4j's integers hold


@strawberry.type(description="Where a page sits in its connection (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Items precede this page: paging backward, whether more came before it; "
        "paging forward, true when the page was requested with `after`."
    )
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge.")
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last edge; pass it as `after` for the next page (and "
        "`startCursor` as `before` for the previous one)."
    )


@dataclass(frozen=True, slots=True)
class PageRequest:
    """One connection's paging arguments, checked: a page of `size` rows forward after the
    `cursor`, or backward before it (the query reads the list in the opposite order)."""

    size: int
    backward: bool
    cursor: str | None  # `after` (forward) or `before` (backward), as the client sent it

    @property
    def argument(self) -> str:
        return "before" if self.backward else "after"


def page_request(
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    maximum: int,
) -> PageRequest:
    """Forward with `first`/`after` (10 rows when neither size is given), or backward with
    `last`/`before`; mixing the two directions is refused rather than guessed at."""
    if last is not None or before is not None:
        if first is not None or after is not None:
            raise BadUserInput(
                "page forward with `first`/`after` or backward with `last`/`before`, not both",
                argument="last" if last is not None else "before",
            )
        size = check_first(last if last is not None else DEFAULT_PAGE_SIZE, maximum, "last")
        return PageRequest(size, True, before)
    size = check_first(first if first is not None else DEFAULT_PAGE_SIZE, maximum, "first")
    return PageRequest(size, False, after)


def page_of(rows: list[T], request: PageRequest) -> tuple[list[T], bool, bool]:
    """The page among `size + 1` rows read in the request's direction, in the list's order,
    with (hasNextPage, hasPreviousPage)."""
    return directed(rows[: request.size], len(rows) > request.size, request)


def directed(page: list[T], more: bool, request: PageRequest) -> tuple[list[T], bool, bool]:
    """A page read in the request's direction, `more` rows beyond it, in the list's order with
    (hasNextPage, hasPreviousPage)."""
    given = request.cursor is not None
    if request.backward:
        return page[::-1], given, more
    return page, more, given


def encode_cursor(kind: str, key: list[Any]) -> str:
    raw = json.dumps([kind, *key], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(
    kind: str,
    cursor: str | None,
    argument: str = "after",
    shape: tuple[type, ...] | None = None,
) -> list[Any] | None:
    """The sort key inside a cursor; a cursor from another list, or one whose key does not
    have `shape` (the type of each part), is a BAD_USER_INPUT."""
    if cursor is None:
        return None
    not_ours = BadUserInput(f"`{argument}` is not a cursor this API issued", argument=argument)
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise not_ours
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        # orjson: strict UTF-8, no lone surrogates, a bounded depth (json.loads recurses)
        value = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError):  # UnicodeError and JSONDecodeError are ValueErrors
        raise not_ours from None
    if not isinstance(value, list) or not value or value[0] != kind:
        raise BadUserInput(f"`{argument}` is a cursor for another list", argument=argument)
    key = value[1:]
    if shape is not None and not _has_shape(key, shape):
        raise not_ours
    return key


def _has_shape(key: list[Any], shape: tuple[type, ...]) -> bool:
    if len(key) != len(shape):
        return False
    for part, wanted in zip(key, shape, strict=True):
        if type(part) is not wanted:  # exact: a bool is not an int here
            return False
        if isinstance(part, int) and not INT64_MIN <= part <= INT64_MAX:
            return False
    return True


def check_first(first: int, maximum: int, argument: str = "first") -> int:
    if first < 0 or first > maximum:
        raise BadUserInput(
            f"`{argument}` must be between 0 and {maximum} (got {first})",
            argument=argument,
            maximum=maximum,
        )
    return first


def page_info(cursors: list[str], has_next: bool, has_previous: bool) -> PageInfo:
    return PageInfo(
        has_next_page=has_next,
        has_previous_page=has_previous,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )
