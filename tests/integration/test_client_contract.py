"""The client contract: what front ends build on the schema keeps building, and works against a
live server.

tests/clients is a TypeScript project with the operations a UI sends. graphql-codegen types them
from schema/schema.graphql, tsc --strict checks view code against those types, relay-compiler 21
compiles Relay fragments (a `@connection` and `@refetchable` ones), and an Apollo Client 4 script
runs the operations against a real uvicorn server and pages lists to their end. A schema change
that breaks a client fails here, not in a partner's build: the last tests show it on a broken
copy of the SDL.
"""

from __future__ import annotations

import json
import math
import os
import re
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

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / "tests" / "clients"
BIN = CLIENTS / "node_modules" / ".bin"
SCHEMA = ROOT / "schema" / "schema.graphql"
STEP_TIMEOUT = 300
# The Apollo script checks shapes and paging, not speed; on a machine shared with other work a
# query may take longer than the server's default 10 s, which would fail it for the wrong reason.
SERVER_QUERY_TIMEOUT = "60"
# What the broken-schema tests copy: everything but installed and generated files.
PROJECT_FILES = ["package.json", "codegen.ts", "tsconfig.json", "src", "relay"]
GENERATED = shutil.ignore_patterns("gql", "__generated__", "dist", "node_modules")


def _run(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run one client tool; when `check`, a failure fails the test with the tool's own output."""
    result = subprocess.run(
        args,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        env={**os.environ, "NO_COLOR": "1", "CI": "true"},
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(args)} (in {cwd}) exited {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}",
            pytrace=False,
        )
    return result


def _installed_matches_lock() -> bool:
    """npm writes node_modules/.package-lock.json after every install: when its packages are the
    lock file's, `npm ci` would install exactly what is there."""
    hidden = CLIENTS / "node_modules" / ".package-lock.json"
    if not hidden.exists():
        return False
    lock = json.loads((CLIENTS / "package-lock.json").read_text("utf-8"))["packages"]
    installed = json.loads(hidden.read_text("utf-8"))["packages"]
    missing = lock.keys() - installed.keys() - {""}
    # What is missing may only be optional packages for other platforms (tsc's native binaries).
    return all(lock.get(name) == entry for name, entry in installed.items()) and all(
        lock[name].get("optional") for name in missing
    )


@pytest.fixture(scope="session")
def client_project() -> Path:
    """tests/clients with node_modules installed from the lock file (`npm ci`), once a session."""
    npm = shutil.which("npm")
    assert npm and shutil.which("node"), "the client contract needs Node.js and npm"
    if not _installed_matches_lock():
        _run([npm, "ci", "--no-audit", "--no-fund", "--prefer-offline"], CLIENTS)
    return CLIENTS


@pytest.fixture(scope="module")
def codegen(client_project: Path) -> Path:
    _run([str(BIN / "graphql-codegen"), "--config", "codegen.ts", "--silent"], client_project)
    return client_project / "src" / "gql"


@pytest.fixture(scope="module")
def relay(client_project: Path) -> Path:
    _run([str(BIN / "relay-compiler")], client_project / "relay")
    return client_project / "relay" / "src" / "__generated__"


@pytest.fixture(scope="module")
def built(codegen: Path, relay: Path) -> Path:
    _run([str(BIN / "tsc"), "-p", "tsconfig.json"], CLIENTS)
    return CLIENTS / "dist" / "src" / "apollo" / "contract.js"


@pytest.fixture(scope="module")
def apollo_summary(
    built: Path, neo4j_settings: Settings, seeded: Database
) -> Iterator[dict[str, Any]]:
    node = shutil.which("node")
    assert node
    with running_server(neo4j_settings, KGAPI_QUERY_TIMEOUT=SERVER_QUERY_TIMEOUT) as url:
        result = _run([node, str(built), url, str(neo4j_settings.max_page_size)], CLIENTS)
        metrics = httpx.get(f"{url}/metrics", timeout=10).text
    summary = json.loads(result.stdout)
    summary["operations"] = {
        path: float(count)
        for path, count in re.findall(
            r'^kgapi_graphql_operations_total\{path="(\w+)"\} (\S+)$', metrics, re.M
        )
    }
    yield summary


def test_every_npm_dependency_is_pinned_exactly() -> None:
    package = json.loads((CLIENTS / "package.json").read_text("utf-8"))
    lock = json.loads((CLIENTS / "package-lock.json").read_text("utf-8"))
    pins = {**package["dependencies"], **package["devDependencies"]}
    assert {"@graphql-codegen/cli", "relay-compiler", "@apollo/client", "typescript"} <= set(pins)
    loose = {name: v for name, v in pins.items() if not v[0].isdigit()}
    assert loose == {}, "package.json pins exact versions"
    locked = {name: lock["packages"][f"node_modules/{name}"]["version"] for name in pins}
    assert locked == pins


def test_codegen_types_the_operations_and_the_possible_types(codegen: Path) -> None:
    graphql_ts = (codegen / "graphql.ts").read_text("utf-8")
    for operation in ("EntityPage", "AgreementList", "SearchBox", "EntityList", "ShortestPath"):
        assert f"export type {operation}Query = " in graphql_ts
    assert "export type NeighbourhoodQuery = " in graphql_ts
    assert "export type GraphChangedSubscription = " in graphql_ts
    possible = (codegen / "possible-types.ts").read_text("utf-8")
    assert '"Agreement"' in possible and '"Document"' in possible and '"Entity"' in possible


def test_relay_compiles_the_connection_and_refetchable_fragments(relay: Path) -> None:
    artifacts = {p.name for p in relay.glob("*.graphql.ts")}
    assert {
        "EntityList_query.graphql.ts",
        "EntityListPaginationQuery.graphql.ts",
        "EntityRelations_entity.graphql.ts",
        "EntityRelationsPaginationQuery.graphql.ts",
        "EntityHeader_entity.graphql.ts",
        "EntityHeaderRefetchQuery.graphql.ts",
        "EntityPageGraphChangedSubscription.graphql.ts",
    } <= artifacts
    pagination = (relay / "EntityList_query.graphql.ts").read_text("utf-8")
    assert '"connection"' in pagination and "__EntityList_entities_connection" in pagination
    # @refetchable on an entity fragment is answered through Node: query { node(id: $id) }.
    refetch = (relay / "EntityHeaderRefetchQuery.graphql.ts").read_text("utf-8")
    assert "node(id: $id)" in refetch


def test_typescript_strict_accepts_the_operations_and_view_code(codegen: Path, relay: Path) -> None:
    result = _run([str(BIN / "tsc"), "--noEmit", "--strict", "-p", "tsconfig.json"], CLIENTS)
    assert result.stdout.strip() == ""


def test_apollo_runs_every_operation_against_the_live_server(
    apollo_summary: dict[str, Any],
) -> None:
    page = apollo_summary["entityPage"]
    assert page["slug"] == "transit-trade-agreement" and page["status"] == "IN_PROGRESS"
    assert page["spans"] > 0 and apollo_summary["agreements"] >= 2
    assert all(count > 0 for count in apollo_summary["searches"].values())
    assert apollo_summary["path"]["length"] >= 1
    assert apollo_summary["neighbourhood"]["edges"] > 0


def test_apollo_pages_lists_to_their_end_without_duplicates_or_gaps(
    apollo_summary: dict[str, Any],
) -> None:
    """The script compared every page sequence (and the list the cache merged) with one page of
    the maximum size; here the counts it reports must also add up."""
    paged = {p["name"]: p for p in apollo_summary["paged"]}
    assert set(paged) == {"entities", "agreements", "pakistan.relations"}
    for run in paged.values():
        assert run["items"] == run["totalCount"]
        assert run["pages"] == math.ceil(run["totalCount"] / run["pageSize"])
        assert run["pages"] > 1, f"{run['name']} must span several pages to test paging"


def test_every_client_read_is_answered_in_one_statement(apollo_summary: dict[str, Any]) -> None:
    """The server's own count after the Apollo run: the read planner answered every read query
    the client suite sends, none went field by field (issue 12: one read engine)."""
    operations = apollo_summary["operations"]
    assert operations.get("one_statement", 0) >= 10, operations
    assert operations.get("resolvers", 0) == 0, operations


def test_apollo_cache_ids_are_stable_across_queries(apollo_summary: dict[str, Any]) -> None:
    cache = apollo_summary["cache"]
    assert cache["stableIds"] is True
    assert cache["entities"] == cache["fragmentsRead"] >= 40
    # A claim is a Node (issue 12): Apollo keys it `Claim:<global id>` by itself, so one claim
    # reached from both of its ends is one cache object.
    assert cache["relationId"].startswith("Claim:")


def _broken_copy(tmp_path: Path, replace: str, by: str) -> Path:
    """tests/clients laid out under tmp_path as in the repository, beside an edited SDL, using
    the installed node_modules."""
    sdl = SCHEMA.read_text("utf-8")
    assert sdl.count(replace) == 1, f"the SDL no longer contains {replace!r} exactly once"
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "schema.graphql").write_text(sdl.replace(replace, by), "utf-8")
    copy = tmp_path / "tests" / "clients"
    copy.mkdir(parents=True)
    for name in PROJECT_FILES:
        source = CLIENTS / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=GENERATED)
        else:
            shutil.copy2(source, copy / name)
    (copy / "node_modules").symlink_to(CLIENTS / "node_modules", target_is_directory=True)
    return copy


def test_removing_a_field_the_clients_use_fails_codegen_and_relay(
    client_project: Path, tmp_path: Path
) -> None:
    copy = _broken_copy(
        tmp_path,
        '  """The countries party to it, per the documents."""\n  parties: [Country!]!\n',
        "",
    )
    generated = _run([str(BIN / "graphql-codegen"), "--config", "codegen.ts"], copy, check=False)
    assert generated.returncode != 0
    assert 'Cannot query field "parties" on type "Agreement"' in generated.stdout + generated.stderr
    compiled = _run([str(BIN / "relay-compiler")], copy / "relay", check=False)
    assert compiled.returncode != 0
    assert "parties" in compiled.stdout + compiled.stderr


def test_making_a_field_nullable_passes_codegen_but_fails_tsc(
    client_project: Path, tmp_path: Path
) -> None:
    """A change codegen accepts (the operations stay valid) still breaks code that relied on the
    field being there; tsc --strict is what catches it."""
    copy = _broken_copy(
        tmp_path,
        '  """Exactly `document.text[start:end]`."""\n  quote: String!\n',
        '  """Exactly `document.text[start:end]`."""\n  quote: String\n',
    )
    _run([str(BIN / "graphql-codegen"), "--config", "codegen.ts", "--silent"], copy)
    checked = _run(
        [str(BIN / "tsc"), "--noEmit", "--strict", "-p", "tsconfig.json"], copy, check=False
    )
    assert checked.returncode != 0
    assert "src/views.ts" in checked.stdout and "quote" in checked.stdout
