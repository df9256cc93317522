"""Shared by the fuzzing modules: an in-process app whose unexpected errors become 500s to
assert on (not exceptions raised into the test), with logging quietened."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from kgapi.app import create_app
from kgapi.config import Settings
from kgapi.db import Database


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings, seeded: Database) -> Iterator[TestClient]:
    with TestClient(
        create_app(neo4j_settings.model_copy(update={"log_level": "critical"})),
        raise_server_exceptions=False,
    ) as test_client:
        yield test_client
