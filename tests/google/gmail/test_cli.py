"""``pingcrm sync gmail`` runs the email sync in the foreground and prints the summary."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from pingcrm.cli import app
from pingcrm.config import get_settings
from tests.cli.conftest import cli, cli_database, cli_engine, cli_session
from tests.fakes.google.state import FakeGoogle
from tests.fixtures.builders import create_user
from tests.google.fake_account import connect, served

__all__ = ["cli", "cli_database", "cli_engine", "cli_session"]

ME = "me@gmail.com"


def test_sync_gmail_prints_the_summary(
    cli: CliRunner, cli_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    google = FakeGoogle()
    google.add_account(ME)
    google.add_message(ME, sender="Lin <lin@example.org>", to=[ME], subject="Hi", snippet="yo")
    with served(google) as url:
        for name, value in google.client_settings(url).items():
            monkeypatch.setenv(f"PINGCRM_{name.upper()}", value)
        get_settings.cache_clear()
        user = create_user(cli_session)
        connect(cli_session, get_settings(), google, user.id, ME)

        result = cli.invoke(app, ["sync", "gmail", "--user", user.email])
        unknown = cli.invoke(app, ["sync", "gmail", "--user", user.email, "--account", "x@y.z"])

    assert result.exit_code == 0, result.output
    assert "me@gmail.com email sync: success. 1 new interactions, 1 new contacts" in result.output
    assert unknown.exit_code == 1
    assert "No connected Gmail account x@y.z" in unknown.output
