"""docker-compose.yml cannot run here (no Docker engine); this keeps it honest with the app and
with deploy/nginx/kgapi.conf (which tests/integration/test_replicas.py runs with Debian's nginx)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from kgapi.config import Settings

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "deploy" / "nginx" / "kgapi.conf"


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
    assert set(services) == {"neo4j", "api", "seed", "nginx"}
    assert services["neo4j"]["image"] == "neo4j:5.26-community"
    assert re.fullmatch(r"nginx:1\.\d+-alpine", services["nginx"]["image"])
    assert "healthcheck" in services["neo4j"]
    assert any(str(v).endswith(":/data") for v in services["neo4j"]["volumes"])
    assert services["api"]["build"]["dockerfile"] == "Dockerfile"
    assert (ROOT / "Dockerfile").exists()


def test_ports_agree_with_the_configuration() -> None:
    services = _compose()["services"]
    defaults = Settings()
    api = services["api"]
    # Scaled: no host port on the API (only one replica could bind it); nginx is the way in.
    assert "ports" not in api
    assert str(defaults.port) in [str(p) for p in api["expose"]]
    assert api["environment"]["KGAPI_PORT"] == str(defaults.port)
    assert "8080:80" in [str(p) for p in services["nginx"]["ports"]]
    assert "7687:7687" in [str(p) for p in services["neo4j"]["ports"]]


def test_nginx_balances_the_scaled_api_with_the_shipped_configuration() -> None:
    services = _compose()["services"]
    api, nginx = services["api"], services["nginx"]
    assert api["deploy"]["replicas"] == 3
    mounts = [str(v).split(":") for v in nginx["volumes"]]
    assert ["./deploy/nginx/kgapi.conf", "/etc/nginx/conf.d/default.conf", "ro"] in mounts
    # nginx resolves `api` once it is up; the API's healthcheck says when that is.
    assert nginx["depends_on"]["api"]["condition"] == "service_healthy"
    assert "healthcheck" in api

    conf = NGINX_CONF.read_text("utf-8")
    upstream = re.findall(r"^\s*server (\S+):(\d+) ([^;]*);", conf, flags=re.MULTILINE)
    assert upstream == [("api", api["environment"]["KGAPI_PORT"], upstream[0][2])]
    assert "max_fails=" in upstream[0][2] and "fail_timeout=" in upstream[0][2]
    published = str(nginx["ports"][0]).split(":")[-1]
    assert re.search(rf"^\s*listen {published};", conf, flags=re.MULTILINE)


def test_nginx_limits_bodies_as_the_api_does() -> None:
    """client_max_body_size, and the answer nginx gives above it, match KGAPI_MAX_BODY_BYTES."""
    conf = NGINX_CONF.read_text("utf-8")
    limit = Settings().max_body_bytes
    assert re.findall(r"client_max_body_size (\d+);", conf) == [str(limit)]
    answer = re.search(r"return 413 '([^']*)';", conf)
    assert answer is not None
    error = json.loads(answer.group(1))["errors"][0]
    assert error["extensions"] == {"code": "PAYLOAD_TOO_LARGE", "maximum": limit}
    assert str(limit) in error["message"]


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
