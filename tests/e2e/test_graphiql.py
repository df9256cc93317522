"""GraphiQL in a real browser with the network cut off: Debian's headless Chromium (Playwright,
no `playwright install`) against the real app in a uvicorn process over the seeded Neo4j.

Every request that is not to the server's own 127.0.0.1 origin is aborted, so a page that still
needed a CDN would stay blank here and the test would fail. The screenshot goes to
test-artifacts/graphiql-query.png.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from kgapi.config import Settings
from kgapi.db import Database
from kgapi.graphiql import STATIC_DIR
from tests.e2e.test_explorer import ARTIFACTS, ROOT, browser
from tests.integration.live import running_server

__all__ = ["browser"]  # the explorer's Chromium fixture, used here as it is

QUERY = "{ documents { totalCount } }"
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
RESPONSE_EDITOR = ".graphiql-response .CodeMirror"
RUN = "Execute query (Ctrl-Enter)"
PACKAGE_DIR = STATIC_DIR.parent
# `cp $(GRAPHIQL_NPM)/<npm file> $(GRAPHIQL_VENDOR)/<vendored file>` in the Makefile.
COPY_LINE = re.compile(r"cp \$\(GRAPHIQL_NPM\)/(\S+) \$\(GRAPHIQL_VENDOR\)/(\S+)")


@dataclass
class Offline:
    """A page whose requests may only reach `origin`; what else it tried and every script
    error are kept for the assertions."""

    page: Page
    origin: str
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    frames: list[tuple[str, str]] = field(default_factory=list)

    def route(self, route: Route) -> None:
        url = route.request.url
        self.seen.append(url)
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc == self.origin:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def websocket(self, socket: Any) -> None:
        """page.route never sees WebSockets; they are recorded here, frames and all."""
        self.seen.append(socket.url)
        if urlsplit(socket.url).netloc != self.origin:
            self.blocked.append(socket.url)
        socket.on("framesent", lambda payload: self.frames.append(("sent", str(payload))))
        socket.on("framereceived", lambda payload: self.frames.append(("received", str(payload))))

    def set_query(self, query: str, operation: str = "query") -> None:
        """Put `query` in the editor and wait until GraphiQL has parsed it (it does so a
        moment after each change; the run button uses the parsed document, and until the new
        one is parsed the old operations are still there — so wait for the new operation's
        type, or a subscription may go out as an HTTP POST of the stale parse)."""
        self.page.evaluate(
            "([sel, q]) => document.querySelector(sel).CodeMirror.setValue(q)",
            [QUERY_EDITOR, query],
        )
        self.page.wait_for_function(
            "([sel, q, op]) => { const cm = document.querySelector(sel).CodeMirror;"
            " return cm.documentAST && cm.getValue() === q && cm.operations"
            " && cm.operations.length === 1 && cm.operations[0].operation === op"
            " && cm.documentAST.definitions.length === 1"
            " && cm.documentAST.loc && cm.documentAST.loc.source.body === q; }",
            arg=[QUERY_EDITOR, query, operation],
        )

    def wait_for_frame(self, kind: str, text: str) -> None:
        """Let the browser run until a WebSocket frame containing `text` went `kind`."""
        for _ in range(150):
            if any(k == kind and text in payload for k, payload in self.frames):
                return
            self.page.wait_for_timeout(100)
        raise AssertionError(f"no {kind} frame with {text!r}; frames: {self.frames}")

    def editor(self, selector: str) -> str:
        value: str = self.page.evaluate(
            "(sel) => document.querySelector(sel).CodeMirror.getValue()", selector
        )
        return value


@pytest.fixture(scope="module")
def server(neo4j_settings: Settings, seeded: Database) -> Iterator[str]:
    assert seeded is not None  # the page's query counts the seeded documents
    with running_server(neo4j_settings) as url:
        yield url


@pytest.fixture
def offline(browser: BrowserContext, server: str) -> Iterator[Offline]:
    page = browser.new_page()
    view = Offline(page=page, origin=urlsplit(server).netloc)
    page.on(
        "console",
        lambda message: view.errors.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: view.errors.append(str(error)))
    page.on("websocket", view.websocket)
    page.route("**/*", view.route)
    try:
        yield view
    finally:
        page.close()


def test_graphiql_runs_a_query_offline(offline: Offline, server: str) -> None:
    page = offline.page
    page.goto(f"{server}/graphql")
    expect(page).to_have_title("kgapi GraphiQL")
    expect(page.locator(QUERY_EDITOR)).to_be_visible()
    pins = json.loads((PACKAGE_DIR / "package.json").read_text("utf-8"))["dependencies"]
    assert page.evaluate("() => React.version") == pins["react"]
    # The schema arrived by introspection: the docs panel lists the root types.
    page.get_by_role("button", name="Show Documentation Explorer").click()
    expect(page.locator(".graphiql-doc-explorer")).to_contain_text("subscription: Subscription")

    offline.set_query(QUERY)
    page.get_by_role("button", name=RUN).click()
    expect(page.locator(RESPONSE_EDITOR)).to_contain_text("totalCount")
    shown = json.loads(offline.editor(RESPONSE_EDITOR))
    page.screenshot(path=str(ARTIFACTS / "graphiql-query.png"))

    # The number on screen is the API's own answer, asked directly.
    direct = httpx.post(f"{server}/graphql", json={"query": QUERY}, timeout=10).json()
    assert shown == direct
    assert shown["data"]["documents"]["totalCount"] >= 7  # the seeded article and its sources

    assert offline.blocked == [], f"requests left 127.0.0.1: {offline.blocked}"
    assert any(url.endswith("/graphiql/static/vendor/graphiql.min.js") for url in offline.seen)
    assert offline.errors == [], f"the page reported errors: {offline.errors}"


def test_the_explorer_plugin_and_dialogs_keep_to_the_policy(offline: Offline, server: str) -> None:
    """The explorer plugin builds its tree from the schema; the settings dialog adds an inline
    <style> (Radix's scroll lock), which the page's CSP must allow without a console error."""
    page = offline.page
    page.goto(f"{server}/graphql")
    page.get_by_role("button", name="Show GraphiQL Explorer").click()
    expect(page.locator(".graphiql-explorer-root")).to_contain_text("documents")
    page.get_by_role("button", name="Open settings dialog").click()
    expect(page.get_by_role("dialog")).to_contain_text("Settings")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert offline.errors == [], f"the page reported errors: {offline.errors}"
    assert offline.blocked == [], f"requests left 127.0.0.1: {offline.blocked}"


def test_a_subscription_goes_over_graphql_ws_on_the_same_origin(
    offline: Offline, server: str
) -> None:
    page = offline.page
    page.goto(f"{server}/graphql")
    expect(page.locator(QUERY_EDITOR)).to_be_visible()
    offline.set_query(
        "subscription Watch { graphChanged { seq operation targetId } }", operation="subscription"
    )
    with page.expect_websocket() as opened:
        page.get_by_role("button", name=RUN).click()
    assert opened.value.url == f"ws://{offline.origin}/graphql"
    offline.wait_for_frame("received", '"connection_ack"')
    offline.wait_for_frame("sent", '"subscribe"')
    assert offline.errors == [], f"the page reported errors: {offline.errors}"
    assert offline.blocked == [], f"requests left 127.0.0.1: {offline.blocked}"


def test_the_vendored_files_are_the_pinned_npm_files() -> None:
    """Every file `make graphiql-assets` copies is committed, byte for byte the file of the
    npm release package.json pins exactly (npm ci fills node_modules when it is missing)."""
    pins = json.loads((PACKAGE_DIR / "package.json").read_text("utf-8"))["dependencies"]
    lock = json.loads((PACKAGE_DIR / "package-lock.json").read_text("utf-8"))["packages"]
    for name, version in pins.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"pin {name} exactly, not {version!r}"
        assert lock[f"node_modules/{name}"]["version"] == version, name
    copies = COPY_LINE.findall((ROOT / "Makefile").read_text("utf-8"))
    assert len(copies) == 10, copies
    modules = PACKAGE_DIR / "node_modules"
    if not (modules / "graphiql" / "package.json").exists():
        npm = shutil.which("npm")
        assert npm, "npm is needed to check the vendored GraphiQL against its packages"
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=PACKAGE_DIR,
            check=True,
            capture_output=True,
            timeout=600,
        )
    for source, vendored in copies:
        assert (STATIC_DIR / "vendor" / vendored).read_bytes() == (modules / source).read_bytes(), (
            f"{vendored} is not {source} of the pinned release: run `make graphiql-assets`"
        )
