"""A real Neo4j on machines without Docker, provisioned from Maven Central.

See `server.py` for how and why; the CLI (`kgapi neo4j start|stop|status|exec`) is the front.
"""

from kgapi.neo4j_local.server import (
    LocalNeo4j,
    LocalStatus,
    ProvisioningError,
    StartResult,
)

__all__ = ["LocalNeo4j", "LocalStatus", "ProvisioningError", "StartResult"]
