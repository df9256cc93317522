"""Full-text search over entity names, aliases and descriptions, in Bengali or English.

User text is never Lucene syntax: every term is escaped, operators become plain words, and each
term is searched as itself (boosted) or as a prefix, so that a Bengali name still matches when
the text inflects it (পাকিস্তান → পাকিস্তানের) and a partial word finds its entity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, LiteralString

from kgapi import model
from kgapi.db import Database
from kgapi.queries.entities import ENTITY_MAP, EntityRow

__all__ = [
    "MAX_SEARCH_TERMS",
    "SEARCH_HITS",
    "SearchRow",
    "lucene_query",
    "search_entities",
    "search_params",
]

MAX_SEARCH_TERMS = 16
EXACT_MATCH_BONUS = 100.0
_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')
# Word characters of any script, including Bengali's combining vowel signs and virama.
# An apostrophe inside a word stays (the analyzer keeps "kazakhstan's" as one token).
_TERM = re.compile(r"[\w\u0980-\u09FF]+(?:['’][\w\u0980-\u09FF]+)*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class SearchRow:
    score: float
    entity: EntityRow


def lucene_query(text: str) -> str | None:
    """A safe Lucene query for free text, or None when it has no searchable term."""
    terms = [t.lower() for t in _TERM.findall(text)][:MAX_SEARCH_TERMS]
    if not terms:
        return None
    clauses = []
    for term in terms:
        escaped = _LUCENE_SPECIAL.sub(r"\\\1", term)
        # A name or alias matching the exact term ranks first, then any field, then a prefix
        # (inflected Bengali, partial words). Quoted, AND/OR/NOT are just words.
        clauses.append(
            f'(name_en:"{escaped}"^4 OR name_bn:"{escaped}"^4 OR aliases:"{escaped}"^3 '
            f'OR "{escaped}"^2 OR {escaped}*)'
        )
    query = " AND ".join(clauses)
    if len(terms) > 1:  # the whole text as a name phrase outranks scattered terms
        phrase = _LUCENE_SPECIAL.sub(r"\\\1", " ".join(terms))
        query = f'(name_en:"{phrase}"^6 OR name_bn:"{phrase}"^6 OR ({query}))'
    return query


# The ranked hits as rows of (e, score), best first; parameters from `search_params`.
SEARCH_HITS: LiteralString = (
    "CALL db.index.fulltext.queryNodes('entity_search', $search_query) YIELD node AS e, score "
    "WHERE $search_kinds IS NULL OR e.kind IN $search_kinds "
    # The entity whose name or alias is exactly the text comes first.
    "WITH e, score + CASE WHEN toLower(e.name_en) = $search_exact "
    "  OR toLower(e.name_bn) = $search_exact "
    "  OR any(a IN coalesce(e.aliases, []) WHERE toLower(a) = $search_exact) "
    "  THEN $search_bonus ELSE 0 END AS score "
    "ORDER BY score DESC, e.slug LIMIT $search_first"
)


def search_params(
    query: str, text: str, kinds: list[model.EntityKind] | None, first: int
) -> dict[str, Any]:
    """Parameters of SEARCH_HITS for a Lucene query built by `lucene_query(text)`."""
    return {
        "search_query": query,
        "search_kinds": [k.value for k in kinds] if kinds else None,
        "search_first": first,
        "search_exact": " ".join(text.split()).lower(),
        "search_bonus": EXACT_MATCH_BONUS,
    }


async def search_entities(
    db: Database, text: str, kinds: list[model.EntityKind] | None, first: int
) -> list[SearchRow]:
    """Entities ranked by relevance; kinds filter after scoring, ties broken by slug."""
    query = lucene_query(text)
    if query is None:
        return []
    records = await db.read(
        SEARCH_HITS + " RETURN e " + ENTITY_MAP + " AS row, score",
        search_params(query, text, kinds, first),
    )
    return [SearchRow(float(r["score"]), EntityRow.from_map(r["row"])) for r in records]
