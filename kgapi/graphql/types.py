"""GraphQL object types. Plain data holders: resolvers fetch through kgapi.queries."""

from __future__ import annotations

import strawberry

from kgapi.graphql.context import Info
from kgapi.graphql.ids import to_global_id
from kgapi.graphql.pagination import PageInfo
from kgapi.queries.documents import DocumentRow

__all__ = ["Count", "Document", "DocumentConnection", "DocumentEdge", "Node"]


@strawberry.type(description="A count under a key.")
class Count:
    key: str = strawberry.field(description="The kind, predicate or status.")
    count: int = strawberry.field(description="How many.")


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
    language: str = strawberry.field(description="ISO 639-1 code of the text, e.g. `bn`.")
    url: str | None = strawberry.field(description="Where the document was published, if known.")
    published: str | None = strawberry.field(description="Publication date, if known.")
    retrieved: str | None = strawberry.field(description="When the text was retrieved, if known.")
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

    @classmethod
    def from_row(cls, row: DocumentRow) -> Document:
        return cls(
            id=strawberry.ID(to_global_id("Document", row.slug)),
            slug=row.slug,
            title=row.title,
            title_en=row.title_en,
            language=row.language,
            loaded_text=row.text,
            text_loaded=row.text_loaded,
            url=row.url,
            published=row.published,
            retrieved=row.retrieved,
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
