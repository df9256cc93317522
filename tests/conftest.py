"""A real Neo4j for the whole session, never a mock.

Where it comes from, in order: NEO4J_URI if set (`make test` sets it through
`kgapi neo4j exec`); else testcontainers' Neo4jContainer when a Docker engine answers; else the
project's own provisioning from Maven Central, stopped again at the end if this session started it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator

import pytest

from kgapi.config import Settings
from kgapi.db import Database
from kgapi.neo4j_local import LocalNeo4j

NEO4J_IMAGE = "neo4j:5.26-community"


def _docker_engine_answers() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    try:
        return subprocess.run([docker, "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def neo4j_settings() -> Iterator[Settings]:
    """Settings pointing at a live Neo4j 5.26."""
    if os.environ.get("NEO4J_URI"):
        yield Settings()
        return
    if _docker_engine_answers():
        from testcontainers.neo4j import Neo4jContainer

        password = Settings().neo4j_password
        with Neo4jContainer(NEO4J_IMAGE, password=password) as container:
            yield Settings(neo4j_uri=container.get_connection_url(), neo4j_password=password)
        return
    local = LocalNeo4j(Settings())
    result = local.start()
    try:
        yield Settings(neo4j_uri=result.uri)
    finally:
        if result.started:
            local.stop()


@pytest.fixture(scope="session")
async def db(neo4j_settings: Settings) -> AsyncIterator[Database]:
    database = Database(neo4j_settings)
    await database.verify()
    yield database
    await database.close()


@pytest.fixture(scope="session")
async def seeded(db: Database) -> Database:
    """The database with the seed graph written (idempotent, so safe to share)."""
    from kgapi.seed import seed_database

    await seed_database(db)
    return db
