"""The sentence layer under each document: sentences, and the mentions of entities in them.

`(:Sentence {key, document, index, start, end, text})-[:PART_OF]->(:Document)` and
`(:Sentence)-[:MENTIONS {start, end, quote}]->(:Entity)`; offsets count code points of the
document's verbatim text. The read planner (kgapi.queries.selection) and the resolvers share
the map shapes and the page clauses below, so that both list the same rows in the same order:
a document's sentences by index, a sentence's mentions by (start, end, entity), an entity's
mentions by (document, start, end).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, LiteralString

from kgapi.db import Database
from kgapi.queries import trusted
from kgapi.queries.entities import ENTITY_MAP, EntityRow, Params

__all__ = [
    "MentionRow",
    "SentenceRow",
    "document_mention_count",
    "document_mention_page",
    "document_mention_page_clauses",
    "mention_map",
    "mention_page",
    "mention_page_clauses",
    "mentions_by_sentence",
    "sentence_map",
    "sentence_page",
    "sentence_page_clauses",
    "sentences_by_key",
]


def sentence_map(var: LiteralString, extra: LiteralString = "") -> LiteralString:
    """A sentence's map for node variable `var` (its text is one sentence: never large)."""
    return (
        "{document: " + var + ".document, index: " + var + ".index, start: " + var + ".start, "
        "end: " + var + ".end, text: " + var + ".text" + extra + "}"
    )


def mention_map(
    sentence: LiteralString, mention: LiteralString, entity: LiteralString
) -> LiteralString:
    """A mention's own values (the entity and the document are added by the caller)."""
    return (
        "document: " + sentence + ".document, sentence_index: " + sentence + ".index, "
        "start: " + mention + ".start, end: " + mention + ".end, surface: " + mention + ".quote"
    )


def sentence_page_clauses(
    document: LiteralString,
    sentence: LiteralString,
    after: LiteralString | None,
    descending: bool,
    limit: LiteralString,
) -> LiteralString:
    """`MATCH ... ORDER BY ... LIMIT`: one keyset page of a document's sentences, by index
    (descending for a backward page, strictly beyond the index `after`)."""
    return _key_page(
        "MATCH (" + sentence + ":Sentence)-[:PART_OF]->(" + document + ") ",
        sentence,
        [sentence + ".index"],
        "[" + after + "]" if after is not None else None,
        descending,
        limit,
    )


def _beyond(
    terms: list[LiteralString], after: LiteralString, compare: LiteralString
) -> LiteralString:
    """` AND (...)`: the row's key `terms` strictly beyond the list parameter `after`, compared
    term by term (the keyset of a page sorted by those terms)."""
    condition: LiteralString = (
        terms[-1] + " " + compare + " " + after + "[" + trusted(str(len(terms) - 1)) + "]"
    )
    for index in range(len(terms) - 2, -1, -1):
        at: LiteralString = after + "[" + trusted(str(index)) + "]"
        term = terms[index]
        condition = (
            "("
            + term
            + " "
            + compare
            + " "
            + at
            + " OR ("
            + term
            + " = "
            + at
            + " AND "
            + condition
            + "))"
        )
    return " AND " + condition


def _key_page(
    match: LiteralString,
    carried: LiteralString,
    terms: list[LiteralString],
    after: LiteralString | None,
    descending: bool,
    limit: LiteralString,
) -> LiteralString:
    """`match`, then one keyset page of its rows sorted by `terms`, keeping `carried`."""
    compare: LiteralString = "<" if descending else ">"
    order: LiteralString = " DESC" if descending else " ASC"
    keyset: LiteralString = _beyond(terms, after, compare) if after is not None else ""
    return (
        match
        + "WHERE true"
        + keyset
        + " WITH "
        + carried
        + " ORDER BY "
        + ", ".join(term + order for term in terms)
        + " LIMIT "
        + limit
        + " "
    )


def mention_page_clauses(
    entity: LiteralString,
    sentence: LiteralString,
    mention: LiteralString,
    after: LiteralString | None,
    descending: bool,
    limit: LiteralString,
) -> LiteralString:
    """One keyset page of an entity's mentions in every document, by (document, start, end);
    `after` is a parameter holding `[document, start, end]`."""
    return _key_page(
        "MATCH (" + sentence + ":Sentence)-[" + mention + ":MENTIONS]->(" + entity + ") ",
        sentence + ", " + mention,
        [sentence + ".document", mention + ".start", mention + ".end"],
        after,
        descending,
        limit,
    )


def document_mention_page_clauses(
    document: LiteralString,
    sentence: LiteralString,
    mention: LiteralString,
    entity: LiteralString,
    after: LiteralString | None,
    descending: bool,
    limit: LiteralString,
) -> LiteralString:
    """One keyset page of the mentions in a document, by (start, end, entity slug); `after`
    is a parameter holding `[start, end, slug]`."""
    return _key_page(
        "MATCH (" + sentence + ":Sentence)-[:PART_OF]->(" + document + ") "
        "MATCH (" + sentence + ")-[" + mention + ":MENTIONS]->(" + entity + ":Entity) ",
        sentence + ", " + mention + ", " + entity,
        [mention + ".start", mention + ".end", entity + ".slug"],
        after,
        descending,
        limit,
    )


@dataclass(frozen=True, slots=True)
class SentenceRow:
    document: str
    index: int
    start: int
    end: int
    text: str

    @property
    def key(self) -> str:
        return f"{self.document}#{self.index}"  # kgapi.seed's sentence key


@dataclass(frozen=True, slots=True)
class MentionRow:
    document: str
    sentence_index: int
    start: int
    end: int
    surface: str
    entity: EntityRow

    @classmethod
    def from_map(cls, row: dict[str, Any]) -> MentionRow:
        return cls(
            document=row["document"],
            sentence_index=row["sentence_index"],
            start=row["start"],
            end=row["end"],
            surface=row["surface"] or "",
            entity=EntityRow.from_map(row["entity"]),
        )


async def sentence_page(
    db: Database, document: str, size: int, after: int | None, descending: bool
) -> tuple[list[SentenceRow], int]:
    """`size + 1` sentences of a document in the page's direction, and how many it has."""
    params = Params()
    slug = params.add(document)
    after_param = params.add(after) if after is not None else None
    records = await db.read(
        "MATCH (d:Document {slug: " + slug + "}) "
        "CALL (d) { "
        + sentence_page_clauses("d", "s", after_param, descending, params.add(size + 1))
        + "RETURN collect("
        + sentence_map("s")
        + ") AS rows } "
        "RETURN rows, COUNT { (:Sentence)-[:PART_OF]->(d) } AS total",
        params.values,
    )
    if not records:
        return [], 0
    return [SentenceRow(**row) for row in records[0]["rows"]], int(records[0]["total"])


async def sentences_by_key(db: Database, keys: list[str]) -> dict[str, SentenceRow]:
    records = await db.read(
        "UNWIND $keys AS key MATCH (s:Sentence {key: key}) RETURN " + sentence_map("s") + " AS row",
        {"keys": keys},
    )
    rows = [SentenceRow(**r["row"]) for r in records]
    return {row.key: row for row in rows}


async def mentions_by_sentence(db: Database, keys: list[str]) -> dict[str, list[MentionRow]]:
    """Each sentence's mentions, by (start, end, entity slug)."""
    records = await db.read(
        "UNWIND $keys AS key MATCH (s:Sentence {key: key}) "
        "RETURN key, COLLECT { MATCH (s)-[m:MENTIONS]->(e:Entity) "
        "WITH s, m, e ORDER BY m.start, m.end, e.slug "
        "RETURN {" + mention_map("s", "m", "e") + ", entity: e " + ENTITY_MAP + "} } AS rows",
        {"keys": keys},
    )
    return {r["key"]: [MentionRow.from_map(row) for row in r["rows"]] for r in records}


async def mention_page(
    db: Database,
    entity: str,
    size: int,
    after: list[Any] | None,
    descending: bool,
) -> tuple[list[MentionRow], int]:
    """`size + 1` of an entity's mentions in the page's direction, and how many it has."""
    params = Params()
    anchor = "MATCH (e:Entity {slug: " + params.add(entity) + "}) "
    after_param = params.add(after) if after is not None else None
    clauses = mention_page_clauses("e", "s", "m", after_param, descending, params.add(size + 1))
    total: LiteralString = "COUNT { (:Sentence)-[:MENTIONS]->(e) }"
    return await _mention_rows(db, params, anchor, "e", clauses, total)


async def _mention_rows(
    db: Database,
    params: Params,
    anchor: LiteralString,
    var: LiteralString,
    clauses: LiteralString,
    total: LiteralString,
) -> tuple[list[MentionRow], int]:
    """The page `clauses` keep (binding s, m, e) under `anchor`'s node `var`, and `total`."""
    records = await db.read(
        anchor
        + "CALL ("
        + var
        + ") { "
        + clauses
        + "RETURN collect({"
        + mention_map("s", "m", "e")
        + ", entity: e "
        + ENTITY_MAP
        + "}) AS rows } RETURN rows, "
        + total
        + " AS total",
        params.values,
    )
    if not records:
        return [], 0
    return [MentionRow.from_map(row) for row in records[0]["rows"]], int(records[0]["total"])


def document_mention_count(document: LiteralString) -> LiteralString:
    """How many mentions a document holds (a COUNT expression)."""
    return "COUNT { (:Entity)<-[:MENTIONS]-(:Sentence)-[:PART_OF]->(" + document + ") }"


async def document_mention_page(
    db: Database,
    document: str,
    size: int,
    after: list[Any] | None,
    descending: bool,
) -> tuple[list[MentionRow], int]:
    """`size + 1` of the mentions in a document in the page's direction, and how many."""
    params = Params()
    anchor = "MATCH (d:Document {slug: " + params.add(document) + "}) "
    after_param = params.add(after) if after is not None else None
    clauses = document_mention_page_clauses(
        "d", "s", "m", "e", after_param, descending, params.add(size + 1)
    )
    return await _mention_rows(db, params, anchor, "d", clauses, document_mention_count("d"))
