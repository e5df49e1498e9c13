"""The documentation stays true: `.env.example` lists every setting with its default, and
the README documents every command of the `pingcrm` CLI."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer
from pydantic import TypeAdapter

from pingcrm.cli import app as cli_app
from pingcrm.config import Settings

ROOT = Path(__file__).resolve().parents[1]
ENV_LINE = re.compile(r"^#?\s*PINGCRM_([A-Z0-9_]+)=(.*)$")


def _env_example() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = ENV_LINE.match(line.strip())
        if match:
            name = match.group(1).lower()
            assert name not in values, f".env.example lists PINGCRM_{name.upper()} twice"
            values[name] = match.group(2).strip()
    return values


def test_env_example_lists_every_setting_and_nothing_else() -> None:
    documented = set(_env_example())
    fields = set(Settings.model_fields)
    assert not fields - documented, (
        f".env.example lacks {sorted('PINGCRM_' + f.upper() for f in fields - documented)}"
    )
    assert not documented - fields, (
        f".env.example lists unknown {sorted('PINGCRM_' + f.upper() for f in documented - fields)}"
    )


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_env_example_shows_the_default(name: str) -> None:
    field = Settings.model_fields[name]
    shown = _env_example().get(name)
    assert shown is not None, f"PINGCRM_{name.upper()} is missing from .env.example"
    assert field.annotation is not None
    value = TypeAdapter(field.annotation).validate_python(shown) if shown else ""
    assert value == field.default, (
        f".env.example shows PINGCRM_{name.upper()}={shown}, the default is {field.default!r}"
    )


def _commands(group: Any, prefix: str = "pingcrm") -> list[str]:
    """Every leaf command of a (Typer's own or click's) command group, as typed."""
    found: list[str] = []
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            found.extend(_commands(command, f"{prefix} {name}"))
        else:
            found.append(f"{prefix} {name}")
    return found


def test_the_readme_documents_every_cli_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    root = typer.main.get_command(cli_app)
    commands = _commands(root)
    assert "pingcrm serve" in commands
    missing = [c for c in commands if not re.search(re.escape(c) + r"\b", readme)]
    assert not missing, f"README.md does not document {missing}"


def test_the_readme_opens_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head = readme[:1500]
    assert "make run" in head
    assert "make test" in head
    assert "http://127.0.0.1:8000" in head
