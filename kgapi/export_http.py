"""GET /export/{format}: the graph for researchers' tools, streamed as it is read.

`/export/jsonld` and `/export/graphml` answer one document; `/export/csv` answers a zip of every
table (nodes, relations, evidence, documents), and `/export/csv?table=nodes` one table as CSV.
The same reading rules as /graphql apply: anonymous when KGAPI_ALLOW_ANONYMOUS_READS is on,
otherwise a valid token, and a wrong token is refused either way.

Everything that can fail cleanly is checked before the first byte (format, table, token, Neo4j
answering); once streaming has begun the status is sent, so a failure mid-way can only cut the
response short, which clients see as an incomplete download rather than a wrong one.
"""

from __future__ import annotations

from neo4j.exceptions import DriverError, Neo4jError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from kgapi.auth import AuthenticationFailed
from kgapi.authenticate import authenticate
from kgapi.config import Settings
from kgapi.db import Database, DatabaseUnavailable, describe_connection_error
from kgapi.export import CsvTable, ExportFormat, export_chunks, file_name, media_type
from kgapi.queries.export import export_counts

__all__ = ["routes"]

FORMATS = ", ".join(f.value for f in ExportFormat)
TABLES = ", ".join(t.value for t in CsvTable)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _refusal(request: Request, db: Database, settings: Settings) -> Response | None:
    """The response that refuses this caller, or None when they may read."""
    try:
        principal = await authenticate(request.headers.get("authorization"), settings, db)
    except AuthenticationFailed as exc:
        return _error(401, str(exc))
    if principal.anonymous and not settings.allow_anonymous_reads:
        return _error(401, "this needs a token: send Authorization: Bearer <API key or JWT>")
    return None


async def export(request: Request) -> Response:
    """Stream one export; see the module docstring for the formats and the csv `table`."""
    name = request.path_params["format"]
    try:
        fmt = ExportFormat(name)
    except ValueError:
        return _error(404, f"unknown export format {name!r}; choose one of: {FORMATS}")
    table: CsvTable | None = None
    if "table" in request.query_params:
        given = request.query_params["table"]
        if fmt is not ExportFormat.CSV:
            return _error(400, f"`table` applies to csv only, not to {fmt.value}")
        try:
            table = CsvTable(given)
        except ValueError:
            return _error(400, f"unknown csv table {given!r}; choose one of: {TABLES}")

    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    try:
        refusal = await _refusal(request, db, settings)
        if refusal is not None:
            return refusal
        await export_counts(db)  # Neo4j answers before a 200 is promised
    except DatabaseUnavailable as exc:
        return _error(503, str(exc))
    except (DriverError, Neo4jError, OSError) as exc:
        return _error(503, describe_connection_error(db.uri, exc))

    headers = {"content-disposition": f'attachment; filename="{file_name(fmt, table)}"'}
    if request.method == "HEAD":  # a probe: the headers, without reading the whole graph
        probe = Response(media_type=media_type(fmt, table), headers=headers)
        del probe.headers["content-length"]  # unknown until streamed; 0 would be wrong
        return probe
    return StreamingResponse(
        export_chunks(db, fmt, table=table), media_type=media_type(fmt, table), headers=headers
    )


routes: list[BaseRoute] = [Route("/export/{format}", export, methods=["GET"])]
