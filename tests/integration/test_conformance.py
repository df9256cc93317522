"""GraphQL over HTTP: graphql-http's server audit suite (npm), run against a live kgapi, with
the read cache off and on."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kgapi.config import Settings
from kgapi.db import Database
from tests.integration.live import running_server

AUDIT_DIR = Path(__file__).resolve().parents[1] / "conformance"


@pytest.fixture(scope="module", params=["cache-off", "cache-on"])
def server(
    request: pytest.FixtureRequest, neo4j_settings: Settings, seeded: Database
) -> Iterator[str]:
    """Once as configured by default, once with the read cache on: the audit repeats its
    requests, so hits must speak GraphQL over HTTP exactly as misses do."""
    cache = "true" if request.param == "cache-on" else "false"
    with running_server(neo4j_settings, KGAPI_READ_CACHE=cache) as url:
        yield url


@pytest.fixture(scope="module")
def audits(server: str) -> list[dict[str, Any]]:
    npm, node = shutil.which("npm"), shutil.which("node")
    assert npm and node, "the conformance audit needs Node.js and npm"
    if not (AUDIT_DIR / "node_modules" / "graphql-http").exists():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=AUDIT_DIR,
            check=True,
            capture_output=True,
            timeout=300,
        )
    result = subprocess.run(
        [node, "audit.mjs", f"{server}/graphql"],
        cwd=AUDIT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return list(json.loads(result.stdout))


def test_every_must_audit_passes(audits: list[dict[str, Any]]) -> None:
    failed = [a for a in audits if a["name"].startswith("MUST") and a["status"] != "ok"]
    assert failed == []
    assert len([a for a in audits if a["name"].startswith("MUST")]) >= 10
    assert len(audits) >= 50


def test_every_should_audit_passes_too(audits: list[dict[str, Any]]) -> None:
    """SECURITY.md lists SHOULD audits that fail; today there are none."""
    assert [a["name"] for a in audits if a["status"] != "ok"] == []


def test_get_queries_work_and_get_mutations_are_refused(server: str) -> None:
    ok = httpx.get(f"{server}/graphql", params={"query": "{ stats { entities } }"})
    assert ok.status_code == 200 and ok.json()["data"]["stats"]["entities"] > 0
    refused = httpx.get(
        f"{server}/graphql",
        params={"query": 'mutation { retractClaim(input: {id: "x", reason: "y"}) { changed } }'},
    )
    assert refused.status_code in (400, 405)


def test_graphql_response_json_is_supported(server: str) -> None:
    headers = {"accept": "application/graphql-response+json"}
    ok = httpx.post(f"{server}/graphql", json={"query": "{ stats { entities } }"}, headers=headers)
    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith("application/graphql-response+json")
    bad = httpx.post(f"{server}/graphql", json={"query": "{ nope }"}, headers=headers)
    assert bad.status_code == 400 and "data" not in bad.json()
