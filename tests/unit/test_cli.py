"""Every command documents itself; configuration errors are one line, not a traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kgapi.cli import app

COMMANDS = [
    [],
    ["check"],
    ["seed"],
    ["serve"],
    ["schema"],
    ["schema", "apply"],
    ["schema", "export"],
    ["neo4j"],
    ["neo4j", "start"],
    ["neo4j", "stop"],
    ["neo4j", "status"],
    ["neo4j", "exec"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "kgapi")
def test_help_on_every_command(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_a_bad_uri_scheme_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_URI", "http://127.0.0.1:7474")
    result = CliRunner().invoke(app, ["check"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "NEO4J_URI 'http://127.0.0.1:7474' has scheme 'http'" in lines[0]
    assert "Traceback" not in result.output


def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("NEO4J_URI", "http://127.0.0.1:7474")
    result = CliRunner().invoke(app, ["--debug", "check"])
    assert result.exit_code != 0
    assert isinstance(result.exception, ValidationError)  # raised, not turned into one line


def test_help_lists_every_command() -> None:
    output = CliRunner().invoke(app, ["--help"]).output
    for command in ("check", "seed", "serve", "ingest", "export", "neo4j", "schema", "keys"):
        assert command in output
