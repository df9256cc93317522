"""A frontend dev server on another origin (Vite on localhost:5173) talks to a real kgapi server.

The preflight is what a browser sends first; it failed with 400 before KGAPI_CORS_ORIGINS named the
origin, and the README's one-line setting must be enough to make it pass.
"""

from __future__ import annotations

import httpx

from kgapi.config import Settings
from tests.integration.live import running_server

VITE = "http://localhost:5173"
PREFLIGHT = {
    "Origin": VITE,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type,authorization",
}


def test_the_readme_setting_lets_a_dev_server_origin_through(neo4j_settings: Settings) -> None:
    with running_server(neo4j_settings, KGAPI_CORS_ORIGINS=f"{VITE},http://127.0.0.1:5173") as url:
        preflight = httpx.options(f"{url}/graphql", headers=PREFLIGHT, timeout=10)
        assert preflight.status_code == 200, preflight.text
        assert preflight.headers["access-control-allow-origin"] == VITE
        assert "POST" in preflight.headers["access-control-allow-methods"]
        allowed = preflight.headers["access-control-allow-headers"].lower()
        assert "content-type" in allowed and "authorization" in allowed

        answer = httpx.post(
            f"{url}/graphql",
            json={"query": "{ __typename }"},
            headers={"Origin": VITE},
            timeout=10,
        )
        assert answer.status_code == 200
        assert answer.json() == {"data": {"__typename": "Query"}}
        assert answer.headers["access-control-allow-origin"] == VITE
        assert "x-request-id" in answer.headers["access-control-expose-headers"].lower()


def test_an_origin_not_listed_is_refused(neo4j_settings: Settings) -> None:
    with running_server(neo4j_settings, KGAPI_CORS_ORIGINS=VITE) as url:
        other = {**PREFLIGHT, "Origin": "http://evil.example"}
        preflight = httpx.options(f"{url}/graphql", headers=other, timeout=10)
        assert preflight.status_code == 400
        assert "access-control-allow-origin" not in preflight.headers
