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
    "RETIRED_INDEXES",
    "SEARCH_HITS",
    "SEARCH_INDEX",
    "SearchRow",
    "lucene_query",
    "search_entities",
    "search_hits",
    "search_page",
    "search_params",
    "search_total",
]

MAX_SEARCH_TERMS = 16
EXACT_MATCH_BONUS = 100.0
_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')
# Word characters of any script, including Bengali's combining vowel signs and virama.
# An apostrophe inside a word stays (the analyzer keeps "kazakhstan's" as one token).
SEARCH_INDEX: LiteralString = "entity_names_search"  # schema/constraints.cypher
# Indexes an earlier schema created and a later one replaced (apply_schema drops them).
RETIRED_INDEXES: tuple[LiteralString, ...] = ("entity_search",)
_TERM = re.compile(r"[\w\u0980-\u09FF]+(?:['’][\w\u0980-\u09FF]+)*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class SearchRow:
    score: float
    entity: EntityRow


# English words that never decide what a researcher is looking for ("the Transit Trade
# Agreement", "Minister of Trade"): dropped from a query that has other words.
STOP_WORDS = frozenset(
    (
        "a", "an", "and", "are", "as", "at", "by", "for", "from", "in", "into", "is", "its",
        "of", "on", "or", "the", "to", "was", "were", "with",
        "একটি", "একটা", "এবং",  # Bengali "a", "one", "and"
    )
)  # fmt: skip
# Bengali case endings and plural markers, longest first: a query word that carries one also
# searches its stem as a prefix (উজবেকিস্তানের → উজবেকিস্তান*), as names are stored uninflected.
_BENGALI_ENDINGS = (
    "গুলোর", "গুলির", "গুলোতে", "গুলিতে", "গুলো", "গুলি", "দের", "েরা", "ের", "কে", "তে",
    "টির", "টি", "টা", "র", "ে", "য়",
)  # fmt: skip
_MIN_STEM = 3  # code points a stem keeps, so that a short word is not cut to nothing


def stems(term: str) -> list[str]:
    """Forms of a lowercased query word to search as prefixes besides the word itself: English
    possessive and plural removed, a Bengali ending removed. Empty when there is none."""
    forms: list[str] = []
    base = term
    for mark in ("'s", "’s"):
        if base.endswith(mark):
            base = base[: -len(mark)]
            forms.append(base)
    if base.isascii():
        if base.endswith("ies") and len(base) > _MIN_STEM + 2:
            forms.append(base[:-3] + "y")
        elif base.endswith(("ches", "shes", "xes", "ses", "zes")):
            forms.append(base[:-2])
        elif base.endswith("s") and not base.endswith("ss") and len(base) > _MIN_STEM:
            forms.append(base[:-1])
    else:
        for ending in _BENGALI_ENDINGS:
            if base.endswith(ending) and len(base) - len(ending) >= _MIN_STEM:
                forms.append(base[: -len(ending)])
                break
    return [f for f in dict.fromkeys(forms) if f and f != term]


def search_terms(text: str) -> list[str]:
    """The lowercased words of `text` a search matches on: stop words dropped unless nothing
    else is left, at most MAX_SEARCH_TERMS."""
    words = [t.lower() for t in _TERM.findall(text)]
    kept = [w for w in words if w not in STOP_WORDS] or words
    return kept[:MAX_SEARCH_TERMS]


def _stem_clause(stem: str) -> str:
    """A stem matching a whole name word ranks above one that only begins a word."""
    return f' OR name_en:"{stem}"^3 OR name_bn:"{stem}"^3 OR aliases:"{stem}"^2 OR {stem}*'


def lucene_query(text: str) -> str | None:
    """A safe Lucene query for free text, or None when it has no searchable term."""
    terms = search_terms(text)
    if not terms:
        return None
    clauses = []
    for term in terms:
        escaped = _LUCENE_SPECIAL.sub(r"\\\1", term)
        # A name or alias matching the exact term ranks first, then any field, then a prefix
        # (inflected Bengali, partial words), then a prefix of its stem (a plural, a
        # possessive, a Bengali case ending). Quoted, AND/OR/NOT are just words.
        stemmed = "".join(_stem_clause(_LUCENE_SPECIAL.sub(r"\\\1", f)) for f in stems(term))
        clauses.append(
            f'(name_en:"{escaped}"^4 OR name_bn:"{escaped}"^4 OR names_other_text:"{escaped}"^4 '
            f'OR aliases:"{escaped}"^3 '
            f'OR "{escaped}"^2 OR {escaped}*{stemmed})'
        )
    query = " AND ".join(clauses)
    if len(terms) > 1:  # the whole text as a name phrase outranks scattered terms
        phrase = _LUCENE_SPECIAL.sub(r"\\\1", " ".join(terms))
        query = (
            f'(name_en:"{phrase}"^6 OR name_bn:"{phrase}"^6 OR names_other_text:"{phrase}"^6 '
            f"OR ({query}))"
        )
    return query


def _matches(prefix: LiteralString) -> LiteralString:
    query, kinds = "$" + prefix + "_query", "$" + prefix + "_kinds"
    return (
        "CALL db.index.fulltext.queryNodes('" + SEARCH_INDEX + "', " + query + ") "
        "YIELD node AS e, score "
        "WHERE " + kinds + " IS NULL OR e.kind IN " + kinds + " "
    )


def search_hits(prefix: LiteralString = "search", *, backward: bool = False) -> LiteralString:
    """The ranked hits as rows of (e, score), best first (worst first `backward`), strictly
    beyond the keyset `$<prefix>_after_score`/`_after_slug` when given; parameters `$<prefix>_…`
    from `search_params` with the same prefix (several searches in one statement each have
    one). Ties are broken by slug, so (score, slug) orders every hit and keys its cursor."""
    exact = "$" + prefix + "_exact"
    score, slug = "$" + prefix + "_after_score", "$" + prefix + "_after_slug"
    beyond: LiteralString = (
        ("score > " + score + " OR (score = " + score + " AND e.slug < " + slug + ")")
        if backward
        else ("score < " + score + " OR (score = " + score + " AND e.slug > " + slug + ")")
    )
    order: LiteralString = "score ASC, e.slug DESC" if backward else "score DESC, e.slug"
    return (
        _matches(prefix)
        # The entity whose name or alias is exactly the text comes first.
        + "WITH e, score + CASE WHEN toLower(e.name_en) = "
        + exact
        + " "
        "  OR toLower(e.name_bn) = " + exact + " "
        "  OR any(n IN split(coalesce(e.names_other_text, ''), '\\n') WHERE toLower(n) = "
        + exact
        + ") "
        "  OR any(a IN coalesce(e.aliases, []) WHERE toLower(a) = " + exact + ") "
        "  THEN $" + prefix + "_bonus ELSE 0 END AS score "
        "WHERE " + score + " IS NULL OR " + beyond + " "
        "ORDER BY " + order + " LIMIT $" + prefix + "_first"
    )


def search_total(prefix: LiteralString = "search") -> LiteralString:
    """`RETURN count(e)` (the caller names the column): how many entities the search finds."""
    return _matches(prefix) + "RETURN count(e)"


SEARCH_HITS: LiteralString = search_hits()


def search_params(
    query: str,
    text: str,
    kinds: list[model.EntityKind] | None,
    first: int,
    prefix: str = "search",
    after: tuple[float, str] | None = None,
) -> dict[str, Any]:
    """Parameters of `search_hits(prefix)` for a Lucene query built by `lucene_query(text)`:
    `first` rows, beyond the (score, slug) keyset `after` when given."""
    return {
        f"{prefix}_query": query,
        f"{prefix}_kinds": [k.value for k in kinds] if kinds else None,
        f"{prefix}_first": first,
        f"{prefix}_exact": " ".join(text.split()).lower(),
        f"{prefix}_bonus": EXACT_MATCH_BONUS,
        f"{prefix}_after_score": after[0] if after else None,
        f"{prefix}_after_slug": after[1] if after else None,
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


async def search_page(
    db: Database,
    text: str,
    kinds: list[model.EntityKind] | None,
    limit: int,
    after: tuple[float, str] | None,
    backward: bool,
) -> tuple[list[SearchRow], int]:
    """`limit` hits beyond the (score, slug) keyset `after`, read in the page's direction, and
    how many there are in all."""
    query = lucene_query(text)
    if query is None:
        return [], 0
    records = await db.read(
        "CALL () { " + search_total() + " AS total } "
        "CALL () { "
        + search_hits(backward=backward)
        + " RETURN collect({row: e "
        + ENTITY_MAP
        + ", score: score}) AS hits } RETURN total, hits",
        search_params(query, text, kinds, limit, after=after),
    )
    record = records[0]
    hits = [SearchRow(float(h["score"]), EntityRow.from_map(h["row"])) for h in record["hits"]]
    return hits, int(record["total"])
