"""Every HTTP feature through a real uvicorn process over TCP, with httpx as the client: what a
user's curl, browser or partner integration meets, not starlette's in-process test client.

GraphQL over POST and GET, GraphiQL's page and its CSP, the explorer, every export format
(streamed and parsed), /metrics (Prometheus text whose counters move), /health and /ready —
including /ready's 503 from a server whose Neo4j is a closed port.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from kgapi.config import Settings
from kgapi.db import Database
from tests.integration.live import free_port, running_server

COUNT = '{ documents { totalCount } entity(slug: "pakistan") { slug } }'
START_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def server(neo4j_settings: Settings, seeded: Database) -> Iterator[str]:
    assert seeded is not None
    with running_server(neo4j_settings, KGAPI_ALLOW_ANONYMOUS_READS="true") as url:
        yield url


@pytest.fixture
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as client:
        yield client


# ---- GraphQL -----------------------------------------------------------------------------


def test_a_query_over_post(http: httpx.Client) -> None:
    response = http.post("/graphql", json={"query": COUNT})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()["data"]
    assert data["documents"]["totalCount"] >= 7  # the seeded article and its six sources
    assert data["entity"] == {"slug": "pakistan"}


def test_a_query_over_get_with_a_query_string(http: httpx.Client) -> None:
    posted = http.post("/graphql", json={"query": COUNT}).json()
    response = http.get("/graphql", params={"query": COUNT}, headers={"accept": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json() == posted


def test_get_with_variables_and_an_operation_name(http: httpx.Client) -> None:
    query = "query One($slug: String!) { entity(slug: $slug) { slug } }"
    response = http.get(
        "/graphql",
        params={
            "query": query,
            "variables": json.dumps({"slug": "pakistan"}),
            "operationName": "One",
        },
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"entity": {"slug": "pakistan"}}}


def test_a_mutation_over_get_is_refused(http: httpx.Client) -> None:
    """GET must be safe: a link or an <img> must never change the graph. Strawberry refuses
    before executing anything, with 400 (the GraphQL-over-HTTP spec asks for 405)."""
    mutation = 'mutation { retractClaim(input: {id: "nope", reason: "by GET"}) { changed } }'
    response = http.get(
        "/graphql", params={"query": mutation}, headers={"accept": "application/json"}
    )
    assert response.status_code in (400, 405), response.text
    assert response.text == "mutations are not allowed when using GET"


# ---- the browser pages -------------------------------------------------------------------


def _assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/[^"]+)"', html)


def test_graphiql_is_kgapis_own_page_with_a_same_origin_csp(server: str) -> None:
    origin = urlsplit(server).netloc
    with httpx.Client(base_url=server, timeout=30) as browser:
        page = browser.get("/graphql", headers={"accept": "text/html,application/xhtml+xml"})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        policy = page.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "script-src 'self';" in policy
        assert f"connect-src 'self' ws://{origin} wss://{origin};" in policy
        assert "unsafe-eval" not in policy
        assert "https://" not in page.text and "unpkg" not in page.text
        assets = _assets(page.text)
        assert "/graphiql/static/vendor/graphiql.min.js" in assets
        for path in assets:
            asset = browser.get(path)
            assert asset.status_code == 200, path
            kind = "css" if path.endswith(".css") else "javascript"
            assert kind in asset.headers["content-type"], path


def test_graphiql_off_serves_no_page_and_no_assets(neo4j_settings: Settings) -> None:
    with (
        running_server(neo4j_settings, KGAPI_GRAPHIQL="false") as url,
        httpx.Client(base_url=url, timeout=30) as browser,
    ):
        assert browser.get("/graphql", headers={"accept": "text/html"}).status_code == 404
        assert browser.get("/graphiql/static/vendor/graphiql.min.js").status_code == 404
        assert browser.post("/graphql", json={"query": COUNT}).status_code == 200


def test_the_explorer_page_and_its_assets(http: httpx.Client) -> None:
    page = http.get("/explorer")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assets = _assets(page.text)
    assert "/explorer/static/vendor/cytoscape.min.js" in assets
    for path in assets:
        assert http.get(path).status_code == 200, path


# ---- exports -----------------------------------------------------------------------------


def _streamed(http: httpx.Client, path: str) -> tuple[httpx.Headers, bytes, int]:
    """The body as it arrived, and in how many chunks (a streamed body has no length)."""
    with http.stream("GET", path) as response:
        assert response.status_code == 200, path
        chunks = list(response.iter_raw())
        return response.headers, b"".join(chunks), len(chunks)


def test_export_jsonld_streams_a_json_ld_document(http: httpx.Client) -> None:
    headers, body, _ = _streamed(http, "/export/jsonld")
    assert "content-length" not in headers
    assert headers["transfer-encoding"] == "chunked"
    document = json.loads(body)
    assert "@context" in document
    assert len(document["@graph"]) > 0


def test_export_graphml_streams_xml_with_nodes_and_edges(http: httpx.Client) -> None:
    headers, body, _ = _streamed(http, "/export/graphml")
    assert headers["transfer-encoding"] == "chunked"
    root = ET.fromstring(body)  # noqa: S314 (our own server's output)
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert root.findall(".//g:node", ns) and root.findall(".//g:edge", ns)


def test_export_csv_streams_a_zip_of_every_table(http: httpx.Client) -> None:
    headers, body, _ = _streamed(http, "/export/csv")
    assert headers["transfer-encoding"] == "chunked"
    assert 'filename="' in headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = set(archive.namelist())
        assert {"nodes.csv", "relations.csv", "evidence.csv", "documents.csv"} <= names
        nodes = list(csv.DictReader(io.TextIOWrapper(archive.open("nodes.csv"), "utf-8")))
    assert any(row.get("slug") == "pakistan" for row in nodes)


def test_export_one_csv_table(http: httpx.Client) -> None:
    headers, body, _ = _streamed(http, "/export/csv?table=documents")
    assert headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    assert len(rows) >= 7


def test_export_refuses_an_unknown_format(http: httpx.Client) -> None:
    response = http.get("/export/pdf")
    assert response.status_code == 404
    assert "jsonld" in response.json()["error"]


# ---- operations --------------------------------------------------------------------------


def _samples(http: httpx.Client) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_metrics_are_prometheus_text_and_the_counters_move(http: httpx.Client) -> None:
    ok = ("kgapi_http_requests_total", frozenset({("method", "POST"), ("route", "/graphql")}))
    code = ("kgapi_graphql_errors_total", frozenset({("code", "GRAPHQL_VALIDATION_FAILED")}))

    def count(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], key: str) -> float:
        name, labels = ok if key == "posts" else code
        return sum(
            value
            for (sample, sample_labels), value in samples.items()
            if sample == name and labels <= sample_labels
        )

    before = _samples(http)
    assert http.post("/graphql", json={"query": COUNT}).status_code == 200
    assert "errors" in http.post("/graphql", json={"query": "{ nope }"}).json()
    after = _samples(http)
    assert count(after, "posts") >= count(before, "posts") + 2
    assert count(after, "errors") >= count(before, "errors") + 1

    # GraphiQL's assets have a route label of their own, not "other".
    assets = ("kgapi_http_requests_total", frozenset({("route", "/graphiql")}))
    served = http.get("/graphiql/static/vendor/react.production.min.js")
    assert served.status_code == 200
    later = _samples(http)
    assert (
        sum(
            value for (name, labels), value in later.items() if (name, labels & assets[1]) == assets
        )
        >= 1
    )


def test_health_and_ready(http: httpx.Client) -> None:
    assert http.get("/health").json() == {"status": "ok"}
    ready = http.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


def test_ready_is_503_when_neo4j_is_unreachable() -> None:
    """A server whose NEO4J_URI is a closed port: alive (/health), not ready (/ready 503 with
    the reason), and GraphQL says the database is unavailable rather than failing with a 500."""
    closed = free_port()
    port = free_port()
    env = {
        **os.environ,
        "NEO4J_URI": f"bolt://127.0.0.1:{closed}",
        "KGAPI_CONNECT_TIMEOUT": "2",
        "KGAPI_QUERY_TIMEOUT": "2",
    }
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "kgapi.app:create_app", "--factory"),
            *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
        ],
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                try:
                    if http.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None, "the server exited instead of starting"
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
            ready = http.get("/ready")
            assert ready.status_code == 503
            assert ready.json()["status"] == "unavailable"
            assert str(closed) in ready.json()["reason"]
            answer = http.post("/graphql", json={"query": COUNT})
            assert answer.status_code == 200
            assert answer.json()["errors"][0]["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    finally:
        process.terminate()
        process.wait(timeout=30)
