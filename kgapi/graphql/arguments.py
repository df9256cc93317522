"""Argument rules shared by the resolvers and the one-statement read path (kgapi.graphql.compiler).

Both paths must accept, bound and translate arguments alike, so the rules live here once: page
sizes, ranges, cursors, filters and sorts of entity lists, and which root lists fix a kind.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from kgapi import model
from kgapi.graphql.errors import BadUserInput
from kgapi.graphql.inputs import (
    DocumentOrder,
    DocumentWhere,
    EntityOrder,
    document_sort_of,
    sort_of,
    to_document_filter,
    to_filter,
)
from kgapi.graphql.pagination import PageRequest, decode_cursor
from kgapi.queries.documents import DocumentFilter, DocumentSort
from kgapi.queries.entities import EntityFilter, SortField

__all__ = [
    "KIND_LISTS",
    "MAX_SEARCH_TEXT",
    "MINISTERS",
    "DocumentListArgs",
    "EntityListArgs",
    "SearchArgs",
    "check_range",
    "check_search_text",
    "document_list_args",
    "entity_list_args",
    "search_args",
]

MAX_SEARCH_TEXT = 200

# Root lists of one kind: field name -> kind (the Query type declares one field per entry,
# typed by the kind: `agreements: AgreementConnection!`).
KIND_LISTS: dict[str, model.EntityKind] = {
    "countries": model.EntityKind.COUNTRY,
    "cities": model.EntityKind.CITY,
    "regions": model.EntityKind.REGION,
    "people": model.EntityKind.PERSON,
    "offices": model.EntityKind.OFFICE,
    "ministries": model.EntityKind.MINISTRY,
    "associations": model.EntityKind.ASSOCIATION,
    "agreements": model.EntityKind.AGREEMENT,
    "corridors": model.EntityKind.CORRIDOR,
    "commodities": model.EntityKind.COMMODITY,
    "sectors": model.EntityKind.SECTOR,
    "capabilities": model.EntityKind.CAPABILITY,
    "events": model.EntityKind.EVENT,
    "initiatives": model.EntityKind.INITIATIVE,
    "goals": model.EntityKind.GOAL,
}

# `ministers`: people who hold an office that heads a ministry.
MINISTERS = EntityFilter(ministerial=True)


@dataclass(frozen=True, slots=True)
class EntityListArgs:
    """An entity list's arguments, checked and translated for kgapi.queries.entities."""

    kind: model.EntityKind | None
    where: EntityFilter | None
    sort: SortField
    descending: bool  # the order the page is read in: the list's, reversed paging backward
    first: int  # rows wanted (the page size, forward or backward)
    page: PageRequest
    after_key: list[Any] | None  # (sort value, slug) in the cursor: read strictly beyond it
    cursor_kind: str  # cursors of this list name its order: a cursor of another is refused


def entity_list_args(
    *,
    kind: model.EntityKind | None,
    where: Any,
    order_by: EntityOrder | None,
    page: PageRequest,
    extra: EntityFilter | None = None,
) -> EntityListArgs:
    sort, descending = sort_of(order_by)
    cursor_kind = f"Entity:{sort.value}:{'DESC' if descending else 'ASC'}"
    sort_type = int if sort is SortField.RELATION_COUNT else str
    key = decode_cursor(cursor_kind, page.cursor, page.argument, shape=(sort_type, str))
    compiled = to_filter(where, kind=kind) if where is not None else None
    if extra is not None:
        compiled = dataclasses.replace(extra, and_=[compiled]) if compiled else extra
    read_descending = descending != page.backward
    return EntityListArgs(kind, compiled, sort, read_descending, page.size, page, key, cursor_kind)


@dataclass(frozen=True, slots=True)
class SearchArgs:
    """An entity search's arguments, checked: the keyset beyond which its page starts."""

    text: str
    kinds: list[model.EntityKind] | None
    page: PageRequest
    after: tuple[float, str] | None  # (score, slug) in the cursor
    cursor_kind: str  # names the search: a cursor of another search is refused


def search_args(text: str, kinds: list[Any] | None, page: PageRequest) -> SearchArgs:
    check_search_text(text)
    chosen = [model.EntityKind(k) for k in kinds] if kinds else None
    # Scores rank hits within one search only, so a cursor names the search it came from.
    asked = json.dumps([" ".join(text.split()).lower(), sorted(k.value for k in chosen or [])])
    cursor_kind = "Search:" + hashlib.sha256(asked.encode()).hexdigest()[:16]
    key = decode_cursor(cursor_kind, page.cursor, page.argument, shape=(float, str))
    after = (float(key[0]), str(key[1])) if key else None
    return SearchArgs(text, chosen, page, after, cursor_kind)


@dataclass(frozen=True, slots=True)
class DocumentListArgs:
    """A documents list's arguments, checked and translated for kgapi.queries.documents."""

    where: DocumentFilter | None
    sort: DocumentSort
    descending: bool  # the order the page is read in: the list's, reversed paging backward
    page: PageRequest
    after_key: list[Any] | None  # (sort value, slug) in the cursor
    cursor_kind: str


def document_list_args(
    *, where: DocumentWhere | None, order_by: DocumentOrder | None, page: PageRequest
) -> DocumentListArgs:
    sort, descending = document_sort_of(order_by)
    cursor_kind = f"Document:{sort.value}:{'DESC' if descending else 'ASC'}"
    key = decode_cursor(cursor_kind, page.cursor, page.argument, shape=(str, str))
    compiled = to_document_filter(where) if where is not None else None
    return DocumentListArgs(compiled, sort, descending != page.backward, page, key, cursor_kind)


def check_range(value: int, low: int, high: int, argument: str) -> int:
    if not low <= value <= high:
        raise BadUserInput(
            f"`{argument}` must be between {low} and {high} (got {value})",
            argument=argument,
            maximum=high,
        )
    return value


def check_search_text(text: str) -> str:
    if len(text) > MAX_SEARCH_TEXT:
        raise BadUserInput(
            f"`text` must be at most {MAX_SEARCH_TEXT} characters",
            argument="text",
            maximum=MAX_SEARCH_TEXT,
        )
    return text
