"""Driver lifecycle and the two ways kgapi talks to Neo4j: read and write.

One async driver per process, opened in the app's lifespan (or a CLI command) and closed with it.
Reads are routed to readers (`neo4j://` on a cluster), writes to the leader; both go through
managed transactions so that transient errors are retried by the driver. Every call counts as
one round trip in the current request's counter, which is how tests prove that a GraphQL request
costs a bounded number of queries. With tracing on (kgapi.tracing), every statement is a span
too, named after the query-layer function that sent it, without its text or parameters.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, LiteralString, TypeVar

import neo4j
from neo4j import AsyncDriver, AsyncGraphDatabase, RoutingControl
from neo4j.exceptions import (
    AuthError,
    ConfigurationError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from kgapi.config import Settings
from kgapi.observability import NEO4J_IN_FLIGHT, NEO4J_QUERIES
from kgapi.tracing import NO_STATEMENT_SPANS, NO_TRACING, StatementSpans, Tracing

T = TypeVar("T")

__all__ = [
    "Database",
    "DatabaseUnavailable",
    "RoundTrips",
    "Tx",
    "count_round_trips",
    "describe_connection_error",
]


class DatabaseUnavailable(RuntimeError):
    """Neo4j cannot be reached or refuses us; the message is one line naming URI and cause."""


@dataclass
class RoundTrips:
    """Queries sent to Neo4j while this counter was current."""

    count: int = 0
    queries: list[str] = field(default_factory=list)


_round_trips: contextvars.ContextVar[RoundTrips | None] = contextvars.ContextVar(
    "kgapi_round_trips", default=None
)


@contextmanager
def count_round_trips() -> Iterator[RoundTrips]:
    """Count the Neo4j round trips made inside the block (per task, so per request)."""
    counter = RoundTrips()
    token = _round_trips.set(counter)
    try:
        yield counter
    finally:
        _round_trips.reset(token)


def _record_round_trip(query: str) -> None:
    NEO4J_QUERIES.inc()
    counter = _round_trips.get()
    if counter is not None:
        counter.count += 1
        counter.queries.append(query)


def describe_connection_error(uri: str, exc: BaseException) -> str:
    """One line a person can act on, naming the URI and the cause."""
    if isinstance(exc, AuthError):
        return f"Neo4j at {uri} refused the credentials (check NEO4J_USERNAME and NEO4J_PASSWORD)"
    if isinstance(exc, ServiceUnavailable | SessionExpired | OSError):
        cause = " ".join(str(exc).split())[:300] or type(exc).__name__
        return f"cannot reach Neo4j at {uri}: {cause}"
    if isinstance(exc, ConfigurationError):
        return f"invalid Neo4j configuration for {uri}: {exc}"
    return f"Neo4j at {uri} failed: {type(exc).__name__}: {exc}"


class Tx:
    """A managed transaction that counts its statements as round trips."""

    def __init__(
        self, tx: neo4j.AsyncManagedTransaction, spans: StatementSpans = NO_STATEMENT_SPANS
    ) -> None:
        self._tx = tx
        self._spans = spans

    async def run(
        self, text: LiteralString, parameters: Mapping[str, Any] | None = None
    ) -> list[neo4j.Record]:
        _record_round_trip(text)
        with self._spans("write") as span:
            result = await self._tx.run(text, dict(parameters or {}))
            records = [record async for record in result]
            self._spans.returned(span, len(records))
            return records


class Database:
    """The process's handle on Neo4j: a driver, a database name and timeouts."""

    def __init__(self, settings: Settings, tracing: Tracing = NO_TRACING) -> None:
        self.settings = settings
        self.uri = settings.effective_uri
        self.name = settings.neo4j_database
        self._spans = tracing.statement_spans(self.name, self.uri)
        self.driver: AsyncDriver = AsyncGraphDatabase.driver(
            self.uri,
            auth=(settings.neo4j_username, settings.neo4j_password),
            connection_timeout=settings.connect_timeout,
            connection_acquisition_timeout=settings.connect_timeout + settings.query_timeout,
            max_connection_pool_size=settings.max_connection_pool_size,
            max_transaction_retry_time=settings.query_timeout,
            liveness_check_timeout=30.0,
            # Query notifications (e.g. "property does not exist yet") are not errors of ours.
            notifications_min_severity="OFF",
        )

    async def close(self) -> None:
        await self.driver.close()

    async def verify(self) -> None:
        """Fail fast with DatabaseUnavailable when Neo4j is unreachable or refuses us."""
        try:
            await self.driver.verify_connectivity()
        except (DriverError, Neo4jError, OSError) as exc:
            raise DatabaseUnavailable(describe_connection_error(self.uri, exc)) from exc

    def _query(self, text: LiteralString) -> neo4j.Query:
        return neo4j.Query(text, timeout=self.settings.query_timeout)

    async def read(
        self, text: LiteralString, parameters: Mapping[str, Any] | None = None
    ) -> list[neo4j.Record]:
        """Run a read query (routed to readers) and return its records.

        An auto-commit query: the driver sends RUN and PULL together and gets the records back
        in one network round trip, where a managed transaction adds BEGIN and a COMMIT round
        trip (measured: about a quarter more reads per second on loopback). A read has nothing
        to commit, so nothing is lost; the retry a managed transaction would give on transient
        errors and lost connections is done here, within the same time budget. The session
        shares the driver's bookmark manager with writes, so a read after a write of this
        process sees it, on a cluster too.
        """
        _record_round_trip(text)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.query_timeout
        delay = 0.05
        with self._spans("read") as span:  # one span for the statement, its retries as events
            while True:
                try:
                    with NEO4J_IN_FLIGHT.track_inprogress():
                        async with self.driver.session(
                            database=self.name,
                            default_access_mode=neo4j.READ_ACCESS,
                            bookmark_manager=self.driver.execute_query_bookmark_manager,
                        ) as session:
                            result = await session.run(self._query(text), dict(parameters or {}))
                            records = [record async for record in result]
                            self._spans.returned(span, len(records))
                            return records
                except (ServiceUnavailable, SessionExpired, TransientError) as exc:
                    retryable = not isinstance(exc, TransientError) or exc.is_retryable()
                    if not retryable or loop.time() + delay > deadline:
                        if isinstance(exc, TransientError):
                            raise
                        raise DatabaseUnavailable(describe_connection_error(self.uri, exc)) from exc
                    self._spans.retried(span, exc)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 1.0)
                except AuthError as exc:
                    raise DatabaseUnavailable(describe_connection_error(self.uri, exc)) from exc

    async def read_once(
        self, text: LiteralString, parameters: Mapping[str, Any] | None = None
    ) -> list[neo4j.Record]:
        """A read without the driver's retries, for probes (/ready) that must answer quickly."""
        _record_round_trip(text)
        try:
            with self._spans("read") as span:
                async with self.driver.session(
                    database=self.name, default_access_mode=neo4j.READ_ACCESS
                ) as session:
                    result = await session.run(self._query(text), dict(parameters or {}))
                    records = [record async for record in result]
                    self._spans.returned(span, len(records))
                    return records
        except (ServiceUnavailable, SessionExpired, AuthError, OSError) as exc:
            raise DatabaseUnavailable(describe_connection_error(self.uri, exc)) from exc

    async def write(
        self, text: LiteralString, parameters: Mapping[str, Any] | None = None
    ) -> list[neo4j.Record]:
        """Run a write query in one managed transaction (all or nothing, retried if transient)."""
        return await self._execute(text, parameters, RoutingControl.WRITE)

    async def in_write_transaction(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """Run `work` in one managed write transaction: it commits whole or not at all.

        The driver retries `work` on transient errors (deadlocks, leader switches), so it must
        only touch the database through the Tx it is given.
        """

        @neo4j.unit_of_work(timeout=self.settings.query_timeout * 3)
        async def run(tx: neo4j.AsyncManagedTransaction) -> T:
            return await work(Tx(tx, self._spans))

        try:
            async with self._write_session() as session:
                return await session.execute_write(run)
        except (ServiceUnavailable, SessionExpired, AuthError) as exc:
            raise DatabaseUnavailable(describe_connection_error(self.uri, exc)) from exc

    async def write_in_one_transaction(
        self,
        steps: Sequence[tuple[LiteralString, Mapping[str, Any]]],
        on_step: Callable[[int, int], None] | None = None,
        finish: Callable[[Tx, bool], Awaitable[object]] | None = None,
    ) -> dict[str, int]:
        """Run several write statements as one transaction: all of them commit, or none.

        Returns the summed counters (nodes_created, properties_set, ...), so a caller can show
        that a repeated, idempotent write changed nothing. `finish` runs last, in the same
        transaction, told whether the steps changed anything (the seed bumps the graph revision
        there only when they did); what it writes is left out of the counters, so that a
        repeated seed still reports zeros.
        """

        @neo4j.unit_of_work(timeout=self.settings.query_timeout * (len(steps) + 1))
        async def work(tx: neo4j.AsyncManagedTransaction) -> dict[str, int]:
            totals: dict[str, int] = {}
            for done, (text, parameters) in enumerate(steps, start=1):
                _record_round_trip(text)
                with self._spans("write"):
                    result = await tx.run(text, dict(parameters))
                    summary = await result.consume()
                for name, value in vars(summary.counters).items():
                    if isinstance(value, int) and not isinstance(value, bool):
                        totals[name.lstrip("_")] = totals.get(name.lstrip("_"), 0) + value
                if on_step is not None:
                    on_step(done, len(steps))
            if finish is not None:
                changed = any(v for k, v in totals.items() if k != "system_updates")
                await finish(Tx(tx, self._spans), changed)
            return totals

        try:
            async with self._write_session() as session:
                return await session.execute_write(work)
        except (ServiceUnavailable, SessionExpired, AuthError) as exc:
            raise DatabaseUnavailable(describe_connection_error(self.uri, exc)) from exc

    def _write_session(self) -> neo4j.AsyncSession:
        """A session whose commits land in the bookmark manager that reads (and execute_query)
        use: on a cluster, a read routed to a follower then waits until it has applied them."""
        return self.driver.session(
            database=self.name, bookmark_manager=self.driver.execute_query_bookmark_manager
        )

    async def _execute(
        self,
        text: LiteralString,
        parameters: Mapping[str, Any] | None,
        routing: RoutingControl,
    ) -> list[neo4j.Record]:
        _record_round_trip(text)
        access = "write" if routing is RoutingControl.WRITE else "read"
        try:
            with NEO4J_IN_FLIGHT.track_inprogress(), self._spans(access) as span:
                result = await self.driver.execute_query(
                    self._query(text),
                    parameters_=dict(parameters or {}),
                    database_=self.name,
                    routing_=routing,
                )
                self._spans.returned(span, len(result.records))
        except (ServiceUnavailable, SessionExpired, AuthError) as exc:
            raise DatabaseUnavailable(describe_connection_error(self.uri, exc)) from exc
        return list(result.records)
