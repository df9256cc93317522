"""GraphQL object types. Plain data holders: resolvers fetch through kgapi.queries."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry

from kgapi import model
from kgapi.graphql.context import Info
from kgapi.graphql.enums import ClaimStatus, EntityKind, Predicate
from kgapi.graphql.ids import to_global_id
from kgapi.graphql.pagination import (
    AfterArgument,
    BeforeArgument,
    FirstArgument,
    LastArgument,
    PageInfo,
    page_request,
)
from kgapi.graphql.scalars import LanguageTag
from kgapi.queries.documents import DocumentRow

if TYPE_CHECKING:
    from kgapi.graphql.sentence_types import MentionConnection, SentenceConnection

__all__ = [
    "Document",
    "DocumentConnection",
    "DocumentEdge",
    "KindCount",
    "Node",
    "PredicateCount",
    "StatusCount",
]

_USE_ENUM = "Use the typed field next to it (an enum, in the schema's one casing)."


@strawberry.type(description="How many entities of one kind.")
class KindCount:
    kind: EntityKind = strawberry.field(description="The kind.")
    count: int = strawberry.field(description="How many.")

    @strawberry.field(description="The kind's label, e.g. `Country`.", deprecation_reason=_USE_ENUM)
    def key(self) -> str:
        return model.EntityKind(self.kind).value


@strawberry.type(description="How many claims (or relations) of one predicate.")
class PredicateCount:
    predicate: Predicate = strawberry.field(description="The predicate.")
    count: int = strawberry.field(description="How many.")

    @strawberry.field(description="The predicate, e.g. `PARTY_TO`.", deprecation_reason=_USE_ENUM)
    def key(self) -> str:
        return model.Predicate(self.predicate).value


@strawberry.type(description="How many claims of one status.")
class StatusCount:
    status: ClaimStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="How many.")

    @strawberry.field(
        description="The status as stored, e.g. `in_progress`.", deprecation_reason=_USE_ENUM
    )
    def key(self) -> str:
        return model.Status(self.status).value


@strawberry.interface(description="An object with a stable global id (Relay).")
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global id; resolve it with `node`.")


@strawberry.type(
    description="A source document, stored verbatim. Evidence offsets count Unicode code "
    "points into `text`. Documents the article only lists as sources have no text."
)
class Document(Node):
    slug: str = strawberry.field(description="Stable key, e.g. `pk-kz-economic-ties-2025`.")
    title: str = strawberry.field(description="Title in the document's own language.")
    title_en: str | None = strawberry.field(description="English rendering of the title.")
    language: LanguageTag = strawberry.field(description="The language of the text, e.g. `bn`.")
    url: str | None = strawberry.field(description="Where the document was published, if known.")
    published: date | None = strawberry.field(
        description="Publication date, if known (unknown stays null: kgapi never guesses one)."
    )
    retrieved: date | None = strawberry.field(description="When the text was retrieved, if known.")
    sha256: str | None = strawberry.field(description="SHA-256 of the verbatim file.")
    listed_only: bool = strawberry.field(
        description="True for documents another document lists as a source without quoting."
    )
    loaded_text: strawberry.Private[str | None]
    text_loaded: strawberry.Private[bool]

    @strawberry.field(
        description="The verbatim text (null for documents that are only listed as sources)."
    )
    async def text(self, info: Info) -> str | None:
        if self.text_loaded:
            return self.loaded_text
        return await info.context.loaders.texts.load(self.slug)

    @strawberry.field(description="Its sentences, in text order (none for a listed-only one).")
    async def sentences(
        self,
        info: Info,
        first: FirstArgument = None,
        after: AfterArgument = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
    ) -> Annotated[SentenceConnection, strawberry.lazy("kgapi.graphql.sentence_types")]:
        from kgapi.graphql.sentence_types import document_sentences

        page = page_request(first, after, last, before, info.context.settings.max_page_size)
        return await document_sentences(info, self.slug, page)

    @strawberry.field(
        description="Where it names known entities, in text order (then by entity slug)."
    )
    async def mentions(
        self,
        info: Info,
        first: FirstArgument = None,
        after: AfterArgument = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
    ) -> Annotated[MentionConnection, strawberry.lazy("kgapi.graphql.sentence_types")]:
        from kgapi.graphql.sentence_types import document_mentions

        page = page_request(first, after, last, before, info.context.settings.max_page_size)
        return await document_mentions(info, self.slug, page)

    @classmethod
    def from_row(cls, row: DocumentRow) -> Document:
        return cls(
            id=strawberry.ID(to_global_id("Document", row.slug)),
            slug=row.slug,
            title=row.title,
            title_en=row.title_en,
            language=LanguageTag(row.language),
            loaded_text=row.text,
            text_loaded=row.text_loaded,
            url=row.url,
            published=date.fromisoformat(row.published) if row.published else None,
            retrieved=date.fromisoformat(row.retrieved) if row.retrieved else None,
            sha256=row.sha256,
            listed_only=row.listed_only,
        )


@strawberry.type(description="A document in a connection, with its cursor.")
class DocumentEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this edge.")
    node: Document = strawberry.field(description="The document.")


@strawberry.type(description="A page of documents (Relay connection).")
class DocumentConnection:
    edges: list[DocumentEdge] = strawberry.field(description="The documents of this page.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")
    total_count: int = strawberry.field(description="Number of documents in the whole list.")
