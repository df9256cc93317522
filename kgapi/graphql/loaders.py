"""Per-request DataLoaders: every field of one kind at one depth becomes one Cypher round trip.

A page of 100 agreements asking for `parties` costs one query for the page and one for all the
parties, never 101. Loaders live in the request's context and die with it, so nothing is cached
across requests (and nothing can go stale after a write).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from kgapi.db import Database
from kgapi.queries.documents import DocumentRow, document_texts, documents_by_slug
from kgapi.queries.entities import EntityRow, entities_by_slug
from kgapi.queries.relations import (
    RelationPage,
    RelationRequest,
    RelationRow,
    related_entities,
    relation_pages,
)
from kgapi.queries.sentences import (
    MentionRow,
    SentenceRow,
    mentions_by_sentence,
    sentences_by_key,
)
from kgapi.queries.writes import claim_histories

__all__ = ["Loaders", "RelatedKey"]

RelatedKey = tuple[str, str, str]  # (entity slug, predicate, OUT|IN)


@dataclass
class Loaders:
    db: Database
    documents: DataLoader[str, DocumentRow | None] = field(init=False)
    texts: DataLoader[str, str | None] = field(init=False)
    entities: DataLoader[str, EntityRow | None] = field(init=False)
    relations: DataLoader[RelationRequest, RelationPage] = field(init=False)
    related: DataLoader[RelatedKey, list[tuple[RelationRow, EntityRow]]] = field(init=False)
    history: DataLoader[str, list[dict[str, Any]]] = field(init=False)
    sentences: DataLoader[str, SentenceRow | None] = field(init=False)  # by sentence key
    sentence_mentions: DataLoader[str, list[MentionRow]] = field(init=False)

    def __post_init__(self) -> None:
        db = self.db

        async def load_documents(slugs: list[str]) -> list[DocumentRow | None]:
            found = await documents_by_slug(db, list(slugs))
            return [found.get(slug) for slug in slugs]

        async def load_entities(slugs: list[str]) -> list[EntityRow | None]:
            found = await entities_by_slug(db, list(slugs))
            return [found.get(slug) for slug in slugs]

        async def load_relations(requests: list[RelationRequest]) -> list[RelationPage]:
            return await relation_pages(db, list(requests))

        async def load_related(keys: list[RelatedKey]) -> list[list[tuple[RelationRow, EntityRow]]]:
            return await related_entities(db, list(keys))

        async def load_history(claim_ids: list[str]) -> list[list[dict[str, Any]]]:
            return await claim_histories(db, list(claim_ids))

        self.history = DataLoader(load_fn=load_history)

        async def load_sentences(keys: list[str]) -> list[SentenceRow | None]:
            found = await sentences_by_key(db, list(keys))
            return [found.get(key) for key in keys]

        async def load_sentence_mentions(keys: list[str]) -> list[list[MentionRow]]:
            found = await mentions_by_sentence(db, list(keys))
            return [found.get(key, []) for key in keys]

        self.sentences = DataLoader(load_fn=load_sentences)
        self.sentence_mentions = DataLoader(load_fn=load_sentence_mentions)

        async def load_texts(slugs: list[str]) -> list[str | None]:
            found = await document_texts(db, list(slugs))
            return [found.get(slug) for slug in slugs]

        self.documents = DataLoader(load_fn=load_documents)
        self.texts = DataLoader(load_fn=load_texts)
        self.entities = DataLoader(load_fn=load_entities)
        self.relations = DataLoader(load_fn=load_relations)
        self.related = DataLoader(load_fn=load_related)
