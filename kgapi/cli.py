"""The `kgapi` command: serve, seed, schema, and the local Neo4j.

Every failure a person can act on is printed as one line on stderr with exit code 1; `--debug`
shows the traceback instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Coroutine
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from kgapi.config import Settings
from kgapi.db import Database, DatabaseUnavailable
from kgapi.neo4j_local import LocalNeo4j, ProvisioningError
from kgapi.validation import SeedInvalid

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    name="kgapi",
    help="A document-grounded knowledge-graph API: GraphQL over Neo4j.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
neo4j_app = typer.Typer(
    help="The project's own Neo4j (from Maven Central, no Docker).", no_args_is_help=True
)
schema_app = typer.Typer(help="The Neo4j schema and the GraphQL SDL.", no_args_is_help=True)
keys_app = typer.Typer(
    help="API keys for integration partners (stored as hashes).", no_args_is_help=True
)
app.add_typer(neo4j_app, name="neo4j")
app.add_typer(keys_app, name="keys")
app.add_typer(schema_app, name="schema")

console = Console()
err = Console(stderr=True)
_state = {"debug": False}


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(1)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn known failures into one readable line (or a traceback with --debug)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (ProvisioningError, DatabaseUnavailable) as exc:
            if _state["debug"]:
                raise
            raise _fail(str(exc)) from None
        except SeedInvalid as exc:
            if _state["debug"]:
                raise
            err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except ValidationError as exc:
            if _state["debug"]:
                raise
            parts = [
                f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors()
            ]
            raise _fail("invalid configuration: " + "; ".join(parts)) from None

    return wrapper


def _settings() -> Settings:
    return Settings()


def _run(coro: Coroutine[Any, Any, R]) -> R:
    return asyncio.run(coro)


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    """kgapi: every fact with the sentence that states it."""
    _state["debug"] = debug


async def _verified_database(settings: Settings) -> Database:
    db = Database(settings)
    try:
        await db.verify()
    except DatabaseUnavailable:
        await db.close()
        raise
    return db


@app.command()
@handle_errors
def check() -> None:
    """Check that Neo4j answers with the configured URI and credentials."""
    settings = _settings()

    async def go() -> str:
        db = await _verified_database(settings)
        try:
            records = await db.read(
                "CALL dbms.components() YIELD versions, edition RETURN versions[0] AS v, edition"
            )
        finally:
            await db.close()
        return f"{records[0]['v']} {records[0]['edition']}"

    console.print(f"Neo4j {_run(go())} answers at {settings.effective_uri}")


@app.command()
@handle_errors
def seed(
    seed_dir: Annotated[
        Path | None, typer.Option(help="Folder with documents/ and graph/.")
    ] = None,
) -> None:
    """Validate the seed files, apply the schema and write the graph (idempotent)."""
    from kgapi.seed import DEFAULT_SEED_DIR, seed_database

    settings = _settings()

    async def go() -> Any:
        from rich.progress import Progress

        db = await _verified_database(settings)
        try:
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("validating, then writing in one transaction", total=None)

                def step(done: int, total: int) -> None:
                    progress.update(task, completed=done, total=total)

                return await seed_database(db, seed_dir or DEFAULT_SEED_DIR, step)
        finally:
            await db.close()

    report = _run(go())
    table = Table(title="kgapi seed", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    for name in ("documents", "sentences", "entities", "claims"):
        table.add_row(name, str(getattr(report, name)))
    for name, value in sorted(report.counters.items()):
        table.add_row(f"neo4j: {name}", str(value))
    console.print(table)
    console.print("changed the database" if report.changed else "nothing changed (already seeded)")


@schema_app.command("apply")
@handle_errors
def schema_apply() -> None:
    """Apply schema/constraints.cypher (idempotent)."""
    from kgapi.queries.schema import apply_schema

    settings = _settings()

    async def go() -> int:
        db = await _verified_database(settings)
        try:
            return await apply_schema(db)
        finally:
            await db.close()

    console.print(f"applied {_run(go())} schema statements")


@schema_app.command("export")
@handle_errors
def schema_export(
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Print (or write) the GraphQL SDL, for codegen; schema/schema.graphql is this output."""
    from kgapi.graphql.sdl import export_sdl

    sdl = export_sdl(_settings())
    if out is None:
        sys.stdout.write(sdl)
    else:
        out.write_text(sdl, "utf-8")
        console.print(f"wrote {out}")


@app.command()
@handle_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Interface (default KGAPI_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default KGAPI_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="uvicorn workers (KGAPI_WORKERS).")] = None,
) -> None:
    """Serve the API with uvicorn (GraphiQL at /graphql); fails fast if Neo4j is unreachable."""
    import uvicorn

    from kgapi.slow_clients import PROTOCOL as SLOW_CLIENT_PROTOCOL

    settings = _settings()

    async def preflight() -> None:
        db = await _verified_database(settings)
        await db.close()

    _run(preflight())
    bind_host = host or settings.host
    bind_port = port or settings.port
    console.print(
        f"kgapi on http://{bind_host}:{bind_port}/graphql (Neo4j {settings.effective_uri})"
    )
    uvicorn.run(
        "kgapi.app:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        ws_ping_interval=settings.ws_ping_interval or None,  # keeps idle feeds' proxies open
        ws_ping_timeout=settings.ws_ping_timeout,
        proxy_headers=False,  # kgapi.app trusts X-Forwarded-For from KGAPI_TRUSTED_PROXIES only
        http=SLOW_CLIENT_PROTOCOL,  # closes clients that send a request too slowly
    )


@neo4j_app.command("start")
@handle_errors
def neo4j_start() -> None:
    """Provision (first time only) and start Neo4j; returns once Bolt answers a query."""
    local = LocalNeo4j(_settings())
    with console.status(f"starting Neo4j {local.version} on {local.uri}"):
        result = local.start()
    verb = "started" if result.started else "already running"
    cached = "downloaded and compiled" if result.downloaded else "from cache"
    console.print(
        f"Neo4j {result.version} {result.edition} {verb} at {result.uri} "
        f"(pid {result.pid}, {cached}, {result.seconds:.1f}s)"
    )


@neo4j_app.command("stop")
@handle_errors
def neo4j_stop() -> None:
    """Stop the Neo4j this project started (only that process)."""
    pid = LocalNeo4j(_settings()).stop()
    console.print(f"stopped Neo4j (pid {pid})" if pid else "Neo4j was not running")


@neo4j_app.command("status")
@handle_errors
def neo4j_status() -> None:
    """Say whether the project's Neo4j runs and answers; exit 3 when it is not running."""
    status = LocalNeo4j(_settings()).status()
    if not status.running:
        console.print(f"not running (home {status.home})")
        raise typer.Exit(3)
    answer = f"answering, Neo4j {status.version}" if status.answering else "not answering yet"
    console.print(f"running at {status.uri} (pid {status.pid}), {answer}")


@neo4j_app.command(
    "exec",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
@handle_errors
def neo4j_exec(
    ctx: typer.Context,
    isolated: Annotated[
        bool,
        typer.Option(
            "--isolated",
            help="Start a throw-away Neo4j on a free port in a temporary home, removed "
            "afterwards (what `make test` uses, so it never meets `make run`'s Neo4j).",
        ),
    ] = False,
) -> None:
    """Run a command with Neo4j up: `kgapi neo4j exec -- pytest`.

    Starts the local Neo4j unless NEO4J_URI points elsewhere, exports NEO4J_URI to the command,
    and afterwards stops Neo4j if, and only if, this call started it, whatever the outcome.
    With --isolated the Neo4j is always a new one of this call's own (NEO4J_URI is ignored), so
    any number of such calls and a developer's `make run` can run side by side.
    """
    command = list(ctx.args)
    if not command:
        raise _fail("give a command after --, e.g. kgapi neo4j exec -- pytest")
    settings = _settings()
    env = dict(os.environ)
    local: LocalNeo4j | None = None
    started = False
    scratch: Path | None = None
    if isolated:
        scratch = Path(tempfile.mkdtemp(prefix="kgapi-neo4j-"))
        settings = settings.model_copy(
            update={
                "neo4j_uri": None,
                "neo4j_home": scratch / "home",
                "neo4j_bolt_port": _free_local_port(),
            }
        )
    try:
        if isolated or settings.uses_local_neo4j:
            local = LocalNeo4j(settings)
            with console.status(f"starting Neo4j {local.version} on {local.uri}"):
                result = local.start()
            started = result.started
            console.print(
                f"Neo4j {result.version} {result.edition} at {result.uri} "
                f"({'started' if started else 'already running'}, {result.seconds:.1f}s"
                f"{', isolated in ' + str(scratch) if scratch else ''})"
            )
            env["NEO4J_URI"] = result.uri
            env["KGAPI_NEO4J_BOLT_PORT"] = str(local.port)
            env["KGAPI_NEO4J_HOME"] = str(local.home)
        # Ctrl-C reaches the child (same process group); we outlive it to clean up. A SIGTERM
        # sent to this process alone (a CI runner's timeout, `kill`) is passed on to the child,
        # and we still stop Neo4j once it has gone.
        # The child is started first, so that it inherits the default SIGINT action, not our
        # SIG_IGN (a process that starts with SIGINT ignored keeps ignoring it: Ctrl-C would
        # never stop pytest, and `make run` under it would not die of the signal).
        child = subprocess.Popen(command, env=env)
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        previous_term = signal.signal(
            signal.SIGTERM, lambda _signum, _frame: child.send_signal(signal.SIGTERM)
        )
        try:
            code = child.wait()
        finally:
            signal.signal(signal.SIGINT, previous)
            signal.signal(signal.SIGTERM, previous_term)
            if local is not None and started:
                local.stop()
                console.print("stopped the Neo4j this command started")
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    raise typer.Exit(code)


def _free_local_port() -> int:
    """A port the kernel just handed out on 127.0.0.1; Neo4j binds it a moment later."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _with_db(settings: Settings, work: Callable[[Database], Coroutine[Any, Any, R]]) -> R:
    db = await _verified_database(settings)
    try:
        return await work(db)
    finally:
        await db.close()


@keys_app.command("create")
@handle_errors
def keys_create(
    role: Annotated[str, typer.Option(help="reader, editor, curator or admin.")],
    name: Annotated[str, typer.Option(help="Who the key is for, e.g. ACME.")],
    scope: Annotated[
        list[str] | None,
        typer.Option(
            help="Restrict the key (repeatable): mutation:NAME allows only the mutations named "
            "(e.g. mutation:addClaim); namespace:PREFIX allows writing only slugs that start "
            "with PREFIX (e.g. namespace:acme-)."
        ),
    ] = None,
) -> None:
    """Create an API key; the token is printed once and only its hash is stored."""
    from kgapi.auth import Role, new_api_key, parse_scopes
    from kgapi.queries.keys import create_key
    from kgapi.queries.schema import apply_schema

    try:
        chosen = Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise _fail(f"--role must be one of {roles} (got {role!r})") from None
    try:
        scoped = parse_scopes(scope or [])
    except ValueError as exc:
        raise _fail(str(exc)) from None
    key_id, token, hashed = new_api_key()

    async def work(db: Database) -> None:
        await apply_schema(db)
        await create_key(
            db,
            key_id,
            name,
            chosen.value,
            hashed,
            mutations=sorted(scoped.mutations) if scoped.mutations is not None else None,
            namespaces=list(scoped.namespaces),
        )

    _run(_with_db(_settings(), work))
    console.print(
        f"created key {key_id} ({chosen.value}, {scoped.describe()}) for {name}; "
        "the token, shown once:"
    )
    sys.stdout.write(token + "\n")


@keys_app.command("list")
@handle_errors
def keys_list() -> None:
    """List API keys (ids, names, roles, scopes, created and revoked times; never secrets)."""
    from kgapi.auth import KeyScope
    from kgapi.queries.keys import list_keys

    rows = _run(_with_db(_settings(), list_keys))
    table = Table(title="API keys")
    for column in ("id", "name", "role", "scope", "created", "revoked"):
        table.add_column(column)
    for row in rows:
        scope = KeyScope.of(row.mutations, row.namespaces).describe()
        table.add_row(row.id, row.name, row.role, scope, row.created_at, row.revoked_at or "")
    console.print(table)


@keys_app.command("revoke")
@handle_errors
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key id to revoke.")]) -> None:
    """Revoke an API key at once (kept, marked revoked, for the audit trail)."""
    from kgapi.queries.keys import revoke_key

    async def work(db: Database) -> bool:
        return await revoke_key(db, key_id)

    if not _run(_with_db(_settings(), work)):
        raise _fail(f"no API key {key_id!r}")
    console.print(f"revoked key {key_id}")


@app.command()
@handle_errors
def ingest(
    file: Annotated[Path, typer.Argument(help="A UTF-8 text file, stored verbatim.")],
    lang: Annotated[str, typer.Option("--lang", help="bn or en.")],
    title: Annotated[str, typer.Option(help="Title in the document's language.")],
    url: Annotated[str | None, typer.Option(help="Where it was published.")] = None,
    published: Annotated[str | None, typer.Option(help="Publication date.")] = None,
    slug: Annotated[str | None, typer.Option(help="Document key (default from checksum).")] = None,
    actor: Annotated[str, typer.Option(help="Recorded in the audit trail.")] = "cli",
) -> None:
    """Store a document with its sentences, link mentions of known entities, and queue the
    candidates its reading proposes (review them with `kgapi review`)."""
    from rich.progress import Progress

    from kgapi.auth import Principal, Role
    from kgapi.candidates import Proposed, propose_candidates
    from kgapi.writes import WriteRejected, WriteResult, add_document

    settings = _settings()
    try:
        text = file.read_bytes().decode("utf-8")
    except OSError as exc:
        raise _fail(f"cannot read {file}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise _fail(f"{file} is not valid UTF-8 (byte {exc.start})") from None
    data = {
        "text": text,
        "language": lang,
        "title": title,
        "url": url,
        "published": published,
        "slug": slug,
    }

    async def work(db: Database) -> tuple[WriteResult, Proposed]:
        principal = Principal(f"cli:{actor}", Role.ADMIN)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("linking mentions", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            stored = await add_document(db, principal, settings, data, True, on_sentence=advance)
        return stored, await propose_candidates(db, principal, stored.target)

    try:
        result, proposed = _run(_with_db(settings, work))
    except WriteRejected as exc:
        raise _fail(str(exc)) from None
    report = result.report
    verb = "stored" if result.changed else "already stored (same checksum); nothing changed"
    console.print(f"document {result.target}: {verb}")
    if report is not None:
        console.print(
            f"{len(report.mentions)} mentions linked to "
            f"{len({m.slug for m in report.mentions})} known entities"
        )
        for candidate in report.candidates:
            console.print(
                f"  candidate (not linked): {candidate.text!r} in sentence {candidate.sentence}"
            )
    console.print(
        f"{proposed.proposed} candidates proposed by {proposed.extractor} {proposed.version}, "
        f"{proposed.new} newly queued; none is a fact until a curator accepts it: "
        f"kgapi review --document {result.target}"
    )


_REVIEW_HELP = """\
  a N TRANSLATION   accept claim candidate N, with your English rendering of its quote
  a N DESCRIPTION   accept entity candidate N, with a description of the entity
  r N REASON        reject candidate N, saying why
  q                 quit (also at the end of input)"""


@app.command()
@handle_errors
def review(
    document: Annotated[
        str | None, typer.Option("--document", help="Only this document's candidates.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="Candidates per table.")] = 50,
    actor: Annotated[str, typer.Option(help="Recorded in the audit trail as the curator.")] = "cli",
) -> None:
    """Review pending candidates: a numbered table, then accept or reject by number (commands
    read from the terminal or from standard input, one per line)."""
    from kgapi.auth import Principal, Role
    from kgapi.candidates import AcceptEdits, accept_candidate, reject_candidate
    from kgapi.queries.candidates import candidate_page
    from kgapi.writes import WriteRejected

    settings = _settings()
    principal = Principal(f"cli:{actor}", Role.CURATOR)

    async def pending(db: Database) -> list[dict[str, Any]]:
        page = await candidate_page(
            db, document=document, state="pending", type=None, after=None, limit=limit
        )
        return page.rows[:limit]

    def show(rows: list[dict[str, Any]]) -> None:
        table = Table("#", "type", "proposal", "status", "conf.", "quote", title="pending")
        for number, row in enumerate(rows, start=1):
            if row["type"] == "claim":
                what = f"{row['subject']} -{row['predicate']}-> {row['object']}"
                status = str(row["status"])
            else:
                what = f"{row['slug']} ({row['kind']})"
                status = ""
            quote = str(row["quote"])
            table.add_row(
                str(number),
                str(row["type"]),
                what,
                status,
                f"{float(row['confidence']):.2f}",
                quote if len(quote) <= 60 else quote[:57] + "...",
            )
        console.print(table)

    async def session(db: Database) -> tuple[int, int]:
        rows = await pending(db)
        if not rows:
            console.print("no pending candidates")
            return 0, 0
        show(rows)
        console.print(_REVIEW_HELP)
        accepted = rejected = 0
        for line in sys.stdin:
            command, _, rest = line.strip().partition(" ")
            if command in {"q", "quit"}:
                break
            number, _, text = rest.strip().partition(" ")
            if command not in {"a", "r"} or not number.isdigit():
                console.print(f"[red]not a command:[/red] {line.strip()!r}\n{_REVIEW_HELP}")
                continue
            index = int(number) - 1
            if not 0 <= index < len(rows):
                console.print(f"[red]no candidate {number}[/red] (1 to {len(rows)})")
                continue
            row = rows[index]
            try:
                if command == "r":
                    await reject_candidate(db, principal, str(row["id"]), text)
                    rejected += 1
                    console.print(f"{number}: rejected")
                    continue
                edits = (
                    AcceptEdits(translation=text or None)
                    if row["type"] == "claim"
                    else AcceptEdits(description=text or None)
                )
                done = await accept_candidate(db, principal, str(row["id"]), edits)
            except WriteRejected as exc:
                console.print(f"[red]{number}: not written:[/red] {exc}")
                continue
            accepted += 1
            console.print(f"{number}: accepted as {done.type.value} {done.target}")
        return accepted, rejected

    accepted, rejected = _run(_with_db(settings, session))
    if accepted or rejected:
        console.print(f"{accepted} accepted, {rejected} rejected")


@app.command("import")
@handle_errors
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help='NDJSON: one {"entity": {...}} (UpsertEntityInput) or {"claim": {...}} '
            "(AddClaimInput) per line, in the API's camelCase."
        ),
    ],
    batch_size: Annotated[
        int | None,
        typer.Option(
            min=1, max=5000, help="Items per transaction (default KGAPI_BULK_BATCH_SIZE)."
        ),
    ] = None,
    actor: Annotated[str, typer.Option(help="Recorded in the audit trail.")] = "cli",
) -> None:
    """Write entities, then claims, as upsertEntities and addClaims would (the same checks, an
    audit event per changed item), in batches. Exit 1 if any line failed; the others are
    written all the same, and a re-run writes only what is still missing."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from kgapi.auth import Principal, Role
    from kgapi.bulk_import import ImportReport, import_lines, parse_lines
    from kgapi.graphql.schema import build_schema
    from kgapi.writes import WHOLE_ITEM

    settings = _settings()
    try:
        with file.open("rb") as handle:
            lines = parse_lines(handle, build_schema(settings))
    except OSError as exc:
        raise _fail(f"cannot read {file}: {exc.strerror}") from None

    async def work(db: Database) -> ImportReport:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("importing", total=sum(1 for line in lines if line.item))

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            return await import_lines(
                db,
                Principal(f"cli:{actor}", Role.ADMIN),
                lines,
                batch_size or settings.bulk_batch_size,
                advance,
            )

    report = _run(_with_db(settings, work))
    table = Table("lines", "written", "unchanged", "failed", title=f"kgapi import {file.name}")
    for kind, tally in report.tallies.items():
        table.add_row(kind, str(tally.written), str(tally.unchanged), str(tally.failed))
    console.print(table)
    for line in report.failures:
        what = f" ({line.kind})" if line.kind else ""
        for error in line.errors:
            where = "" if error.field == WHOLE_ITEM else f"{error.field}: "
            err.print(
                f"line {line.number}{what}: {where}{error.message}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
    if report.failures:
        failed = len(report.failures)
        raise _fail(f"{failed} line{'s' if failed != 1 else ''} failed; the others were written")


@app.command()
@handle_errors
def relink(
    document: Annotated[
        str | None, typer.Option("--document", help="Only this document's slug.")
    ] = None,
    actor: Annotated[str, typer.Option(help="Recorded in the audit trail.")] = "cli",
) -> None:
    """Link mentions of known entities in the stored documents again, after the vocabulary
    grew (new entities, names or aliases). Idempotent; each change is in the audit trail."""
    from rich.progress import Progress
    from rich.table import Table

    from kgapi.auth import Principal, Role
    from kgapi.writes import Relinked, relink_documents

    settings = _settings()

    async def work(db: Database) -> list[Relinked]:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("relinking documents", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            return await relink_documents(
                db, Principal(f"cli:{actor}", Role.ADMIN), document, on_document=advance
            )

    results = _run(_with_db(settings, work))
    if document is not None and not results:
        raise _fail(f"no stored document {document!r}")
    table = Table("document", "mentions found", "newly linked")
    for row in results:
        table.add_row(row.document, str(row.mentions), str(row.linked))
    console.print(table)
    linked = sum(row.linked for row in results)
    console.print(f"{len(results)} documents, {linked} mentions newly linked")


@app.command()
@handle_errors
def export(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="jsonld, graphml or csv.", show_default=False)
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            help="File to write (default stdout); for csv without --table a directory, "
            "or a .zip file."
        ),
    ] = None,
    table: Annotated[
        str | None,
        typer.Option(help="csv only: one table (nodes, relations, evidence, documents)."),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Rows read from Neo4j per round trip.")
    ] = 500,
) -> None:
    """Export the graph for researchers' tools: JSON-LD, GraphML (Gephi, yEd) or CSV tables.

    The export is streamed batch by batch into a `.part` file that is renamed only when it is
    complete, so an interrupted export never leaves a file that looks whole.
    """
    from collections.abc import AsyncIterator
    from typing import BinaryIO

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from kgapi.export import CsvTable, ExportFormat, expected_rows, export_chunks
    from kgapi.queries.export import export_counts

    try:
        chosen = ExportFormat(fmt.lower())
    except ValueError:
        choices = ", ".join(f.value for f in ExportFormat)
        raise _fail(f"--format must be one of {choices} (got {fmt!r})") from None
    one_table: CsvTable | None = None
    if table is not None:
        if chosen is not ExportFormat.CSV:
            raise _fail("--table applies to --format csv only")
        try:
            one_table = CsvTable(table.lower())
        except ValueError:
            choices = ", ".join(t.value for t in CsvTable)
            raise _fail(f"--table must be one of {choices} (got {table!r})") from None
    all_tables = chosen is ExportFormat.CSV and one_table is None
    if all_tables and out is None:
        raise _fail("csv is several tables: give --out DIR (or --out FILE.zip), or --table")
    as_directory = all_tables and out is not None and out.suffix.lower() != ".zip"
    if as_directory and out is not None and out.exists() and not out.is_dir():
        raise _fail(f"{out} exists and is not a directory (end the name in .zip for a zip)")

    # (stream, destination) pairs; a directory of csv gets one stream per table.
    targets: list[tuple[CsvTable | None, Path | None]] = (
        [(t, out / f"{t.value}.csv") for t in CsvTable]
        if as_directory and out is not None
        else [(one_table, out)]
    )

    settings = _settings()

    async def pump(db: Database, progress: Progress, sinks: list[BinaryIO]) -> None:
        counts = await export_counts(db)
        total = sum(expected_rows(counts, chosen, t) for t, _ in targets)
        task = progress.add_task(f"exporting {chosen.value}", total=total)
        for (one, _), sink in zip(targets, sinks, strict=True):
            chunks: AsyncIterator[bytes] = export_chunks(
                db,
                chosen,
                table=one,
                batch_size=batch_size,
                progress=lambda rows: progress.advance(task, rows),
            )
            async for chunk in chunks:
                sink.write(chunk)

    parts = [path.with_name(path.name + ".part") for _, path in targets if path is not None]
    try:
        if as_directory and out is not None:
            out.mkdir(parents=True, exist_ok=True)
        sinks: list[BinaryIO] = (
            [part.open("wb") for part in parts] if out is not None else [sys.stdout.buffer]
        )
        try:
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
            quiet = not err.is_terminal  # no stray lines in logs and pipes
            with Progress(
                *columns, TimeElapsedColumn(), console=err, transient=True, disable=quiet
            ) as bar:
                _run(_with_db(settings, lambda db: pump(db, bar, sinks)))
        finally:
            for sink in sinks:
                if sink is not sys.stdout.buffer:
                    sink.close()
                else:
                    sink.flush()
        for part, path in zip(parts, [path for _, path in targets if path], strict=True):
            part.replace(path)
    except OSError as exc:
        raise _fail(f"cannot write {exc.filename or out}: {exc.strerror}") from None
    finally:
        for part in parts:
            part.unlink(missing_ok=True)
    if out is not None:
        err.print(f"wrote {chosen.value} export to {out}", highlight=False)
