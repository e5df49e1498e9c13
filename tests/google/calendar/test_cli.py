"""``pingcrm sync gmail --kind calendar`` / ``--kind contacts`` run those syncs in the
foreground."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from pingcrm.cli import app
from pingcrm.config import get_settings
from tests.cli.conftest import cli, cli_database, cli_engine, cli_session
from tests.fakes.google import calendar, people
from tests.fakes.google.state import FakeGoogle
from tests.fixtures.builders import create_user
from tests.google.fake_account import connect, served

__all__ = ["cli", "cli_database", "cli_engine", "cli_session"]

ME = "me@gmail.com"


def test_sync_calendar_and_contacts_from_the_command_line(
    cli: CliRunner, cli_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    google = FakeGoogle()
    google.add_account(ME)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    calendar.state_of(google).put_event(
        ME,
        calendar.event(
            "e1", start, 30, [(ME, None, "accepted"), ("lin@example.org", "Lin Wu", "accepted")]
        ),
    )
    people.state_of(google).put_person(ME, people.person(1, "Sam Roe", ["sam@example.org"]))
    with served(google) as url:
        for name, value in google.client_settings(url).items():
            monkeypatch.setenv(f"PINGCRM_{name.upper()}", value)
        get_settings.cache_clear()
        user = create_user(cli_session)
        connect(cli_session, get_settings(), google, user.id, ME)
        meetings = cli.invoke(app, ["sync", "gmail", "--user", user.email, "--kind", "calendar"])
        contacts = cli.invoke(app, ["sync", "gmail", "--user", user.email, "--kind", "contacts"])
    assert meetings.exit_code == 0, meetings.output
    assert "me@gmail.com calendar sync: success. 1 new interactions, 1 new contacts" in (
        meetings.output
    )
    assert contacts.exit_code == 0, contacts.output
    assert "me@gmail.com contacts sync: success. 0 new interactions, 1 new contacts" in (
        contacts.output
    )
