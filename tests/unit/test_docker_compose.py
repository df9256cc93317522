"""docker-compose.yml cannot run here (no Docker engine); this keeps it honest with the app."""

from __future__ import annotations

from pathlib import Path

import yaml

from kgapi.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))


def _known_variables() -> set[str]:
    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        choices = getattr(alias, "choices", None)
        names.add(str(choices[0]) if choices else f"KGAPI_{name.upper()}")
    return names


def test_services_and_images() -> None:
    services = _compose()["services"]
    assert set(services) == {"neo4j", "api", "seed"}
    assert services["neo4j"]["image"] == "neo4j:5.26-community"
    assert "healthcheck" in services["neo4j"]
    assert any(str(v).endswith(":/data") for v in services["neo4j"]["volumes"])
    assert services["api"]["build"]["dockerfile"] == "Dockerfile"
    assert (ROOT / "Dockerfile").exists()


def test_ports_agree_with_the_configuration() -> None:
    services = _compose()["services"]
    defaults = Settings()
    assert f"{defaults.port}:{defaults.port}" in [str(p) for p in services["api"]["ports"]]
    assert "7687:7687" in [str(p) for p in services["neo4j"]["ports"]]


def test_variables_are_the_apps_own() -> None:
    services = _compose()["services"]
    known = _known_variables()
    for name in ("api", "seed"):
        env = services[name]["environment"]
        assert set(env) <= known, set(env) - known
        assert env["NEO4J_URI"] == "bolt://neo4j:7687"
        assert {"NEO4J_USERNAME", "NEO4J_PASSWORD", "NEO4J_DATABASE"} <= set(env)
    assert services["api"]["environment"]["KGAPI_HOST"] == "0.0.0.0"  # noqa: S104
    # The password the server is started with is the one the app uses.
    auth = services["neo4j"]["environment"]["NEO4J_AUTH"]
    user, _, password = auth.partition("/")
    assert user == services["api"]["environment"]["NEO4J_USERNAME"]
    assert password == services["api"]["environment"]["NEO4J_PASSWORD"]


def test_the_seed_runs_once_after_neo4j_is_healthy() -> None:
    services = _compose()["services"]
    assert services["seed"]["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert services["api"]["depends_on"]["seed"]["condition"] == "service_completed_successfully"
    assert services["seed"]["command"][-1] == "seed"
