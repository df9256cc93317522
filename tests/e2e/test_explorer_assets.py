"""The explorer's files, checked without a browser or a database.

The vendored cytoscape.js is committed (so the explorer works offline and on a fresh clone
without npm); these tests keep it honest: it is the exact npm release package.json pins, and
byte for byte the npm package's file whenever `make explorer-assets` has filled node_modules.
They also hold the page to its rules: no request to another host, no HTML built from strings,
and a colour and line style for every kind and status kgapi has.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from starlette.applications import Starlette
from starlette.testclient import TestClient

from kgapi.explorer import CONTENT_SECURITY_POLICY, STATIC_DIR, routes
from kgapi.model import EntityKind, Status

EXPLORER = STATIC_DIR.parent
VENDORED = STATIC_DIR / "vendor" / "cytoscape.min.js"
VENDORED_LICENSE = STATIC_DIR / "vendor" / "cytoscape.LICENSE"
NPM_PACKAGE = EXPLORER / "node_modules" / "cytoscape"
JS_DIR = STATIC_DIR / "js"
# The one URL the page's own code may contain: the SVG namespace, which is a name, not a request.
ALLOWED_URLS = {"http://www.w3.org/2000/svg"}


def _pinned_version() -> str:
    package = json.loads((EXPLORER / "package.json").read_text("utf-8"))
    version: str = package["dependencies"]["cytoscape"]
    return version


def _own_files() -> list[Path]:
    return sorted(
        p
        for p in STATIC_DIR.rglob("*")
        if p.is_file() and p.suffix in {".html", ".js", ".css"} and "vendor" not in p.parts
    )


def test_cytoscape_is_pinned_exactly_and_the_lock_agrees() -> None:
    version = _pinned_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"pin an exact version, not {version!r}"
    lock = json.loads((EXPLORER / "package-lock.json").read_text("utf-8"))
    assert lock["packages"][""]["dependencies"]["cytoscape"] == version
    assert lock["packages"]["node_modules/cytoscape"]["version"] == version


def test_the_vendored_file_is_the_pinned_release() -> None:
    text = VENDORED.read_text("utf-8")
    assert f'.version="{_pinned_version()}"' in text, (
        "static/vendor/cytoscape.min.js is not the version package.json pins: "
        "run `make explorer-assets`"
    )
    assert "The Cytoscape Consortium" in VENDORED_LICENSE.read_text("utf-8")


def test_the_vendored_file_equals_the_npm_package_file() -> None:
    if not (NPM_PACKAGE / "dist" / "cytoscape.min.js").exists():
        npm = shutil.which("npm")
        assert npm, "npm is needed to check the vendored cytoscape against its package"
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=EXPLORER,
            check=True,
            capture_output=True,
            timeout=300,
        )
    installed = json.loads((NPM_PACKAGE / "package.json").read_text("utf-8"))["version"]
    assert installed == _pinned_version(), "node_modules is stale: run `make explorer-assets`"
    assert VENDORED.read_bytes() == (NPM_PACKAGE / "dist" / "cytoscape.min.js").read_bytes()
    assert VENDORED_LICENSE.read_bytes() == (NPM_PACKAGE / "LICENSE").read_bytes()


def test_every_kind_and_status_has_a_look() -> None:
    vocabulary = (JS_DIR / "vocabulary.js").read_text("utf-8")
    kinds = vocabulary[vocabulary.index("KIND_STYLES") : vocabulary.index("KIND_COLOURS =")]
    statuses = vocabulary[vocabulary.index("STATUS_STYLES") : vocabulary.index("UNKNOWN_STATUS")]
    for kind in EntityKind:
        assert re.search(rf"^\s+{kind.name}: \{{", kinds, re.M), f"no colour for {kind.name}"
    for status in Status:
        assert re.search(rf"^\s+{status.name}: \{{", statuses, re.M), f"no style for {status}"


def test_the_page_refers_to_nothing_off_the_machine() -> None:
    for path in _own_files():
        urls = set(
            re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"'`)]*", path.read_text("utf-8"))
        )
        assert urls <= ALLOWED_URLS, f"{path.name} refers to {urls - ALLOWED_URLS}"


def test_the_page_never_turns_data_into_markup_or_code() -> None:
    forbidden = re.compile(
        r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function"
    )
    for path in JS_DIR.glob("*.js"):
        code = re.sub(r"/\*.*?\*/|^\s*//.*$", "", path.read_text("utf-8"), flags=re.S | re.M)
        match = forbidden.search(code)
        assert match is None, f"{path.name} uses {match.group(0) if match else ''}"


def test_every_local_reference_exists() -> None:
    index = (STATIC_DIR / "index.html").read_text("utf-8")
    for ref in re.findall(r'(?:href|src)="/explorer/static/([^"]+)"', index):
        assert (STATIC_DIR / ref).is_file(), f"index.html refers to missing {ref}"
    for path in JS_DIR.glob("*.js"):
        for ref in re.findall(r'from "\./([^"]+)"', path.read_text("utf-8")):
            assert (JS_DIR / ref).is_file(), f"{path.name} imports missing {ref}"


def test_routes_serve_the_page_and_its_assets_only() -> None:
    client = TestClient(Starlette(routes=routes))
    page = client.get("/explorer")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "connect-src 'self'" in CONTENT_SECURITY_POLICY
    for asset, kind in [
        ("js/main.js", "javascript"),
        ("vendor/cytoscape.min.js", "javascript"),
        ("explorer.css", "text/css"),
    ]:
        answer = client.get(f"/explorer/static/{asset}")
        assert answer.status_code == 200, asset
        assert kind in answer.headers["content-type"], asset
    assert client.get("/explorer/static/../__init__.py").status_code == 404
    assert client.get("/explorer/static/%2e%2e/__init__.py").status_code == 404
