"""The graph revision: one counter that every write of graph data bumps in its own transaction.

The read cache (kgapi.read_cache) keys answers on it, so it must change whenever any answer could:
the mutations, `kgapi seed`, `kgapi ingest` and the benchmark's bulk loader all bump it in the
transaction that writes, so no reader can see the new data with the old revision.

Why a counter of its own, `(:Sequence {name: 'graph_revision'})`, and not the change feed's
`(:Sequence {name: 'changes'})`:

- the change sequence numbers change *events*, and the feed promises that every `seq` is an
  event a subscriber receives. The seed and bulk loads write without events; bumping `changes`
  for them would leave holes in the feed, and inventing events for them would fill the audit
  trail with entries nobody made;
- not every graph change leaves an event: `upsertEntity` with unchanged properties still MERGEs
  new mentions, and the cache must see that too;
- the two can then evolve apart (e.g. batching events) without the cache's correctness riding
  on it.

It costs one more locked node per write transaction. Every transaction takes it *last* (after
the target nodes and after the change sequence), so the lock order stays fixed and writers
cannot deadlock on it; and whoever holds it is about to commit.

Each bump also stores a fresh random `token`, and the cache keys on the token rather than the
number: if the counter node is ever deleted (a wiped database) and created again, its numbers
start over, but a token never repeats, so an answer cached for an old graph cannot be served
for a new one.

API keys (`kgapi keys`), idempotency records and the schema (`kgapi schema apply`) are not graph
data: no cached answer depends on them (authentication runs before the cache is consulted), so
they do not bump it. Writes that bypass kgapi (cypher-shell) must bump it themselves — run
`BUMP_REVISION` — or the API processes (whose caches are in memory) restarted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from kgapi.db import Database, Tx

__all__ = [
    "BUMP_REVISION",
    "ENSURE_REVISION",
    "Revision",
    "bump_revision",
    "bump_revision_if_changed",
    "current_revision",
    "ensure_revision",
]

BUMP_REVISION: LiteralString = """
MERGE (s:Sequence {name: 'graph_revision'})
SET s.value = coalesce(s.value, 0) + 1, s.token = randomUUID()
RETURN s.value AS value, s.token AS token
"""

ENSURE_REVISION: LiteralString = """
MERGE (s:Sequence {name: 'graph_revision'})
ON CREATE SET s.value = 0, s.token = randomUUID()
"""

READ_REVISION: LiteralString = """
MATCH (s:Sequence {name: 'graph_revision'})
RETURN s.value AS value, s.token AS token
"""


@dataclass(frozen=True, slots=True)
class Revision:
    value: int  # counts bumps; for people and metrics
    token: str  # changes with every bump and never repeats; what the cache keys on


async def bump_revision(tx: Tx) -> Revision:
    """Bump inside a write transaction; call it after the transaction's other writes."""
    records = await tx.run(BUMP_REVISION)
    return Revision(int(records[0]["value"]), str(records[0]["token"]))


async def bump_revision_if_changed(tx: Tx, changed: bool) -> None:
    """The last statement of a bulk write (the seed, the benchmark's loader): bump when the
    write changed anything; otherwise only make sure that the counter exists, so that an
    unchanged re-seed leaves cached answers valid."""
    await tx.run(BUMP_REVISION if changed else ENSURE_REVISION)


async def ensure_revision(db: Database) -> None:
    """Create the counter if this database has none yet, so the cache can work before the first
    write (a database seeded before the counter existed has none). Never bumps it."""
    await db.write(ENSURE_REVISION)


async def current_revision(db: Database) -> Revision | None:
    """The revision now, in one tiny read; None when the counter does not exist yet.

    An auto-commit read without retries (half the messages of a managed transaction): it is
    on the path of every cached answer, and when it fails the cache is simply bypassed."""
    records = await db.read_once(READ_REVISION)
    if not records or records[0]["token"] is None:
        return None
    return Revision(int(records[0]["value"] or 0), str(records[0]["token"]))
