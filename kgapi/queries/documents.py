"""Documents: the verbatim sources and the documents they list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, LiteralString

from kgapi.db import Database

__all__ = [
    "DocumentPage",
    "DocumentRow",
    "document_fields",
    "document_page",
    "document_texts",
    "documents_by_slug",
]


# Everything but the text: a document's text can be large, and most selections (evidence
# `document { slug title }`) never ask for it. `text_loaded: false` tells the GraphQL type to
# fetch the text itself, in one batched query, only when a client selects it.
def document_fields(var: LiteralString) -> LiteralString:
    """A document's metadata as map entries for node variable `var` (no text)."""
    return (
        "slug: " + var + ".slug, title: " + var + ".title, title_en: " + var + ".title_en, "
        "language: " + var + ".language, url: " + var + ".url, "
        "published: " + var + ".published, retrieved: " + var + ".retrieved, "
        "sha256: " + var + ".sha256, listed_only: coalesce(" + var + ".listed_only, false)"
    )


_META = document_fields("d")
_FIELDS = _META + ", text: d.text, text_loaded: true"
_LIGHT_FIELDS = _META + ", text: null, text_loaded: false"


@dataclass(frozen=True, slots=True)
class DocumentRow:
    slug: str
    title: str
    title_en: str | None
    language: str
    text: str | None
    url: str | None
    published: str | None
    retrieved: str | None
    sha256: str | None
    listed_only: bool
    text_loaded: bool = True

    @classmethod
    def from_map(cls, row: dict[str, Any]) -> DocumentRow:
        return cls(**row)


@dataclass(frozen=True, slots=True)
class DocumentPage:
    rows: list[DocumentRow]
    has_next: bool
    total: int


_PAGE: dict[bool, LiteralString] = {
    descending: """
        CALL () { MATCH (d:Document) RETURN count(d) AS total }
        CALL () {
          MATCH (d:Document)
          WHERE d.slug IS NOT NULL AND ($after IS NULL OR d.slug """
    + ("<" if descending else ">")
    + """ $after)
          WITH d ORDER BY d.slug """
    + ("DESC" if descending else "ASC")
    + """ LIMIT $limit
          RETURN collect(d {"""
    + _FIELDS
    + """}) AS rows
        }
        RETURN total, rows
        """
    for descending in (False, True)
}


async def document_page(
    db: Database, first: int, after: str | None, descending: bool = False
) -> DocumentPage:
    """One page ordered by slug, keyset-paginated: the page after `after` costs what page one
    costs; `descending` reads from the end (a backward page, before `after`).

    One round trip: the count comes from the count store (no node collection), the page from the
    slug index, each in its own subquery.
    """
    records = await db.read(_PAGE[descending], {"after": after, "limit": first + 1})
    record = records[0]
    rows = [DocumentRow.from_map(r) for r in record["rows"]]
    return DocumentPage(rows[:first], len(rows) > first, int(record["total"]))


async def documents_by_slug(db: Database, slugs: list[str]) -> dict[str, DocumentRow]:
    """Several documents in one round trip, without their texts (unknown slugs are absent)."""
    records = await db.read(
        "UNWIND $slugs AS slug MATCH (d:Document {slug: slug}) RETURN d {"
        + _LIGHT_FIELDS
        + "} AS row",
        {"slugs": slugs},
    )
    rows = [DocumentRow.from_map(r["row"]) for r in records]
    return {row.slug: row for row in rows}


async def document_texts(db: Database, slugs: list[str]) -> dict[str, str | None]:
    """The verbatim texts of several documents, in one round trip."""
    records = await db.read(
        "UNWIND $slugs AS slug MATCH (d:Document {slug: slug}) RETURN d.slug AS slug, "
        "d.text AS text",
        {"slugs": slugs},
    )
    return {r["slug"]: r["text"] for r in records}
