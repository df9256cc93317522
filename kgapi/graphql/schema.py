"""The root Query and the schema with its limits.

Limits (depth, aliases, tokens, page size) come from settings; parsing and validation results are
cached per process, which is safe because they depend only on the query text.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from kgapi.config import Settings
from kgapi.graphql.context import Info
from kgapi.graphql.errors import ErrorCodes
from kgapi.graphql.ids import from_global_id
from kgapi.graphql.pagination import PageInfo, check_first, decode_cursor, encode_cursor
from kgapi.graphql.types import Document, DocumentConnection, DocumentEdge, Node
from kgapi.queries.documents import document_page, documents_by_slug

__all__ = ["Query", "build_schema"]


@strawberry.type(description="Read the knowledge graph and the documents behind it.")
class Query:
    @strawberry.field(description="Any object by its global id (Relay); null if unknown.")
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
    ) -> Node | None:
        decoded = from_global_id(str(id))
        if decoded is None:
            return None
        type_name, key = decoded
        if type_name == "Document":
            rows = await documents_by_slug(info.context.db, [key])
            return Document.from_row(rows[key]) if key in rows else None
        return None

    @strawberry.field(description="Documents ordered by slug, as a Relay connection.")
    async def documents(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="Page size (1 to the limit).")] = 10,
        after: Annotated[
            str | None, strawberry.argument(description="Cursor of the edge to continue after.")
        ] = None,
    ) -> DocumentConnection:
        check_first(first, info.context.settings.max_page_size)
        key = decode_cursor("Document", after)
        after_slug = str(key[0]) if key else None
        page = await document_page(info.context.db, first, after_slug)
        edges = [
            DocumentEdge(cursor=encode_cursor("Document", [row.slug]), node=Document.from_row(row))
            for row in page.rows
        ]
        return DocumentConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=page.total,
        )


def build_schema(settings: Settings) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        types=[Document],
        extensions=[
            ErrorCodes,
            lambda: QueryDepthLimiter(max_depth=settings.max_depth),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            # Both caches live at module level inside strawberry, shared by every request.
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
        ],
    )
