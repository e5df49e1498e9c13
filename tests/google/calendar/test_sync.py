"""Calendar sync end to end: the real job, GoogleClient and sync code against the fake
Calendar API over HTTP. Full then incremental syncs, an expired sync token (410), a
run killed between pages, re-runs that create nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pingcrm.google.calendar import sync as calendar_sync
from pingcrm.google.calendar.api import CalendarApi
from pingcrm.google.calendar.tasks import SYNC_JOB, options
from pingcrm.google.client import GoogleClient
from pingcrm.models import (
    CalendarEvent,
    Contact,
    Interaction,
    Platform,
    RunStatus,
    SyncKind,
)
from tests.fakes.google.calendar import FakeCalendarState, event
from tests.fixtures.google_world import GoogleWorld
from tests.google.conftest import ME, NOW
from tests.google.fake_account import (
    last_run,
    manual_sync_context,
)


def _meetings(session: Session) -> list[tuple[str, str, datetime]]:
    session.expire_all()
    rows = session.execute(
        select(Contact.full_name, Interaction.subject, Interaction.occurred_at)
        .join(Contact, Contact.id == Interaction.contact_id)
        .where(Interaction.platform == Platform.MEETING)
        .order_by(Interaction.occurred_at, Contact.full_name)
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def _seed(cal: FakeCalendarState) -> None:
    cal.put_event(
        ME,
        event(
            "past",
            NOW - timedelta(days=3),
            30,
            [(ME, "Ada", "accepted"), ("bob@acme.com", "Bob Stone", "accepted")],
            summary="Intro call",
        ),
    )
    cal.put_event(
        ME,
        event(
            "future",
            NOW + timedelta(days=2),
            60,
            [(ME, "Ada", "accepted"), ("carol@acme.com", "Carol Ng", "tentative")],
            summary="Planning",
        ),
    )
    cal.put_event(ME, event("solo", NOW - timedelta(days=1), 60, [(ME, "Ada", "accepted")]))
    cal.put_event(
        ME,
        event(
            "declined",
            NOW - timedelta(days=1),
            60,
            [(ME, "Ada", "declined"), ("dan@acme.com", "Dan", "accepted")],
        ),
    )


def test_full_sync_then_incremental(world: GoogleWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calendar_sync, "PAGE_SIZE", 2)  # several pages from a few events
    _seed(world.cal)
    world.run(SYNC_JOB)

    assert _meetings(world.session) == [
        ("Bob Stone", "Intro call", NOW - timedelta(days=3)),
        ("Carol Ng", "Planning", NOW + timedelta(days=2)),
    ]
    run = last_run(world.session)
    assert run.kind == SyncKind.CALENDAR
    assert run.status == RunStatus.SUCCESS
    assert run.new_interactions == 2
    assert run.new_contacts == 2
    first = [r for r in world.cal.requests if r["account"] == ME]
    assert first[0]["singleEvents"] == "true"
    assert "timeMin" in first[0]
    assert "timeMax" in first[0]
    assert any("pageToken" in r for r in first)  # paginated
    bob = world.session.scalars(select(Contact).where(Contact.full_name == "Bob Stone")).one()
    carol = world.session.scalars(select(Contact).where(Contact.full_name == "Carol Ng")).one()
    assert bob.last_interaction_at == NOW - timedelta(days=3)
    assert carol.last_interaction_at is None  # upcoming: not an interaction yet
    assert carol.interaction_count == 0

    # Changes at Google: one event moved, one cancelled, one new.
    world.cal.requests.clear()
    world.cal.put_event(
        ME,
        event(
            "future",
            NOW + timedelta(days=3),
            30,
            [(ME, "Ada", "accepted"), ("carol@acme.com", "Carol Ng", "accepted")],
            summary="Planning (moved)",
        ),
    )
    world.cal.cancel_event(ME, "past")
    world.cal.put_event(
        ME,
        event(
            "new",
            NOW - timedelta(hours=2),
            30,
            [(ME, "Ada", "accepted"), ("erin@acme.com", "Erin Poe", "accepted")],
            summary="Coffee",
        ),
    )
    world.run(SYNC_JOB)
    assert all("syncToken" in r and "timeMin" not in r for r in world.cal.requests)
    assert _meetings(world.session) == [
        ("Erin Poe", "Coffee", NOW - timedelta(hours=2)),
        ("Carol Ng", "Planning (moved)", NOW + timedelta(days=3)),
    ]
    world.session.refresh(bob)
    assert bob.last_interaction_at is None  # the cancelled meeting is gone
    assert last_run(world.session).new_interactions == 1

    # Nothing changed: a re-run asks for changes and creates nothing.
    before = world.session.scalar(select(func.count()).select_from(Interaction))
    world.run(SYNC_JOB)
    assert world.session.scalar(select(func.count()).select_from(Interaction)) == before
    assert last_run(world.session).new_interactions == 0
    assert last_run(world.session).new_contacts == 0


def test_expired_sync_token_means_a_full_sync(world: GoogleWorld) -> None:
    _seed(world.cal)
    world.run(SYNC_JOB)
    assert len(_meetings(world.session)) == 2
    world.clock.advance(timedelta(hours=1))
    # While the token is unusable, an event disappears without a trace.
    world.cal.calendars[ME].events.pop("past")
    world.cal.expire_sync_tokens(ME)
    world.cal.requests.clear()
    world.run(SYNC_JOB)
    assert "syncToken" in world.cal.requests[0]
    assert "timeMin" in world.cal.requests[1]  # 410 → full sync
    assert last_run(world.session).status == RunStatus.SUCCESS
    # The full sync saw everything still there, and pruned what it did not see.
    assert _meetings(world.session) == [("Carol Ng", "Planning", NOW + timedelta(days=2))]
    assert world.session.scalar(select(func.count()).select_from(CalendarEvent)) == 1
    # The new sync token works: the next run is incremental again.
    world.cal.requests.clear()
    world.run(SYNC_JOB)
    assert [("syncToken" in r) for r in world.cal.requests] == [True]
    assert last_run(world.session).status == RunStatus.SUCCESS


class Killed(BaseException):
    """The worker process dies (SIGKILL) between two pages."""


def test_a_run_killed_between_pages_resumes_without_duplicates(
    world: GoogleWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calendar_sync, "PAGE_SIZE", 2)
    for n in range(7):
        world.cal.put_event(
            ME,
            event(
                f"ev{n}",
                NOW - timedelta(days=n + 1),
                30,
                [(ME, "Ada", "accepted"), (f"p{n}@acme.com", f"Person {n}", "accepted")],
            ),
        )

    # A run that commits its first page and dies while fetching the second.
    with world.factory() as work:
        ctx = manual_sync_context(work, world.settings, world.account, SyncKind.CALENDAR)
        with GoogleClient.from_context(ctx) as client:
            api = CalendarApi(client)
            calls = {"n": 0}

            class DiesOnSecondPage:
                def list_events(self, params: dict[str, str]) -> dict[str, Any]:
                    calls["n"] += 1
                    if calls["n"] == 2:
                        raise Killed
                    return api.list_events(params)

            with pytest.raises(Killed):
                calendar_sync.sync_calendar(ctx, DiesOnSecondPage(), options(world.settings))
        work.rollback()
    assert len(_meetings(world.session)) == 2  # the first page was committed

    world.cal.requests.clear()
    world.run(SYNC_JOB)
    assert "pageToken" in world.cal.requests[0]  # resumed where it stopped
    # Exactly what an uninterrupted run records: one meeting per event and attendee.
    assert sorted(world.session.scalars(select(Interaction.provider_id))) == sorted(
        f"gcal:ev{n}:p{n}@acme.com" for n in range(7)
    )
    assert world.session.scalar(select(func.count()).select_from(CalendarEvent)) == 7
    assert world.session.scalar(select(func.count()).select_from(Contact)) == 7
    # And the next run is incremental and creates nothing.
    world.run(SYNC_JOB)
    assert len(_meetings(world.session)) == 7


def test_a_revoked_grant_stops_the_run_with_an_error_badge(world: GoogleWorld) -> None:
    _seed(world.cal)
    world.google.invalidate_grants(ME)
    world.run(SYNC_JOB)
    run = last_run(world.session)
    assert run.status == RunStatus.FAILED
    world.session.refresh(world.account)
    assert world.account.last_error_is_auth is True
    assert _meetings(world.session) == []


def test_an_expired_access_token_is_refreshed_and_a_rate_limit_waited_out(
    world: GoogleWorld,
) -> None:
    _seed(world.cal)
    world.run(SYNC_JOB)
    world.google.expire_access_tokens()  # the stored access token now answers 401
    refreshes = len(world.google.token_requests)
    world.google.fail("events.list", 429, retry_after=0)
    world.cal.put_event(
        ME,
        event(
            "late",
            NOW - timedelta(hours=1),
            30,
            [(ME, "Ada", "accepted"), ("erin@acme.com", "Erin Poe", "accepted")],
        ),
    )
    world.run(SYNC_JOB)
    run = last_run(world.session)
    assert run.status == RunStatus.SUCCESS
    assert run.new_interactions == 1
    assert ("Erin Poe", "Meeting", NOW - timedelta(hours=1)) in _meetings(world.session)
    assert len(world.google.token_requests) == refreshes + 1  # refreshed once after the 401
