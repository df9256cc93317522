"""The explorer in a real browser: Debian's headless Chromium driven by Playwright, against the
real app (uvicorn in a subprocess) over the seeded Neo4j.

These tests walk what the issue asks of a researcher who knows no GraphQL: find the Transit
Trade Agreement by part of its Bengali name, see that it is in progress rather than signed, read
the sentence that says so (the quote checked against the stored document text), expand the
graph, find a path, and share a view by its URL. Screenshots go to test-artifacts/.

Playwright's own browser download does not work here, so Chromium comes from `apt-get install
chromium` (`make browser`); when it is missing these tests fail, never skip, so CI cannot pass
without having run them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from neo4j import GraphDatabase
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

from kgapi.config import Settings
from kgapi.db import Database
from kgapi.model import EntityKind, Status
from kgapi.text import sentence_containing, split_sentences

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 60.0
UI_TIMEOUT_MS = 15_000

TTA = "transit-trade-agreement"
TTA_PARTY_CLAIM = "pakistan-party-to-transit-trade-agreement"
LEATHER = "kazakhstan-leather-association"
TANNERS = "pakistan-tanners-association"


# ---- the app and the browser -------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _get(url: str, timeout: float = 2.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture(scope="module")
def server(seeded: Database, neo4j_settings: Settings) -> Iterator[str]:
    """The real app, served by uvicorn on a free loopback port, over the seeded graph."""
    assert seeded is not None  # the graph must be seeded before the page asks for it
    port = _free_port()
    env = {
        **os.environ,
        "NEO4J_URI": neo4j_settings.effective_uri,
        "NEO4J_USERNAME": neo4j_settings.neo4j_username,
        "NEO4J_PASSWORD": neo4j_settings.neo4j_password,
        "NEO4J_DATABASE": neo4j_settings.neo4j_database,
        # The explorer reads anonymously, as a researcher's browser does.
        "KGAPI_ALLOW_ANONYMOUS_READS": "true",
    }
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "explorer-server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "kgapi.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while True:
                if process.poll() is not None:
                    pytest.fail(
                        f"the app exited with {process.returncode} on start; see {log_path}",
                        pytrace=False,
                    )
                try:
                    if _get(f"{base}/ready") == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"the app was not ready in {SERVER_START_TIMEOUT} s; see {log_path}"
                    )
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """Debian's Chromium, headless, with a fresh profile: nothing carried over between runs."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the explorer's browser tests need Debian's chromium package "
            "(`make browser`, i.e. apt-get install -y --no-install-recommends chromium). They "
            "fail rather than skip so that a green run always includes them.",
            pytrace=False,
        )
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1440, "height": 960},
            locale="en-US",
        )
        context.set_default_timeout(UI_TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


@dataclass
class Explorer:
    """A page of the explorer, with what the tests check on every page: no script errors and
    no request leaving this machine (the page must work offline)."""

    page: Page
    base: str
    errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def open(self, fragment: str = "") -> None:
        self.page.goto(f"{self.base}/explorer{fragment}")
        self.settle()

    def settle(self) -> None:
        """Wait until no API call is in flight (the page counts them in body[data-pending])."""
        self.page.wait_for_function("() => document.body.dataset.pending === '0'")

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def shot(self, name: str) -> Path:
        path = ARTIFACTS / f"explorer-{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def search(self, text: str) -> None:
        box = self.page.get_by_label("Name in Bengali or English")
        box.fill(text)
        box.press("Enter")
        self.settle()

    def hit(self, slug: str) -> Any:
        return self.page.locator(f'#search-results button.hit[data-slug="{slug}"]')

    def graph_ids(self, selector: str) -> set[str]:
        ids = self.js(f"() => window.kgExplorer.cy.$('{selector}').map((e) => e.id())")
        return set(ids)

    def click_graph_element(self, element_id: str) -> None:
        """Click a node or an edge on the canvas itself, where a researcher would click."""
        point = self.js(
            """(id) => {
                const e = window.kgExplorer.cy.getElementById(id);
                if (e.empty()) return null;
                const p = e.isNode() ? e.renderedPosition() : e.renderedMidpoint();
                return { x: p.x, y: p.y };
            }""",
            element_id,
        )
        assert point is not None, f"{element_id} is not in the graph"
        box = self.page.locator("#graph").bounding_box()
        assert box is not None
        self.page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
        self.settle()

    def state(self) -> dict[str, Any]:
        """What a researcher sees, as data: to compare a view with its reloaded URL."""
        return {
            "hash": self.js("() => location.hash"),
            "query": self.page.locator("#search-input").input_value(),
            "hits": self.page.locator("#search-results button.hit").evaluate_all(
                "(hits) => hits.map((h) => h.dataset.slug)"
            ),
            "nodes": self.graph_ids("node"),
            "edges": self.graph_ids("edge"),
            "focus": self.graph_ids("node.focus"),
            "expanded": self.graph_ids("node.expanded"),
            "on_path": self.graph_ids(".on-path"),
            "chosen_edge": self.graph_ids("edge.chosen"),
            "entity_panel": self.js(
                "() => { const p = document.getElementById('entity-panel');"
                " return p.hidden ? null : p.dataset.slug; }"
            ),
            "evidence_panel": self.js(
                "() => { const p = document.getElementById('evidence-panel');"
                " return p.hidden ? null : p.dataset.claim; }"
            ),
            "quotes": self.page.locator("#evidence-spans mark.quote").all_text_contents(),
            "path_steps": self.page.locator("#path-steps li").evaluate_all(
                "(items) => items.map((li) => li.dataset.claim)"
            ),
        }

    def assert_clean(self) -> None:
        assert self.errors == [], f"the page reported errors: {self.errors}"
        assert self.foreign_requests == [], f"requests left the machine: {self.foreign_requests}"


@pytest.fixture
def explorer(browser: BrowserContext, server: str) -> Iterator[Explorer]:
    page = browser.new_page()
    view = Explorer(page=page, base=server)
    origin = urlsplit(server).netloc
    page.on(
        "console",
        lambda message: view.errors.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: view.errors.append(str(error)))

    def record(request: Any) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != origin:
            view.foreign_requests.append(request.url)

    page.on("request", record)
    try:
        yield view
    finally:
        page.close()


# ---- reference data, independent of the page ---------------------------------------------


@pytest.fixture(scope="module")
def document_texts(neo4j_settings: Settings, seeded: Database) -> dict[str, str]:
    """Every stored document's verbatim text, read straight from Neo4j (not through the API)."""
    assert seeded is not None
    auth = (neo4j_settings.neo4j_username, neo4j_settings.neo4j_password)
    with GraphDatabase.driver(neo4j_settings.effective_uri, auth=auth) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (d:Document) WHERE d.text IS NOT NULL RETURN d.slug AS slug, d.text AS text",
            database_=neo4j_settings.neo4j_database,
        )
    return {record["slug"]: record["text"] for record in records}


def graphql(base: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The public API, asked directly: what the page shows must agree with it."""
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{base}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        answer: dict[str, Any] = json.load(response)
    assert "errors" not in answer, answer
    data: dict[str, Any] = answer["data"]
    return data


# ---- the tests ---------------------------------------------------------------------------


def test_page_is_served_offline_with_its_own_assets(explorer: Explorer) -> None:
    explorer.open()
    expect(explorer.page).to_have_title("kgapi explorer")
    version = explorer.js("() => window.cytoscape.version")
    pinned = json.loads((ROOT / "kgapi/explorer/package.json").read_text())["dependencies"]
    assert version == pinned["cytoscape"]
    # Every kind and status has a legend line, and the inputs have labels.
    expect(explorer.page.locator("#legend-status li")).to_have_count(len(Status))
    expect(explorer.page.locator("#legend-kinds li")).to_have_count(len(EntityKind))
    for label in ("Name in Bengali or English", "From (name or slug)", "To (name or slug)"):
        expect(explorer.page.get_by_label(label)).to_be_visible()
    explorer.assert_clean()


def test_bengali_search_finds_the_transit_trade_agreement_in_progress(
    explorer: Explorer, server: str
) -> None:
    explorer.open()
    explorer.search("ট্রানজিট")
    hit = explorer.hit(TTA)
    expect(hit).to_be_visible()
    expect(hit.locator(".kind-badge")).to_have_text("Agreement")
    expect(hit).to_contain_text("ট্রানজিট বাণিজ্য চুক্তি")
    hit.click()
    explorer.settle()

    expect(explorer.page.locator("#entity-name")).to_have_text("Transit Trade Agreement")
    status = explorer.page.locator("#entity-status")
    expect(status).to_have_attribute("data-status", "IN_PROGRESS")
    expect(status).to_have_text("in progress")
    api = graphql(
        server, '{ entity(slug: "transit-trade-agreement") { ... on Agreement { status } } }'
    )
    assert api["entity"]["status"] == "IN_PROGRESS"

    # The parties' edges say it too, in the graph and in the list beside it: never "signed".
    party_edges = explorer.js(
        "() => window.kgExplorer.cy.edges('[type = \"PARTY_TO\"]')"
        ".map((e) => [e.data('status'), e.data('label')])"
    )
    assert party_edges, "the agreement's parties are not drawn"
    for edge_status, label in party_edges:
        assert edge_status == "IN_PROGRESS"
        assert label == "PARTY_TO · in progress"
    party_badges = explorer.page.locator(
        '#entity-relations li:has-text("PARTY_TO") .status-badge'
    ).all_text_contents()
    assert party_badges and set(party_badges) == {"in progress"}
    assert explorer.graph_ids("node.focus") == {f"n:{TTA}"}
    assert f"focus={TTA}" in explorer.page.url
    explorer.shot("bengali-search-tta")
    explorer.assert_clean()


@pytest.mark.parametrize(
    ("text", "slug", "kind"),
    [("Shakkaliyev", "arman-shakkaliyev", "Person"), ("tanners", TANNERS, "Association")],
)
def test_english_search_lists_hits_with_their_kind(
    explorer: Explorer, text: str, slug: str, kind: str
) -> None:
    explorer.open()
    explorer.search(text)
    expect(explorer.hit(slug).locator(".kind-badge")).to_have_text(kind)
    assert (
        explorer.page.locator("#search-results button.hit").first.get_attribute("data-slug") == slug
    )
    assert "q=" in explorer.page.url
    explorer.assert_clean()


def test_clicking_a_node_merges_its_neighbourhood(explorer: Explorer, server: str) -> None:
    explorer.open(f"#focus={TTA}")
    before = explorer.graph_ids("node")
    assert "n:pakistan" in before

    explorer.click_graph_element("n:pakistan")

    expect(explorer.page.locator("#entity-name")).to_have_text("Pakistan")
    after = explorer.graph_ids("node")
    data = graphql(server, '{ neighborhood(slug: "pakistan", hops: 1) { nodes { slug } } }')
    pakistan_hood = {f"n:{node['slug']}" for node in data["neighborhood"]["nodes"]}
    assert before < after, "expanding added no node"
    assert after == before | pakistan_hood
    assert explorer.graph_ids("node.expanded") == {"n:pakistan"}
    assert "expanded=pakistan" in explorer.page.url
    explorer.shot("expanded-pakistan")
    explorer.assert_clean()


def test_clicking_an_edge_shows_its_sentence_with_the_quote_as_stored(
    explorer: Explorer, server: str, document_texts: dict[str, str]
) -> None:
    explorer.open(f"#focus={TTA}")
    explorer.click_graph_element(f"e:{TTA_PARTY_CLAIM}")

    panel = explorer.page.locator("#evidence-panel")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("data-claim", TTA_PARTY_CLAIM)
    expect(explorer.page.locator("#evidence-status")).to_have_attribute(
        "data-status", "IN_PROGRESS"
    )
    assert explorer.graph_ids("edge.chosen") == {f"e:{TTA_PARTY_CLAIM}"}
    assert f"edge={TTA_PARTY_CLAIM}" in explorer.page.url

    api = graphql(
        server,
        "query($id: String!) { claim(id: $id) { evidence { quote translation start end "
        "document { slug title language } } } }",
        {"id": TTA_PARTY_CLAIM},
    )["claim"]["evidence"]
    spans = explorer.page.locator("#evidence-spans article.evidence-span")
    expect(spans).to_have_count(len(api))
    assert api, "the claim has no evidence to show"
    for i, expected in enumerate(api):
        span = spans.nth(i)
        slug = span.get_attribute("data-document")
        start = int(span.get_attribute("data-start") or -1)
        end = int(span.get_attribute("data-end") or -1)
        text = document_texts[slug or ""]
        shown_quote = span.locator("mark.quote").text_content()
        # Offsets are code points; Python's str slicing counts code points too.
        assert shown_quote == text[start:end] == expected["quote"]
        # The highlighted quote sits in its whole sentence, as kgapi's splitter cuts it.
        sentence = sentence_containing(split_sentences(text), start, end)
        assert sentence is not None
        expect(span.locator("blockquote.sentence")).to_have_text(sentence.text)
        expect(span.locator(".translation-text")).to_have_text(expected["translation"])
        expect(span.locator(".doc-title")).to_have_text(expected["document"]["title"])
        expect(span.locator(".doc-language")).to_have_text("Bengali (bn)")
        assert "স্বাক্ষরের প্রক্রিয়া চলছে" in shown_quote  # "the signing is under way"
    explorer.shot("evidence-tta-party")
    explorer.assert_clean()


def test_keyboard_reaches_the_evidence_without_the_canvas(explorer: Explorer) -> None:
    explorer.open(f"#focus={TTA}")
    button = explorer.page.locator(
        f'#entity-relations li[data-claim="{TTA_PARTY_CLAIM}"] button.relation-button'
    )
    button.focus()
    explorer.page.keyboard.press("Enter")
    explorer.settle()
    expect(explorer.page.locator("#evidence-panel")).to_have_attribute(
        "data-claim", TTA_PARTY_CLAIM
    )
    expect(explorer.page.locator("#evidence-heading")).to_be_focused()
    explorer.page.keyboard.press("Escape")
    expect(explorer.page.locator("#evidence-panel")).to_be_hidden()
    assert "edge=" not in explorer.page.url
    explorer.assert_clean()


def test_js_sentence_splitter_agrees_with_kgapi_text(
    explorer: Explorer, document_texts: dict[str, str]
) -> None:
    """The panel shows 'the sentence' by the same cuts as the API's sentenceIndex."""
    explorer.open()
    for slug, text in document_texts.items():
        spans = explorer.js(
            """async (text) => {
                const m = await import('/explorer/static/js/evidence.js');
                return m.splitSentences(m.codePoints(text)).map((s) => [s.start, s.end]);
            }""",
            text,
        )
        assert spans == [[s.start, s.end] for s in split_sentences(text)], slug


def test_path_between_the_two_leather_associations(explorer: Explorer, server: str) -> None:
    explorer.open()
    explorer.page.get_by_label("From (name or slug)").fill(LEATHER)
    explorer.page.get_by_label("To (name or slug)").fill(TANNERS)
    explorer.page.get_by_role("button", name="Find path").click()
    explorer.settle()

    path = graphql(
        server,
        "query($a: String!, $b: String!) { shortestPath(from: $a, to: $b) "
        "{ length nodes { slug } relations { claimId status } } }",
        {"a": LEATHER, "b": TANNERS},
    )["shortestPath"]
    steps = explorer.page.locator("#path-steps li")
    expect(steps).to_have_count(path["length"])
    expect(explorer.page.locator("#path-status")).to_contain_text(
        "from Kazakhstan Leather Association to Pakistan Tanners Association"
    )
    expected_ids = {f"n:{n['slug']}" for n in path["nodes"]} | {
        f"e:{r['claimId']}" for r in path["relations"]
    }
    assert explorer.graph_ids(".on-path") == expected_ids
    # The association's contact is a plan, and looks like one.
    expect(steps.first.locator(".status-badge")).to_have_text("planned")
    assert f"path={LEATHER},{TANNERS}" in explorer.page.url
    explorer.shot("path-leather-tanners")
    explorer.assert_clean()


def test_path_by_typed_names_spans_several_hops(explorer: Explorer) -> None:
    explorer.open()
    explorer.page.get_by_label("From (name or slug)").fill("Shakkaliyev")
    explorer.page.get_by_label("To (name or slug)").fill("tanners")
    explorer.page.get_by_label("To (name or slug)").press("Enter")
    explorer.settle()
    steps = explorer.page.locator("#path-steps li")
    assert steps.count() > 1
    on_path_nodes = explorer.graph_ids("node.on-path")
    assert {"n:arman-shakkaliyev", f"n:{TANNERS}"} <= on_path_nodes
    assert len(on_path_nodes) == steps.count() + 1
    assert f"path=arman-shakkaliyev,{TANNERS}" in explorer.page.url
    explorer.assert_clean()


def test_a_shared_url_restores_the_same_view(explorer: Explorer, browser: BrowserContext) -> None:
    # Build a view by hand: search, choose, expand by clicking, find a path, open an edge.
    explorer.open()
    explorer.search("tanners")
    explorer.hit(TANNERS).click()
    explorer.settle()
    explorer.click_graph_element("n:pakistan")
    explorer.page.get_by_label("From (name or slug)").fill(LEATHER)
    explorer.page.get_by_label("To (name or slug)").fill(TTA)
    explorer.page.get_by_role("button", name="Find path").click()
    explorer.settle()
    edge = "kazakhstan-leather-association-will-contact-pakistan-tanners-association"
    explorer.click_graph_element(f"e:{edge}")
    expect(explorer.page.locator("#evidence-panel")).to_have_attribute("data-claim", edge)
    original = explorer.state()
    shared_url = explorer.page.url
    assert original["expanded"] == {"n:pakistan"}
    assert original["on_path"] and original["path_steps"] and original["quotes"]
    explorer.shot("shared-view-original")

    # A colleague opens the address in a page of their own.
    colleague = Explorer(page=browser.new_page(), base=explorer.base)
    colleague.page.on("pageerror", lambda error: colleague.errors.append(str(error)))
    try:
        colleague.page.goto(shared_url)
        colleague.settle()
        expect(colleague.page.locator("#evidence-panel")).to_have_attribute("data-claim", edge)
        assert colleague.state() == original
        colleague.shot("shared-view-restored")
        # And a reload of the same page gives the same view again.
        colleague.page.reload()
        colleague.settle()
        expect(colleague.page.locator("#evidence-panel")).to_have_attribute("data-claim", edge)
        assert colleague.state() == original
        colleague.assert_clean()
    finally:
        colleague.page.close()
    explorer.assert_clean()


def test_back_returns_to_the_previous_focus_and_labels_switch_to_bengali(
    explorer: Explorer,
) -> None:
    explorer.open()
    explorer.search("tanners")
    explorer.hit(TANNERS).click()
    explorer.settle()
    explorer.hit(LEATHER).click()
    explorer.settle()
    assert explorer.graph_ids("node.focus") == {f"n:{LEATHER}"}

    explorer.page.go_back()
    explorer.settle()
    expect(explorer.page.locator("#entity-name")).to_have_text("Pakistan Tanners Association")
    assert explorer.graph_ids("node.focus") == {f"n:{TANNERS}"}

    explorer.page.get_by_label("Labels").select_option("bn")
    label = explorer.js(f"() => window.kgExplorer.cy.getElementById('n:{TANNERS}').data('label')")
    assert label == "ট্যানারি সমিতি"
    assert "lang=bn" in explorer.page.url
    explorer.shot("bengali-labels")
    explorer.assert_clean()
