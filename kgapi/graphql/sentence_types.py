"""The sentence layer as GraphQL types: a document's sentences and where they name entities.

A researcher reading a claim's evidence wants the whole sentence around the quote, a
document's sentences in order, and every place an entity is named (which documents discuss
it, and how they spell it). Rows come from kgapi.queries.sentences, which the read planner
shares, so both answer alike.
"""

from __future__ import annotations

from typing import Any

import strawberry

from kgapi.graphql.context import Info
from kgapi.graphql.entity_types import Entity, cited_document, entity_from_row
from kgapi.graphql.pagination import (
    PageInfo,
    PageRequest,
    decode_cursor,
    directed,
    encode_cursor,
    page_info,
)
from kgapi.graphql.types import Document
from kgapi.queries.sentences import (
    MentionRow,
    SentenceRow,
    document_mention_page,
    mention_page,
    sentence_page,
)

__all__ = [
    "Mention",
    "MentionConnection",
    "Sentence",
    "SentenceConnection",
    "document_mentions",
    "document_sentences",
    "entity_mentions",
]

SENTENCE_CURSOR = "Sentence"  # [index]
MENTION_CURSOR = "Mention"  # [document, start, end]
DOCUMENT_MENTION_CURSOR = "DocumentMention"  # [start, end, entity slug]


@strawberry.type(
    description="Where a document names an entity: a verbatim span of one of its sentences."
)
class Mention:
    sentence_index: int = strawberry.field(description="The sentence it is in (from 0).")
    start: int = strawberry.field(description="Start offset in the document's text.")
    end: int = strawberry.field(description="End offset (exclusive).")
    surface: str = strawberry.field(description="The name as the text writes it.")
    entity: Entity = strawberry.field(description="The entity it names.")
    document_slug: strawberry.Private[str]

    @strawberry.field(description="The document it is in.")
    async def document(self, info: Info) -> Document:
        return await cited_document(info, self.document_slug)

    @classmethod
    def from_row(cls, row: MentionRow) -> Mention:
        return cls(
            sentence_index=row.sentence_index,
            start=row.start,
            end=row.end,
            surface=row.surface,
            entity=entity_from_row(row.entity),
            document_slug=row.document,
        )


@strawberry.type(
    description="A sentence of a document: its place (code-point offsets into the document's "
    "text), its text, and the entities it names."
)
class Sentence:
    index: int = strawberry.field(description="Its place in the document (from 0).")
    start: int = strawberry.field(description="Start offset in the document's text.")
    end: int = strawberry.field(description="End offset (exclusive).")
    text: str = strawberry.field(description="The sentence, verbatim: `document.text[start:end]`.")
    document_slug: strawberry.Private[str]

    @strawberry.field(description="Where it names known entities, in text order.")
    async def mentions(self, info: Info) -> list[Mention]:
        rows = await info.context.loaders.sentence_mentions.load(
            f"{self.document_slug}#{self.index}"
        )
        return [Mention.from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: SentenceRow) -> Sentence:
        return cls(
            index=row.index,
            start=row.start,
            end=row.end,
            text=row.text,
            document_slug=row.document,
        )


@strawberry.type(description="A sentence in a connection, with its cursor.")
class SentenceEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this edge.")
    node: Sentence = strawberry.field(description="The sentence.")


@strawberry.type(description="A page of a document's sentences, in text order (Relay).")
class SentenceConnection:
    edges: list[SentenceEdge] = strawberry.field(description="The sentences of this page.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")
    total_count: int = strawberry.field(description="Sentences of the document.")


@strawberry.type(description="A mention in a connection, with its cursor.")
class MentionEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this edge.")
    node: Mention = strawberry.field(description="The mention.")


@strawberry.type(
    description="A page of mentions, by document then place in its text (Relay connection)."
)
class MentionConnection:
    edges: list[MentionEdge] = strawberry.field(description="The mentions of this page.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")
    total_count: int = strawberry.field(description="Mentions in every document.")


def sentence_cursor(row: SentenceRow | dict[str, Any]) -> str:
    index = row["index"] if isinstance(row, dict) else row.index
    return encode_cursor(SENTENCE_CURSOR, [index])


def mention_cursor(row: MentionRow | dict[str, Any]) -> str:
    if isinstance(row, dict):
        return encode_cursor(MENTION_CURSOR, [row["document"], row["start"], row["end"]])
    return encode_cursor(MENTION_CURSOR, [row.document, row.start, row.end])


async def document_sentences(info: Info, slug: str, page: PageRequest) -> SentenceConnection:
    key = decode_cursor(SENTENCE_CURSOR, page.cursor, page.argument, shape=(int,))
    rows, total = await sentence_page(
        info.context.db, slug, page.size, int(key[0]) if key else None, page.backward
    )
    shown, has_next, has_previous = directed(rows[: page.size], len(rows) > page.size, page)
    edges = [SentenceEdge(cursor=sentence_cursor(r), node=Sentence.from_row(r)) for r in shown]
    return SentenceConnection(
        edges=edges,
        page_info=page_info([e.cursor for e in edges], has_next, has_previous),
        total_count=total,
    )


def document_mention_cursor(row: MentionRow | dict[str, Any]) -> str:
    if isinstance(row, dict):
        return encode_cursor(
            DOCUMENT_MENTION_CURSOR, [row["start"], row["end"], row["entity"]["slug"]]
        )
    return encode_cursor(DOCUMENT_MENTION_CURSOR, [row.start, row.end, row.entity.slug])


async def document_mentions(info: Info, slug: str, page: PageRequest) -> MentionConnection:
    key = decode_cursor(DOCUMENT_MENTION_CURSOR, page.cursor, page.argument, shape=(int, int, str))
    rows, total = await document_mention_page(info.context.db, slug, page.size, key, page.backward)
    shown, has_next, has_previous = directed(rows[: page.size], len(rows) > page.size, page)
    edges = [
        MentionEdge(cursor=document_mention_cursor(r), node=Mention.from_row(r)) for r in shown
    ]
    return MentionConnection(
        edges=edges,
        page_info=page_info([e.cursor for e in edges], has_next, has_previous),
        total_count=total,
    )


async def entity_mentions(info: Info, slug: str, page: PageRequest) -> MentionConnection:
    key = decode_cursor(MENTION_CURSOR, page.cursor, page.argument, shape=(str, int, int))
    rows, total = await mention_page(info.context.db, slug, page.size, key, page.backward)
    shown, has_next, has_previous = directed(rows[: page.size], len(rows) > page.size, page)
    edges = [MentionEdge(cursor=mention_cursor(r), node=Mention.from_row(r)) for r in shown]
    return MentionConnection(
        edges=edges,
        page_info=page_info([e.cursor for e in edges], has_next, has_previous),
        total_count=total,
    )
