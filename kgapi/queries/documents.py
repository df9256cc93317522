"""Documents: the verbatim sources and the documents they list."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, LiteralString

from kgapi.db import Database
from kgapi.queries.entities import Params, StringFilter, keyset_beyond, string_conditions

__all__ = [
    "DocumentFilter",
    "DocumentListParts",
    "DocumentPage",
    "DocumentRow",
    "DocumentSort",
    "document_fields",
    "document_list_parts",
    "document_page",
    "document_texts",
    "document_total",
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
    sort_values: list[Any]  # each row's sort value, for its cursor


class DocumentSort(StrEnum):
    """What documents can be sorted by; ties are broken by slug."""

    SLUG = "SLUG"
    TITLE = "TITLE"  # the title in the document's language, any case
    PUBLISHED = "PUBLISHED"  # the publication date; unknown dates sort before every known one


_SORT_VALUES: dict[DocumentSort, LiteralString] = {
    DocumentSort.SLUG: "d.slug",
    DocumentSort.TITLE: "toLower(d.title)",
    DocumentSort.PUBLISHED: "coalesce(d.published, '')",  # YYYY-MM-DD strings sort as dates
}


@dataclass(frozen=True, slots=True)
class DocumentFilter:
    """Conditions on documents; all given ones must hold."""

    slug: StringFilter | None = None
    title: StringFilter | None = None  # the title or its English rendering
    languages: list[str] | None = None
    listed_only: bool | None = None
    mentions: str | None = None  # an entity slug its sentences name or cite claims about


@dataclass(frozen=True, slots=True)
class DocumentListParts:
    """The clauses of a documents list: `scan` binds each matching `d`; `page` then keeps one
    keyset page of them as `d` with `sort_value`, ordered and limited."""

    scan: LiteralString
    filtered: bool  # a filter was given: the total counts the scan, not the count store
    page: LiteralString


def document_list_parts(
    params: Params,
    *,
    where: DocumentFilter | None,
    sort: DocumentSort,
    descending: bool,
    after: list[Any] | None,
    limit: int,
) -> DocumentListParts:
    """Shared by the resolver and the read planner, so that both read the same page."""
    conditions: list[LiteralString] = ["d.slug IS NOT NULL"]
    if where is not None:
        if where.slug is not None:
            conditions += string_conditions(["d.slug"], where.slug, params)
        if where.title is not None:
            conditions += string_conditions(["d.title", "d.title_en"], where.title, params)
        if where.languages is not None:
            conditions.append("d.language IN " + params.add(where.languages))
        if where.listed_only is not None:
            conditions.append("coalesce(d.listed_only, false) = " + params.add(where.listed_only))
        if where.mentions is not None:
            entity = params.add(where.mentions)
            conditions.append(
                "EXISTS { MATCH (d)<-[:PART_OF]-(s:Sentence) WHERE "
                "EXISTS { (s)-[:MENTIONS]->(:Entity {slug: " + entity + "}) } OR "
                "EXISTS { MATCH (s)<-[:SUPPORTED_BY]-(c:Claim)-[:SUBJECT|OBJECT]->"
                "(:Entity {slug: " + entity + "}) WHERE c.status <> 'retracted' } }"
            )
    scan: LiteralString = "MATCH (d:Document) WHERE " + " AND ".join(conditions) + " "
    compare: LiteralString = "<" if descending else ">"
    order: LiteralString = "DESC" if descending else "ASC"
    keyset: LiteralString = "true"
    if after is not None:
        value, slug = params.add(after[0]), params.add(after[1])
        keyset = keyset_beyond("d", compare, value, slug)
    page: LiteralString = (
        scan
        + "WITH d, "
        + _SORT_VALUES[sort]
        + " AS sort_value WHERE "
        + keyset
        + " ORDER BY sort_value "
        + order
        + ", d.slug "
        + order
        + " LIMIT "
        + params.add(limit)
        + " "
    )
    return DocumentListParts(scan, where is not None, page)


def document_total(parts: DocumentListParts) -> LiteralString:
    """`... RETURN count(d)` (the caller names the column): the count store when unfiltered."""
    if not parts.filtered:
        return "MATCH (d:Document) RETURN count(d)"
    return parts.scan + "RETURN count(d)"


async def document_page(
    db: Database,
    first: int,
    after: list[Any] | None,
    descending: bool = False,
    where: DocumentFilter | None = None,
    sort: DocumentSort = DocumentSort.SLUG,
) -> DocumentPage:
    """One keyset page of documents in `sort` order (`descending` for a backward page too),
    rows strictly beyond the (sort value, slug) pair `after`, with the total matching.

    One round trip: an unfiltered count comes from the count store, each part in its own
    subquery.
    """
    params = Params()
    parts = document_list_parts(
        params, where=where, sort=sort, descending=descending, after=after, limit=first + 1
    )
    records = await db.read(
        "CALL () { " + document_total(parts) + " AS total } "
        "CALL () { " + parts.page + "RETURN collect({row: {" + _FIELDS + "}, "
        "sort_value: sort_value}) AS rows } RETURN total, rows",
        params.values,
    )
    record = records[0]
    rows = [DocumentRow.from_map(r["row"]) for r in record["rows"]]
    values = [r["sort_value"] for r in record["rows"]]
    return DocumentPage(rows[:first], len(rows) > first, int(record["total"]), values[:first])


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
