"""Settings → Gmail → "Sync Calendar now" / "Sync Contacts now" run the syncs (the
generic Sync now route; jobs run inline in tests)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from pingcrm.app import create_app
from pingcrm.config import Settings
from pingcrm.kit.clock import utcnow
from pingcrm.models import Contact, Interaction, Platform, SyncKind
from tests.fakes.google import calendar, people
from tests.fakes.google.state import FakeGoogle
from tests.fixtures.builders import create_user, login
from tests.google.fake_account import connect, google_settings, last_run, served

ME = "ada@gmail.com"


@pytest.fixture
def google() -> FakeGoogle:
    return FakeGoogle()


@pytest.fixture
def gclient(
    settings: Settings, engine: Engine, google: FakeGoogle, session: Session
) -> Iterator[tuple[TestClient, Settings]]:
    with served(google) as url:
        gsettings = google_settings(settings, google, url)
        with TestClient(create_app(gsettings, engine=engine)) as client:
            yield client, gsettings


def test_sync_buttons_import_meetings_and_contacts(
    gclient: tuple[TestClient, Settings], session: Session, google: FakeGoogle
) -> None:
    client, gsettings = gclient
    user = create_user(session)
    account = connect(session, gsettings, google, user.id, ME)
    start = utcnow().replace(microsecond=0) - timedelta(days=1)
    calendar.state_of(google).put_event(
        ME,
        calendar.event(
            "e1",
            start,
            30,
            [(ME, None, "accepted"), ("bob@acme.com", "Bob Stone", "accepted")],
            summary="Kickoff",
        ),
    )
    people.state_of(google).put_person(ME, people.person(7, "Carol Ng", ["carol@acme.com"]))
    csrf = login(client)
    page = client.get("/settings").text
    assert "Sync Calendar now" in page
    assert "Sync Contacts now" in page

    answer = client.post(
        f"/settings/connections/{account.id}/sync/calendar",
        data={"csrf_token": csrf},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert f"Calendar sync of {ME} started." in answer.text
    assert last_run(session).kind == SyncKind.CALENDAR
    meeting = session.scalars(
        select(Interaction).where(Interaction.platform == Platform.MEETING)
    ).one()
    assert meeting.subject == "Kickoff"

    client.post(
        f"/settings/connections/{account.id}/sync/contacts",
        data={"csrf_token": csrf},
        headers={"HX-Request": "true"},
    )
    assert last_run(session).kind == SyncKind.CONTACTS
    assert session.scalars(
        select(Contact.full_name).where(Contact.source == "google_contacts")
    ).all() == ["Carol Ng"]
