"""Parsed and validated documents, cached per schema and bounded in entries *and* bytes.

Why (issue 15): strawberry's ParserCache and ValidationCache are `functools.lru_cache`s keyed on
the whole query text, bounded only in entries; 512 unique 2 MB queries kept about a gigabyte
alive, and RSS never came back. Here an entry is keyed by the SHA-256 of the text, weighed by
an estimate of what its syntax tree holds (about `AST_BYTES_PER_CHAR` bytes per character of
dense GraphQL, measured with tracemalloc; a long string literal weighs far less, so the estimate
errs towards evicting), and the least recently used entries leave once either bound is passed.
A query text over KGAPI_MAX_QUERY_BYTES is refused before it is parsed.

    cache = BoundedCache(max_entries=512, max_bytes=32_000_000)
    schema = strawberry.Schema(Query, extensions=[lambda: DocumentCache(cache, 100_000)])
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from graphql import DocumentNode, GraphQLError, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from kgapi.graphql.errors import KgapiError

__all__ = [
    "AST_BYTES_PER_CHAR",
    "BoundedCache",
    "DocumentCache",
    "QueryTooLarge",
    "check_query_size",
    "query_digest",
    "weight_of",
]

AST_BYTES_PER_CHAR = 120  # measured: ~110 bytes of syntax tree per character of dense GraphQL
ENTRY_OVERHEAD = 1000  # the entry itself, its key and the cached validation result

K = TypeVar("K")
V = TypeVar("V")


class QueryTooLarge(KgapiError):
    code = "QUERY_TOO_LARGE"


def query_digest(query: str) -> bytes:
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).digest()


def weight_of(*texts: str | bytes) -> int:
    """The bytes an entry derived from these texts is assumed to hold."""
    return ENTRY_OVERHEAD + AST_BYTES_PER_CHAR * sum(len(t) for t in texts)


def check_query_size(query: str, max_bytes: int) -> None:
    size = len(query.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise QueryTooLarge(
            f"the query text is {size} bytes and the limit is {max_bytes} "
            "(KGAPI_MAX_QUERY_BYTES): send a shorter query, with values as variables",
            size=size,
            maximum=max_bytes,
        )


class BoundedCache(Generic[K, V]):
    """An LRU bounded in entries and in (estimated) bytes. One event loop per process: no lock,
    and nothing between reading and changing the entries awaits."""

    def __init__(self, *, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self.size_bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: K) -> bool:
        return key in self._entries

    def get(self, key: K) -> V | None:
        found = self._entries.get(key)
        if found is None:
            return None
        self._entries.move_to_end(key)
        return found[0]

    def put(self, key: K, value: V, weight: int) -> None:
        """Keep `value` unless it alone is over the byte bound (then it is not kept at all)."""
        previous = self._entries.pop(key, None)
        if previous is not None:
            self.size_bytes -= previous[1]
        if weight > self.max_bytes:
            return
        self._entries[key] = (value, weight)
        self.size_bytes += weight
        while len(self._entries) > self.max_entries or self.size_bytes > self.max_bytes:
            _, (_, evicted) = self._entries.popitem(last=False)
            self.size_bytes -= evicted


@dataclass(slots=True)
class _Entry:
    document: DocumentNode
    errors: list[GraphQLError] | None = None  # None: not validated yet


class DocumentCache(SchemaExtension):
    """Parse and validate through one bounded cache per schema (it replaces strawberry's
    ParserCache and ValidationCache); refuse query texts over the size limit."""

    def __init__(self, cache: BoundedCache[bytes, Any], max_query_bytes: int) -> None:
        super().__init__()
        self.cache = cache
        self.max_query_bytes = max_query_bytes
        self._key: bytes | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        if isinstance(query, str) and context.graphql_document is None:
            check_query_size(query, self.max_query_bytes)
            key = query_digest(query) + repr(sorted(context.parse_options.items())).encode()
            entry = self.cache.get(key)
            if entry is None:
                entry = _Entry(parse(query, **context.parse_options))
                self.cache.put(key, entry, weight_of(query))
            self._key = key
            context.graphql_document = entry.document
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        entry = self.cache.get(self._key) if self._key is not None else None
        document = context.graphql_document
        if entry is not None and document is not None and entry.document is document:
            if entry.errors is None:  # validated once per cached document
                entry.errors = validate_document(
                    context.schema._schema, document, tuple(context.validation_rules)
                )
            context.pre_execution_errors = entry.errors
        yield
