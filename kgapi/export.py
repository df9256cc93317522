"""Exports for researchers' tools: JSON-LD, GraphML and CSV, written as a stream of chunks.

A researcher's graph may outgrow what one process should hold, so nothing here builds a whole
document: every writer is an async generator that reads one keyset batch
(kgapi.queries.export), turns it into bytes and yields them before reading the next. The CLI
writes the chunks to a file, the app hands the same generator to a StreamingResponse.

- JSON-LD: the @context of `export_context.jsonld` (schema.org for entities, W3C PROV for the
  evidence trail, `kg:` = https://kgapi.example/vocab# for predicates and statuses) inlined, so
  the file stands alone offline; then one `@graph` of documents, entities and claims.
- GraphML: entities are nodes (id = slug), claims are directed edges subject → object (id =
  claim id), with `<key>` declarations Gephi, yEd and networkx read. Lists (aliases, evidence
  quotes and their translations) are JSON arrays in their attribute, so any value round-trips.
- CSV: four tables (nodes, relations, evidence, documents), RFC 4180 via the csv module, UTF-8
  without a byte-order mark, each with a header row; as one table or as a zip of all four. A
  text cell a spreadsheet would run as a formula (it begins with =, +, -, @, tab or carriage
  return) is prefixed with a single quote and quoted, as OWASP's CSV-injection guidance asks.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
import zipfile
from collections.abc import AsyncIterator, Callable, Iterable
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote as url_quote

from kgapi import model
from kgapi.db import Database
from kgapi.queries.export import (
    ExportClaim,
    ExportCounts,
    ExportDocument,
    ExportEntity,
    claim_batches,
    document_batches,
    entity_batches,
)

__all__ = [
    "CONTEXT_FILE",
    "DEFAULT_BATCH_SIZE",
    "KIND_TYPES",
    "CsvTable",
    "ExportFormat",
    "Progress",
    "csv_table_chunks",
    "csv_zip_chunks",
    "expected_rows",
    "export_chunks",
    "file_name",
    "graphml_chunks",
    "jsonld_chunks",
    "jsonld_context",
    "media_type",
]

DEFAULT_BATCH_SIZE = 500
CONTEXT_FILE = Path(__file__).with_name("export_context.jsonld")
ENTITY_BASE = "entity:"  # compact IRIs, expanded by the prefixes of the @context
CLAIM_BASE = "claim:"
DOCUMENT_BASE = "document:"
VOCAB_PREFIX = "kg:"
# Characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FILE_STEM = "kgapi-export"

Progress = Callable[[int], None]
"""Called with the number of rows (documents, entities or claims) just written."""


class ExportFormat(StrEnum):
    JSONLD = "jsonld"
    GRAPHML = "graphml"
    CSV = "csv"


class CsvTable(StrEnum):
    NODES = "nodes"
    RELATIONS = "relations"
    EVIDENCE = "evidence"
    DOCUMENTS = "documents"


# schema.org has no Office, Corridor, Sector, Capability, Initiative or Goal; those fall back to
# the nearest honest type (Place, Product) or to Thing. Every entity also carries `kg:<Kind>`, so
# the fallback loses nothing.
KIND_TYPES: dict[model.EntityKind, str] = {
    model.EntityKind.COUNTRY: "schema:Country",
    model.EntityKind.CITY: "schema:City",
    model.EntityKind.REGION: "schema:Place",
    model.EntityKind.PERSON: "schema:Person",
    model.EntityKind.OFFICE: "schema:Thing",
    model.EntityKind.MINISTRY: "schema:GovernmentOrganization",
    model.EntityKind.ASSOCIATION: "schema:Organization",
    model.EntityKind.AGREEMENT: "schema:CreativeWork",
    model.EntityKind.CORRIDOR: "schema:Place",
    model.EntityKind.COMMODITY: "schema:Product",
    model.EntityKind.SECTOR: "schema:Thing",
    model.EntityKind.CAPABILITY: "schema:Thing",
    model.EntityKind.EVENT: "schema:Event",
    model.EntityKind.INITIATIVE: "schema:Thing",
    model.EntityKind.GOAL: "schema:Thing",
}

_MEDIA_TYPES = {
    ExportFormat.JSONLD: "application/ld+json",
    ExportFormat.GRAPHML: "application/graphml+xml; charset=utf-8",
    ExportFormat.CSV: "text/csv; charset=utf-8",
}
_ZIP_MEDIA_TYPE = "application/zip"

_CSV_COLUMNS: dict[CsvTable, tuple[str, ...]] = {
    CsvTable.NODES: (
        "slug",
        "kind",
        "name_en",
        "name_bn",
        "aliases",
        "description",
        "names_other",
    ),
    CsvTable.RELATIONS: (
        "claim_id",
        "predicate",
        "status",
        "rank",
        "subject",
        "object",
        "qualifiers",
        "evidence_count",
        "effective",
        "valid_from",
        "valid_to",
    ),
    CsvTable.EVIDENCE: (
        "claim_id",
        "document",
        "sentence_index",
        "start",
        "end",
        "quote",
        "translation",
    ),
    CsvTable.DOCUMENTS: ("slug", "title", "title_en", "language", "listed_only", "sha256", "url"),
}

_GRAPHML_NODE_KEYS = (
    "label",
    "kind",
    "name_en",
    "name_bn",
    "aliases",
    "description",
    "names_other",
)
_GRAPHML_EDGE_KEYS = (
    "label",
    "predicate",
    "status",
    "rank",
    "claim_id",
    "qualifiers",
    "evidence",
    "evidence_en",
    "effective",
    "valid_from",
    "valid_to",
)

# XML 1.0 cannot carry these at all, not even as character references.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def media_type(fmt: ExportFormat, table: CsvTable | None = None) -> str:
    """The Content-Type of an export: all CSV tables at once travel as one zip."""
    if fmt is ExportFormat.CSV and table is None:
        return _ZIP_MEDIA_TYPE
    return _MEDIA_TYPES[fmt]


def file_name(fmt: ExportFormat, table: CsvTable | None = None) -> str:
    """The name a download is saved under."""
    if fmt is ExportFormat.CSV:
        return f"{FILE_STEM}.zip" if table is None else f"{FILE_STEM}-{table.value}.csv"
    return f"{FILE_STEM}.{fmt.value}"


def expected_rows(counts: ExportCounts, fmt: ExportFormat, table: CsvTable | None = None) -> int:
    """The total a progress bar counts to: the rows each writer reports through `progress`."""
    if fmt is not ExportFormat.CSV:
        return counts.documents + counts.entities + counts.claims
    per_table = {
        CsvTable.NODES: counts.entities,
        CsvTable.RELATIONS: counts.claims,
        CsvTable.EVIDENCE: counts.claims,
        CsvTable.DOCUMENTS: counts.documents,
    }
    return per_table[table] if table is not None else sum(per_table.values())


def export_chunks(
    db: Database,
    fmt: ExportFormat,
    *,
    table: CsvTable | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> AsyncIterator[bytes]:
    """The chunks of one export; CSV without a table is the zip of every table."""
    if fmt is ExportFormat.JSONLD:
        return jsonld_chunks(db, batch_size=batch_size, progress=progress)
    if fmt is ExportFormat.GRAPHML:
        return graphml_chunks(db, batch_size=batch_size, progress=progress)
    if table is None:
        return csv_zip_chunks(db, batch_size=batch_size, progress=progress)
    return csv_table_chunks(db, table, batch_size=batch_size, progress=progress)


def _report(progress: Progress | None, rows: int) -> None:
    if progress is not None:
        progress(rows)


# --- JSON-LD ---------------------------------------------------------------------------------


@cache
def jsonld_context() -> dict[str, Any]:
    """The @context object, read once from the file the README links (the one source of it)."""
    document: dict[str, Any] = json.loads(CONTEXT_FILE.read_text("utf-8"))
    context: dict[str, Any] = document["@context"]
    return context


def _iri(base: str, key: str) -> str:
    return base + url_quote(key, safe="")


def _language_map(pairs: Iterable[tuple[str | None, str | None]]) -> dict[str, Any]:
    """A JSON-LD language map; a second value in one language becomes a list, never lost."""
    values: dict[str, list[str]] = {}
    for language, value in pairs:
        if language and value and value not in values.setdefault(language, []):
            values[language].append(value)
    return {lang: found[0] if len(found) == 1 else found for lang, found in values.items() if found}


def _entity_types(kind: str) -> list[str]:
    try:
        known = model.EntityKind(kind)
    except ValueError:
        return ["schema:Thing"]
    return [KIND_TYPES[known], VOCAB_PREFIX + known.value]


def _jsonld_document(doc: ExportDocument) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@id": _iri(DOCUMENT_BASE, doc.slug),
        "@type": ["prov:Entity", "schema:CreativeWork"],
        "slug": doc.slug,
        "name": _language_map([(doc.language, doc.title), (model.Language.EN, doc.title_en)]),
        "inLanguage": doc.language,
        "listedOnly": doc.listed_only,
        "sha256": doc.sha256,
        "url": doc.url,
    }
    return {k: v for k, v in node.items() if v is not None and v != {}}


def _jsonld_entity(entity: ExportEntity) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@id": _iri(ENTITY_BASE, entity.slug),
        "@type": _entity_types(entity.kind),
        "slug": entity.slug,
        "kind": entity.kind,
        "name": _language_map(entity.names().items()),
        "alternateName": entity.aliases,
        "description": entity.description,
    }
    return {k: v for k, v in node.items() if v is not None and v != {} and v != []}


def _jsonld_claim(claim: ExportClaim) -> dict[str, Any]:
    spans: list[dict[str, Any]] = []
    for ev in claim.evidence:
        span: dict[str, Any] = {
            # RFC 5147 fragment: the span is identified by its place in the document's text.
            "@id": f"{_iri(DOCUMENT_BASE, ev.document)}#char={ev.start},{ev.end}",
            "@type": "prov:Entity",
            "quote": {"@value": ev.quote, "@language": ev.language} if ev.language else ev.quote,
            "wasQuotedFrom": _iri(DOCUMENT_BASE, ev.document),
            "sentenceIndex": ev.sentence_index,
            "start": ev.start,
            "end": ev.end,
        }
        if ev.translation is not None:
            span["translation"] = ev.translation
        spans.append(span)
    node: dict[str, Any] = {
        "@id": _iri(CLAIM_BASE, claim.id),
        "@type": ["prov:Entity", VOCAB_PREFIX + "Claim"],
        "predicate": VOCAB_PREFIX + claim.predicate,
        "status": VOCAB_PREFIX + claim.status,
        "rank": claim.rank,
        "subject": _iri(ENTITY_BASE, claim.subject) if claim.subject else None,
        "object": _iri(ENTITY_BASE, claim.object) if claim.object else None,
        "qualifiers": claim.qualifiers,
        "effective": claim.effective,
        "validFrom": claim.valid_from,
        "validTo": claim.valid_to,
        "wasDerivedFrom": spans,
    }
    return {k: v for k, v in node.items() if v is not None}


class _JsonArrayItems:
    """Commas between the items of one JSON array written across many chunks."""

    def __init__(self) -> None:
        self._first = True

    def join(self, items: Iterable[dict[str, Any]]) -> bytes:
        parts: list[str] = []
        for item in items:
            parts.append(("" if self._first else ",\n") + json.dumps(item, ensure_ascii=False))
            self._first = False
        return "".join(parts).encode()


async def jsonld_chunks(
    db: Database, *, batch_size: int = DEFAULT_BATCH_SIZE, progress: Progress | None = None
) -> AsyncIterator[bytes]:
    """`{"@context": ..., "@graph": [documents, entities, claims]}`, one chunk per batch."""
    context = json.dumps(jsonld_context(), ensure_ascii=False, indent=1)
    yield ('{"@context": ' + context + ',\n"@graph": [\n').encode()
    items = _JsonArrayItems()
    async for documents in document_batches(db, batch_size):
        yield items.join(_jsonld_document(doc) for doc in documents)
        _report(progress, len(documents))
    async for entities in entity_batches(db, batch_size):
        yield items.join(_jsonld_entity(entity) for entity in entities)
        _report(progress, len(entities))
    async for claims in claim_batches(db, batch_size):
        yield items.join(_jsonld_claim(claim) for claim in claims)
        _report(progress, len(claims))
    yield b"\n]}\n"


# --- GraphML ---------------------------------------------------------------------------------


def _xml_text(value: str) -> str:
    cleaned = _XML_INVALID.sub("\ufffd", value)
    return cleaned.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_attr(value: str) -> str:
    """Quoted for an attribute; newlines and tabs as references so parsers keep them."""
    return (
        _xml_text(value)
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


def _graphml_header() -> str:
    keys = [
        f'  <key id="n_{name}" for="node" attr.name="{name}" attr.type="string"/>'
        for name in _GRAPHML_NODE_KEYS
    ] + [
        f'  <key id="e_{name}" for="edge" attr.name="{name}" attr.type="string"/>'
        for name in _GRAPHML_EDGE_KEYS
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns"\n'
        '         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n'
        '         xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
        + "\n".join(keys)
        + '\n  <graph id="kgapi" edgedefault="directed">\n'
    )


def _graphml_data(prefix: str, values: dict[str, str | None]) -> str:
    return "".join(
        f'<data key="{prefix}_{name}">{_xml_text(value)}</data>'
        for name, value in values.items()
        if value
    )


def _graphml_node(entity: ExportEntity) -> str:
    data = _graphml_data(
        "n",
        {
            "label": entity.name_en or entity.name_bn or entity.slug,
            "kind": entity.kind,
            "name_en": entity.name_en,
            "name_bn": entity.name_bn,
            "aliases": _json_cell(entity.aliases) if entity.aliases else None,
            "description": entity.description,
            "names_other": entity.names_other,
        },
    )
    return f'    <node id="{_xml_attr(entity.slug)}">{data}</node>\n'


def _graphml_edge(claim: ExportClaim) -> str:
    data = _graphml_data(
        "e",
        {
            "label": claim.predicate,
            "predicate": claim.predicate,
            "status": claim.status,
            "rank": claim.rank,
            "claim_id": claim.id,
            "qualifiers": json.dumps(claim.qualifiers, ensure_ascii=False, sort_keys=True),
            "evidence": _json_cell([ev.quote for ev in claim.evidence]),
            "evidence_en": _json_cell([ev.translation for ev in claim.evidence]),
            "effective": claim.effective or "",
            "valid_from": claim.valid_from or "",
            "valid_to": claim.valid_to or "",
        },
    )
    return (
        f'    <edge id="{_xml_attr(claim.id)}" source="{_xml_attr(claim.subject or "")}" '
        f'target="{_xml_attr(claim.object or "")}">{data}</edge>\n'
    )


async def graphml_chunks(
    db: Database, *, batch_size: int = DEFAULT_BATCH_SIZE, progress: Progress | None = None
) -> AsyncIterator[bytes]:
    """Entities as nodes, then claims as directed edges; one chunk per batch.

    Documents are not nodes (graph tools would draw them as hubs); their slugs travel in the
    JSON-LD and CSV exports. A claim with a missing end (never written by kgapi) is skipped
    rather than pointing at a node that does not exist.
    """
    yield _graphml_header().encode()
    async for entities in entity_batches(db, batch_size):
        yield "".join(_graphml_node(entity) for entity in entities).encode()
        _report(progress, len(entities))
    async for claims in claim_batches(db, batch_size):
        yield "".join(_graphml_edge(c) for c in claims if c.subject and c.object).encode()
        _report(progress, len(claims))
    yield b"  </graph>\n</graphml>\n"


# --- CSV -------------------------------------------------------------------------------------


class _Neutralised(str):
    """A text cell made inert: the writer quotes it (csv.QUOTE_MINIMAL would not)."""

    __slots__ = ()


def _neutralise(cell: Any) -> Any:
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return _Neutralised("'" + cell)
    return cell


def _csv_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    """RFC 4180 (CRLF, fields quoted when needed); neutralised cells always quoted."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    for row in rows:
        cells = [_neutralise(cell) for cell in row]
        if not any(isinstance(cell, _Neutralised) for cell in cells):
            writer.writerow(cells)
            continue
        buffer.write(",".join(_csv_cell(cell) for cell in cells) + "\r\n")
    return buffer.getvalue().encode()


def _csv_cell(cell: Any) -> str:
    """One cell as the csv module would write it, except that neutralised cells are quoted."""
    if isinstance(cell, _Neutralised):
        return '"' + cell.replace('"', '""') + '"'
    if cell is None or cell == "":
        return ""  # alone in a row the csv module would write "" for it
    one = io.StringIO(newline="")
    csv.writer(one).writerow([cell])
    return one.getvalue()[:-2]  # without the row's CRLF


def _bool_cell(value: bool) -> str:
    return "true" if value else "false"  # as JSON and GraphQL spell it, not Python's True


def _json_cell(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


async def _csv_rows(
    db: Database, table: CsvTable, batch_size: int, progress: Progress | None
) -> AsyncIterator[list[tuple[Any, ...]]]:
    if table is CsvTable.NODES:
        async for entities in entity_batches(db, batch_size):
            yield [
                (
                    e.slug,
                    e.kind,
                    e.name_en,
                    e.name_bn,
                    _json_cell(e.aliases),
                    e.description,
                    e.names_other or "",
                )
                for e in entities
            ]
            _report(progress, len(entities))
    elif table is CsvTable.DOCUMENTS:
        async for documents in document_batches(db, batch_size):
            yield [
                (
                    d.slug,
                    d.title,
                    d.title_en,
                    d.language,
                    _bool_cell(d.listed_only),
                    d.sha256,
                    d.url,
                )
                for d in documents
            ]
            _report(progress, len(documents))
    elif table is CsvTable.RELATIONS:
        async for claims in claim_batches(db, batch_size):
            yield [
                (
                    c.id,
                    c.predicate,
                    c.status,
                    c.rank,
                    c.subject,
                    c.object,
                    _json_cell(c.qualifiers),
                    len(c.evidence),
                    c.effective or "",
                    c.valid_from or "",
                    c.valid_to or "",
                )
                for c in claims
            ]
            _report(progress, len(claims))
    else:
        async for claims in claim_batches(db, batch_size):
            yield [
                (c.id, ev.document, ev.sentence_index, ev.start, ev.end, ev.quote, ev.translation)
                for c in claims
                for ev in c.evidence
            ]
            _report(progress, len(claims))


async def csv_table_chunks(
    db: Database,
    table: CsvTable,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> AsyncIterator[bytes]:
    """One table: the header row, then one chunk per batch."""
    yield _csv_bytes([_CSV_COLUMNS[table]])
    async for rows in _csv_rows(db, table, batch_size, progress):
        if rows:
            yield _csv_bytes(rows)


class _Drain:
    """A write-only file for zipfile whose bytes are taken out as soon as they are written.

    Without tell() or seek(), zipfile writes each member with a data descriptor after its data
    instead of going back to patch the header, which is what makes a streamed zip possible.
    """

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


async def csv_zip_chunks(
    db: Database, *, batch_size: int = DEFAULT_BATCH_SIZE, progress: Progress | None = None
) -> AsyncIterator[bytes]:
    """Every table as `<table>.csv` in one deflated zip, compressed and sent as it is read."""
    drain = _Drain()
    with zipfile.ZipFile(drain, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in CsvTable:
            member = zipfile.ZipInfo(f"{table.value}.csv")
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            member.date_time = time.localtime()[:6]
            with archive.open(member, mode="w") as entry:
                async for chunk in csv_table_chunks(
                    db, table, batch_size=batch_size, progress=progress
                ):
                    entry.write(chunk)
                    data = drain.take()
                    if data:
                        yield data
            data = drain.take()
            if data:
                yield data
    yield drain.take()  # the central directory
