"""Tracing with OpenTelemetry against the real Neo4j: the span tree of a read and of a write
(HTTP server span > GraphQL operation > Cypher statements), that no value a client sent reaches
a span, export over OTLP/HTTP from a real uvicorn process with two workers, and that tracing
is off (nothing installed, nothing exported) unless asked for."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from neo4j.exceptions import ConstraintError
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from starlette.testclient import TestClient

from kgapi.app import create_app
from kgapi.auth import new_api_key
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.queries.keys import create_key
from kgapi.tracing import (
    ENDPOINT_VARIABLES,
    NO_TRACING,
    HttpServerSpans,
    Tracing,
    tracing_requested,
)
from tests.integration.graphql_helpers import delete_written
from tests.integration.live import free_port, running_server

PREFIX = "otel-"  # every slug these tests write starts with it; the module cleans up
KEY_NAME = "test-otel-editor"
EXPORT_TIMEOUT = 60.0  # seconds to wait for the batch processor's export (not a measurement)

READ = "query EntityBySlug($slug: String!) { entity(slug: $slug) { slug name } }"
UPSERT = """mutation UpsertForTrace($input: UpsertEntityInput!) { upsertEntity(input: $input) {
  changed entity { slug revision } userErrors { field message code } } }"""
OTEL_VARIABLES = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_SDK_DISABLED",
)


def _needle(kind: str) -> str:
    return f"{PREFIX}{kind}-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module", autouse=True)
async def _clean_up(seeded: Database) -> AsyncIterator[None]:
    yield
    await seeded.write("MATCH (k:ApiKey {name: $name}) DETACH DELETE k", {"name": KEY_NAME})
    await delete_written(seeded, PREFIX)


@pytest.fixture(scope="module")
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture(scope="module")
def provider(exporter: InMemorySpanExporter) -> Iterator[TracerProvider]:
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield tracer_provider
    tracer_provider.shutdown()


@pytest.fixture(scope="module")
async def editor_token(seeded: Database) -> str:
    key_id, token, hashed = new_api_key()
    await create_key(seeded, key_id, KEY_NAME, "editor", hashed)
    return token


@contextmanager
def _client(settings: Settings, provider: TracerProvider) -> Iterator[TestClient]:
    with TestClient(create_app(settings, tracer_provider=provider)) as client:
        yield client


def _values(spans: Sequence[ReadableSpan]) -> list[str]:
    """Every name and attribute value the spans carry (events and resource included)."""
    found: list[str] = []
    for span in spans:
        found.append(span.name)
        attribute_sets = [span.attributes or {}, span.resource.attributes]
        attribute_sets += [event.attributes or {} for event in span.events]
        for attributes in attribute_sets:
            found += [str(v) for v in attributes.values()]
        found += [event.name for event in span.events]
        if span.status.description:
            found.append(span.status.description)
    return found


def _children(spans: Sequence[ReadableSpan], parent: ReadableSpan) -> list[ReadableSpan]:
    span_id = parent.context.span_id if parent.context else None
    return [s for s in spans if s.parent is not None and s.parent.span_id == span_id]


def _operation_tree(
    spans: Sequence[ReadableSpan], operation_name: str
) -> tuple[ReadableSpan, ReadableSpan, list[ReadableSpan]]:
    """(HTTP server span, GraphQL operation span, its Cypher spans), checked to be a tree."""
    servers = [s for s in spans if s.kind is SpanKind.SERVER]
    assert [s.name for s in servers] == ["POST /graphql"], [s.name for s in spans]
    server = servers[0]
    assert server.parent is None
    assert (server.attributes or {})["http.route"] == "/graphql"
    operations = [s for s in _children(spans, server) if s.name == operation_name]
    assert len(operations) == 1, [s.name for s in _children(spans, server)]
    operation = operations[0]
    cypher = _children(spans, operation)
    assert cypher, f"no Cypher span under {operation_name}: {[s.name for s in spans]}"
    return server, operation, cypher


def _assert_cypher_span(span: ReadableSpan, database: str) -> None:
    attributes = span.attributes or {}
    assert span.kind is SpanKind.CLIENT
    assert attributes["db.system.name"] == "neo4j"
    assert attributes["db.namespace"] == database
    assert span.name == attributes["db.query.summary"]
    assert str(attributes["code.function.name"]).startswith("kgapi.")
    assert str(attributes["code.function.name"]).endswith(span.name)
    assert "db.query.text" not in attributes
    assert not any(key.startswith("db.query.parameter") for key in attributes)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled-read", "resolvers"])
def test_a_read_is_one_tree_and_records_no_value(
    neo4j_settings: Settings,
    seeded: Database,
    provider: TracerProvider,
    exporter: InMemorySpanExporter,
    compiled: bool,
) -> None:
    settings = neo4j_settings.model_copy(update={"compiled_reads": compiled})
    searched, inline = _needle("searched"), _needle("inline")
    query = READ.replace("} }", f'}} other: entity(slug: "{inline}") {{ slug }} }}')
    with _client(settings, provider) as client:
        exporter.clear()
        response = client.post(
            "/graphql",
            json={"query": query, "variables": {"slug": searched}, "operationName": "EntityBySlug"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["data"] == {"entity": None, "other": None}
        spans = exporter.get_finished_spans()

    _, operation, cypher = _operation_tree(spans, "query EntityBySlug")
    assert operation.attributes == {
        "graphql.operation.type": "query",
        "graphql.operation.name": "EntityBySlug",
    }
    for span in cypher:
        _assert_cypher_span(span, settings.neo4j_database)
        assert (span.attributes or {})["kgapi.neo4j.access_mode"] == "read"
    values = " ".join(_values(spans))
    assert searched not in values
    assert inline not in values


def test_a_get_request_keeps_its_query_string_out_of_the_span(
    neo4j_settings: Settings,
    seeded: Database,
    provider: TracerProvider,
    exporter: InMemorySpanExporter,
) -> None:
    searched = _needle("get")
    with _client(neo4j_settings, provider) as client:
        exporter.clear()
        response = client.get(
            "/graphql",
            params={"query": READ, "variables": f'{{"slug": "{searched}"}}'},
            headers={"accept": "application/json"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["data"] == {"entity": None}  # the app still got the query
        spans = exporter.get_finished_spans()

    server = next(s for s in spans if s.kind is SpanKind.SERVER)
    assert server.name == "GET /graphql"
    assert _children(spans, server)[0].name == "query EntityBySlug"
    assert searched not in " ".join(_values(spans))


def test_an_operation_with_errors_records_their_codes_not_their_messages(
    neo4j_settings: Settings,
    seeded: Database,
    provider: TracerProvider,
    exporter: InMemorySpanExporter,
) -> None:
    predicate = _needle("predicate").upper().replace("-", "_")
    query = (
        'query Around($types: [Predicate!]) { neighborhood(types: $types, slug: "x") '
        "{ nodes { slug } } }"
    )
    with _client(neo4j_settings, provider) as client:
        exporter.clear()
        body = client.post("/graphql", json={"query": query, "variables": {"types": [predicate]}})
        error = body.json()["errors"][0]
        assert predicate in error["message"]  # the message quotes the input
        spans = exporter.get_finished_spans()

    operation = next(s for s in spans if s.name == "query Around")
    codes = (operation.attributes or {})["kgapi.graphql.error_codes"]
    assert tuple(codes) == (error["extensions"]["code"],)
    assert predicate not in " ".join(_values(spans))


def test_a_write_is_one_tree_and_records_no_value(
    neo4j_settings: Settings,
    seeded: Database,
    provider: TracerProvider,
    exporter: InMemorySpanExporter,
    editor_token: str,
) -> None:
    slug = _needle("written")
    entity = {
        "slug": slug,
        "kind": "INITIATIVE",
        "names": [
            {"lang": "bn", "value": "যৌথ উদ্যোগ"},
            {"lang": "en", "value": f"Name of {slug}"},
        ],
        "description": f"described {slug}",
        "aliases": [],
        "mentions": [{"document": "pk-kz-economic-ties-2025", "quote": "যৌথ উদ্যোগ"}],
    }
    with _client(neo4j_settings, provider) as client:
        exporter.clear()
        response = client.post(
            "/graphql",
            json={"query": UPSERT, "variables": {"input": entity}},
            headers={"authorization": f"Bearer {editor_token}"},
        )
        body = response.json()
        assert body.get("data"), body
        assert body["data"]["upsertEntity"]["userErrors"] == [], body
        assert body["data"]["upsertEntity"]["entity"]["slug"] == slug
        spans = exporter.get_finished_spans()

    server, operation, cypher = _operation_tree(spans, "mutation UpsertForTrace")
    assert (operation.attributes or {})["graphql.operation.type"] == "mutation"
    for span in cypher:
        _assert_cypher_span(span, neo4j_settings.neo4j_database)
    assert "write" in {(s.attributes or {})["kgapi.neo4j.access_mode"] for s in cypher}
    # The API key is looked up before the operation starts: a statement of the request.
    assert any(s.name != operation.name for s in _children(spans, server))
    values = " ".join(_values(spans))
    assert slug not in values
    assert editor_token not in values


async def test_a_failed_statement_records_its_code_not_its_message(
    seeded: Database, neo4j_settings: Settings, exporter: InMemorySpanExporter
) -> None:
    """Neo4j's message names the offending value; the span keeps only the error's code."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    db = Database(neo4j_settings, Tracing(provider))
    existing = str((await seeded.read("MATCH (e:Entity) RETURN e.slug AS slug LIMIT 1"))[0][0])
    exporter.clear()
    try:
        with (
            provider.get_tracer("test").start_as_current_span("request"),
            pytest.raises(ConstraintError) as raised,
        ):
            await db.write("CREATE (:Entity {slug: $slug})", {"slug": existing})
    finally:
        await db.close()
        provider.shutdown()
    assert existing in str(raised.value)  # so the check below means something
    statement = next(s for s in exporter.get_finished_spans() if s.name != "request")
    assert statement.name == "test_a_failed_statement_records_its_code_not_its_message"
    assert statement.status.status_code is StatusCode.ERROR
    assert (statement.attributes or {})["error.type"] == raised.value.code
    assert statement.events == ()
    assert existing not in " ".join(_values([statement]))


def test_statements_outside_a_trace_make_no_span(
    neo4j_settings: Settings,
    seeded: Database,
    provider: TracerProvider,
    exporter: InMemorySpanExporter,
) -> None:
    """The lifespan and a WebSocket's change feed run statements with no request span."""
    with _client(neo4j_settings, provider) as client:
        exporter.clear()
        with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json({"type": "connection_init"})
            assert ws.receive_json()["type"] == "connection_ack"
            ws.send_json(
                {"id": "1", "type": "subscribe", "payload": {"query": "{ stats { entities } }"}}
            )
            assert ws.receive_json()["type"] == "next"
    assert exporter.get_finished_spans() == ()


def test_tracing_is_off_unless_an_endpoint_is_set(
    neo4j_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert Tracing.from_environment() is NO_TRACING
    assert not tracing_requested({"OTEL_SERVICE_NAME": "kgapi"})
    assert tracing_requested({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318"})
    assert not tracing_requested(
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_SDK_DISABLED": "true"}
    )
    app = create_app(neo4j_settings)
    assert HttpServerSpans not in [m.cls for m in app.user_middleware]
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
    assert not isinstance(trace.get_tracer_provider(), TracerProvider)


class _Receiver(ThreadingHTTPServer):
    """An OTLP/HTTP endpoint that keeps every POST it gets."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", free_port()), _Handler)
        self.posts: list[tuple[str, str, bytes]] = []


class _Handler(BaseHTTPRequestHandler):
    server: _Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        self.server.posts.append((self.path, self.headers.get("content-type", ""), body))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextmanager
def _receiver() -> Iterator[_Receiver]:
    receiver = _Receiver()
    thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.shutdown()
        receiver.server_close()
        thread.join()


def _exported(receiver: _Receiver) -> list[tuple[dict[str, str], Any]]:
    """(resource attributes, span) for every span received."""
    spans: list[tuple[dict[str, str], Any]] = []
    for _, _, body in list(receiver.posts):
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            spans += [
                (resource, span) for scope in resource_spans.scope_spans for span in scope.spans
            ]
    return spans


def test_a_server_exports_spans_over_otlp_http(neo4j_settings: Settings, seeded: Database) -> None:
    searched = _needle("live")
    with _receiver() as receiver:
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.server_port}",
            "OTEL_BSP_SCHEDULE_DELAY": "50",
            "OTEL_SERVICE_NAME": "kgapi-trace-test",
            "OTEL_SDK_DISABLED": "false",
        }
        with running_server(neo4j_settings, workers=2, **env) as url:
            for _ in range(4):
                response = httpx.post(
                    f"{url}/graphql",
                    json={
                        "query": READ.replace("EntityBySlug", "LiveTrace"),
                        "variables": {"slug": searched},
                    },
                    timeout=60,
                )
                assert response.json()["data"] == {"entity": None}
            deadline = time.monotonic() + EXPORT_TIMEOUT
            while "query LiveTrace" not in {s.name for _, s in _exported(receiver)}:
                assert time.monotonic() < deadline, "no span exported"
                time.sleep(0.1)
        spans = _exported(receiver)

    assert {path for path, _, _ in receiver.posts} == {"/v1/traces"}
    assert {kind for _, kind, _ in receiver.posts} == {"application/x-protobuf"}
    assert all(body for _, _, body in receiver.posts)
    names = {span.name for _, span in spans}
    assert {"POST /graphql", "query LiveTrace"} <= names
    db_systems = {
        a.value.string_value for _, s in spans for a in s.attributes if a.key == "db.system.name"
    }
    assert db_systems == {"neo4j"}
    assert {resource["service.name"] for resource, _ in spans} == {"kgapi-trace-test"}
    assert not any(searched.encode() in body for _, _, body in receiver.posts)


def test_a_server_without_an_endpoint_exports_nothing(
    neo4j_settings: Settings, seeded: Database
) -> None:
    """No OTLP endpoint set: nothing is exported, not even to the exporter's default
    (localhost:4318). The server's HTTP proxy is the receiver, so any OTLP/HTTP request it made,
    wherever to, would arrive there; a provider would at the latest flush its queue when the
    server stops (the lifespan shuts it down)."""
    assert not any(os.environ.get(name) for name in ENDPOINT_VARIABLES), "unset them to test"
    with _receiver() as receiver:
        proxy = f"http://127.0.0.1:{receiver.server_port}"
        env = {
            **{name: proxy for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy")},
            "NO_PROXY": "",
            "no_proxy": "",
            "OTEL_BSP_SCHEDULE_DELAY": "50",
        }
        with running_server(neo4j_settings, **env) as url:
            for _ in range(3):
                response = httpx.post(
                    f"{url}/graphql", json={"query": "{ stats { entities } }"}, timeout=60
                )
                assert response.status_code == 200
        assert receiver.posts == []
