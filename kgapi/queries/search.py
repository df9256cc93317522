"""Full-text search over entity names, aliases and descriptions, in Bengali or English.

User text is never Lucene syntax: every term is escaped, operators become plain words, and each
term is searched as itself (boosted) or as a prefix, so that a Bengali name still matches when
the text inflects it (পাকিস্তান → পাকিস্তানের) and a partial word finds its entity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kgapi import model
from kgapi.db import Database
from kgapi.queries.entities import ENTITY_MAP, EntityRow

__all__ = ["MAX_SEARCH_TERMS", "SearchRow", "lucene_query", "search_entities"]

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


async def search_entities(
    db: Database, text: str, kinds: list[model.EntityKind] | None, first: int
) -> list[SearchRow]:
    """Entities ranked by relevance; kinds filter after scoring, ties broken by slug."""
    query = lucene_query(text)
    if query is None:
        return []
    records = await db.read(
        "CALL db.index.fulltext.queryNodes('entity_search', $query) YIELD node AS e, score "
        "WHERE $kinds IS NULL OR e.kind IN $kinds "
        # The entity whose name or alias is exactly the text comes first.
        "WITH e, score + CASE WHEN toLower(e.name_en) = $exact OR toLower(e.name_bn) = $exact "
        "  OR any(a IN coalesce(e.aliases, []) WHERE toLower(a) = $exact) "
        "  THEN $exact_bonus ELSE 0 END AS score "
        "RETURN e " + ENTITY_MAP + " AS row, score ORDER BY score DESC, e.slug LIMIT $first",
        {
            "query": query,
            "kinds": [k.value for k in kinds] if kinds else None,
            "first": first,
            "exact": " ".join(text.split()).lower(),
            "exact_bonus": EXACT_MATCH_BONUS,
        },
    )
    return [SearchRow(float(r["score"]), EntityRow.from_map(r["row"])) for r in records]
