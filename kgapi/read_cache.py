"""The read cache: answers to GraphQL queries, kept per process, valid for one graph revision.

The API is stateless behind a load balancer and its only shared state is Neo4j, so the cache
cannot be told about writes made through other workers. Instead every write of graph data bumps
a revision counter in Neo4j in its own transaction (kgapi.queries.revision), and every request
reads that counter first — one tiny read — and looks up its answer under the revision it read.
After a write, no worker can find an answer from before it, whichever worker wrote. The storage
itself can then be a plain per-process LRU, bounded in entries and in bytes.

The revision is read *before* the query runs: an answer computed while a write commits may
reflect the newer graph but is stored under the older revision, which nobody reads any more —
never the other way round. (On a cluster, the counter and the data must come from the same
state of the graph, as they do on one server; see the README.)

That read is most of what a hit costs, so concurrent requests share it, but only a read that
*started after they arrived*: a request that comes while a read is under way waits for the next
one, which starts as soon as that one ends and serves everyone who came meanwhile. Every request
therefore sees every write committed before it arrived, and under load a process sends about
two revision reads per round of concurrent requests instead of one per request.

A key is (query text, operation name, variables, request extensions, the caller's role) hashed,
plus the revision. The role is there because permissions decide answers by role; nothing else
about the caller reaches a query's answer (the actor only appears in errors, which are never
stored). Only error-free answers to `query` operations are stored, as the exact bytes that were
sent, and a hit is answered with them without parsing, validating or executing anything.

    cache = ReadCache(max_entries=1000, max_bytes=32_000_000, max_entry_bytes=1_000_000)
    lookup = await cache.lookup(db, query, operation_name, variables, extensions, role="reader")
    if lookup.status is CacheStatus.HIT:
        return lookup.body
    body = ...  # execute and encode
    cache.store(lookup, body)
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from graphql import GraphQLError, OperationType, get_operation_ast, parse
from neo4j.exceptions import DriverError, Neo4jError

from kgapi.db import Database, DatabaseUnavailable
from kgapi.observability import READ_CACHE_BYTES
from kgapi.queries.revision import Revision, current_revision

__all__ = ["CACHE_HEADER", "CacheStatus", "Lookup", "ReadCache"]

CACHE_HEADER = "x-kgapi-cache"
OPERATION_MEMO_SIZE = 512  # operation types of recent documents, so a hit parses nothing

logger = logging.getLogger("kgapi.read_cache")


class CacheStatus(StrEnum):
    HIT = "hit"  # answered from the cache
    MISS = "miss"  # executed; the answer is stored if it has no errors
    BYPASS = "bypass"  # not cacheable: not a query, a bad credential, no revision, ...
    OFF = "off"  # KGAPI_READ_CACHE is false


@dataclass(frozen=True, slots=True)
class Lookup:
    status: CacheStatus
    body: bytes | None = None  # the stored answer, on a hit
    key: bytes | None = None  # where the answer goes, on a miss
    token: str | None = None  # the revision it was looked up under


BYPASS = Lookup(CacheStatus.BYPASS)


class ReadCache:
    """One process's answers for the latest graph revision it has seen, least recently used
    first out. Single-threaded by design (one event loop per process): no locks, and nothing
    between reading and changing the entries awaits."""

    def __init__(
        self, *, max_entries: int, max_bytes: int, max_entry_bytes: int, max_tokens: int = 2000
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        self.max_tokens = max_tokens
        self._token: str | None = None
        self._entries: OrderedDict[bytes, bytes] = OrderedDict()
        self._bytes = 0
        self._operations: OrderedDict[tuple[bytes, str | None], OperationType | None] = (
            OrderedDict()
        )
        self._revisions = _SharedRevisionReads()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    async def lookup(
        self,
        db: Database,
        query: str | None,
        operation_name: str | None,
        variables: dict[str, Any] | None,
        extensions: dict[str, Any] | None,
        role: str,
    ) -> Lookup:
        """A hit with the stored bytes, a miss with the key to store under, or a bypass."""
        if not isinstance(query, str) or not isinstance(operation_name, str | None):
            return BYPASS  # malformed: the execution answers with the error
        digest = hashlib.sha256(query.encode("utf-8", "surrogatepass")).digest()
        if self._operation(digest, query, operation_name) is not OperationType.QUERY:
            return BYPASS
        try:
            rest = json.dumps(
                [operation_name, variables or {}, extensions or {}, role],
                sort_keys=True,
                separators=(",", ":"),
                ensure_ascii=False,
            )
        except (TypeError, ValueError):
            return BYPASS
        key = hashlib.sha256(digest + rest.encode("utf-8", "surrogatepass")).digest()
        try:
            revision = await self._revisions.read(db)
        except (DatabaseUnavailable, DriverError, Neo4jError, OSError) as exc:
            # The query itself will meet the same trouble and report it with a code.
            logger.debug("read cache bypassed: no revision (%s)", exc)
            return BYPASS
        if revision is None:  # a database no kgapi write or seed has touched yet
            return BYPASS
        if revision.token != self._token:
            self._clear()  # answers for older revisions can never be asked for again
            self._token = revision.token
        body = self._entries.get(key)
        if body is not None:
            self._entries.move_to_end(key)
            return Lookup(CacheStatus.HIT, body=body)
        return Lookup(CacheStatus.MISS, key=key, token=revision.token)

    def store(self, lookup: Lookup, body: bytes) -> bool:
        """Keep `body` (an error-free answer, as sent) under the lookup's key; False if not kept."""
        if lookup.status is not CacheStatus.MISS or lookup.key is None:
            return False
        if lookup.token != self._token:
            return False  # a newer revision was seen meanwhile: this answer may predate it
        if len(body) > self.max_entry_bytes:
            return False
        previous = self._entries.pop(lookup.key, None)
        if previous is not None:
            self._bytes -= len(previous)
        self._entries[lookup.key] = body
        self._bytes += len(body)
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= len(evicted)
        READ_CACHE_BYTES.set(self._bytes)
        return True

    def _clear(self) -> None:
        self._entries.clear()
        self._bytes = 0
        READ_CACHE_BYTES.set(0)

    def _operation(
        self, digest: bytes, query: str, operation_name: str | None
    ) -> OperationType | None:
        """The type of the operation the request selects (None when it cannot be told: the
        execution will report why), remembered so that a repeated document is parsed once."""
        memo_key = (digest, operation_name)
        if memo_key in self._operations:
            self._operations.move_to_end(memo_key)
            return self._operations[memo_key]
        operation = _operation_type(query, operation_name, self.max_tokens)
        self._operations[memo_key] = operation
        if len(self._operations) > OPERATION_MEMO_SIZE:
            self._operations.popitem(last=False)
        return operation


def _operation_type(
    query: str, operation_name: str | None, max_tokens: int
) -> OperationType | None:
    try:
        document = parse(query, no_location=True, max_tokens=max_tokens)
    except (GraphQLError, RecursionError):
        return None
    operation = get_operation_ast(document, operation_name)
    return operation.operation if operation is not None else None


class _SharedRevisionReads:
    """Concurrent lookups share revision reads, each joining only a read that starts after it
    arrived (so none can miss a write committed before it asked)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next: asyncio.Future[Revision | None] | None = None  # not started yet
        self._reading: asyncio.Task[None] | None = None  # started before the newest arrivals

    async def read(self, db: Database) -> Revision | None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (tests run several): start afresh
            self._loop, self._next, self._reading = loop, None, None
        batch = self._next
        if batch is None:
            batch = self._next = loop.create_future()
            batch.add_done_callback(_retrieve)
            if self._reading is None:
                self._start(db)
        return await asyncio.shield(batch)

    def _start(self, db: Database) -> None:
        batch, self._next = self._next, None
        assert batch is not None
        self._reading = asyncio.get_running_loop().create_task(self._read(db, batch))

    async def _read(self, db: Database, batch: asyncio.Future[Revision | None]) -> None:
        try:
            revision = await current_revision(db)
        except asyncio.CancelledError:  # the loop is shutting down, and its requests with it
            batch.cancel()
            if self._next is not None:
                self._next.cancel()
            self._next = self._reading = None
            raise
        except Exception as exc:  # every waiter of this batch gets it, and bypasses the cache
            batch.set_exception(exc)
        else:
            batch.set_result(revision)
        self._reading = None
        if self._next is not None:  # those who arrived during this read
            self._start(db)


def _retrieve(future: asyncio.Future[Revision | None]) -> None:
    """Mark an exception as seen even when every waiter has gone (a disconnected client)."""
    if not future.cancelled():
        future.exception()
