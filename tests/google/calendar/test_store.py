"""Calendar events → meeting interactions: one per attendee contact, declined and
attendee-less events skipped, big meetings create no contacts, cancelled and moved
events remove or move their interactions, and future meetings never move the last
interaction or the score."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.contacts.ingest import ContactInput, upsert_contacts
from pingcrm.google.calendar.mapping import map_event
from pingcrm.google.calendar.sync import store_page
from pingcrm.kit.clock import FrozenClock
from pingcrm.meetings.service import count_started_meetings
from pingcrm.models import (
    CalendarEvent,
    Contact,
    IdentifierKind,
    Interaction,
    Platform,
    PlatformAccount,
    Provider,
)
from pingcrm.platform_accounts import service as accounts
from pingcrm.scoring.service import recompute_scores
from pingcrm.worker.context import JobCall
from pingcrm.worker.execute import execute
from tests.fakes.google.calendar import event
from tests.fixtures.builders import create_interaction, create_user, stored_score
from tests.google.conftest import ME, NOW

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def account(session: Session, settings: Settings) -> PlatformAccount:
    user = create_user(session)
    account = accounts.connect(
        session,
        settings,
        user_id=user.id,
        provider=Provider.GMAIL,
        external_id=ME,
        credentials={"refresh_token": "r"},
    )
    session.commit()
    return account


def _apply(session: Session, account: PlatformAccount, *events: dict, max_people: int = 15):
    mapped = [map_event(e, {ME}) for e in events]
    result = store_page(session, account, mapped, max_people=max_people)
    session.commit()
    return result


def _meetings(session: Session) -> list[tuple[str, str, datetime]]:
    rows = session.execute(
        select(Contact.full_name, Interaction.subject, Interaction.occurred_at)
        .join(Contact, Contact.id == Interaction.contact_id)
        .where(Interaction.platform == Platform.MEETING)
        .order_by(Contact.full_name)
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def test_each_attendee_contact_gets_the_meeting(session: Session, account: PlatformAccount) -> None:
    start = NOW - timedelta(days=2)
    result = _apply(
        session,
        account,
        event(
            "ev1",
            start,
            45,
            [
                (ME, None, "accepted"),
                ("bob@acme.com", "Bob Stone", "accepted"),
                ("carol.lee@acme.com", None, "needsAction"),
            ],
            summary="Quarterly review",
        ),
    )
    assert _meetings(session) == [
        ("Bob Stone", "Quarterly review", start),
        ("Carol Lee", "Quarterly review", start),
    ]
    assert result.counts.new_contacts == 2
    assert result.counts.new_interactions == 2
    stored = session.scalars(select(CalendarEvent)).one()
    assert stored.title == "Quarterly review"
    assert stored.ends_at == start + timedelta(minutes=45)
    assert [a["email"] for a in stored.attendees] == ["bob@acme.com", "carol.lee@acme.com"]
    bob = session.scalars(select(Contact).where(Contact.full_name == "Bob Stone")).one()
    assert bob.last_interaction_at == start
    assert bob.interaction_count == 1


def test_rerunning_the_same_page_creates_nothing(
    session: Session, account: PlatformAccount
) -> None:
    item = event(
        "ev1",
        NOW - timedelta(days=1),
        30,
        [(ME, None, "accepted"), ("bob@acme.com", "Bob", "accepted")],
    )
    _apply(session, account, item)
    again = _apply(session, account, item)
    assert again.counts.new_contacts == 0
    assert again.counts.new_interactions == 0
    assert len(_meetings(session)) == 1
    assert session.scalars(select(CalendarEvent)).all().__len__() == 1


def test_declined_and_solo_events_are_skipped(session: Session, account: PlatformAccount) -> None:
    result = _apply(
        session,
        account,
        event(
            "declined",
            NOW - timedelta(days=1),
            30,
            [(ME, None, "declined"), ("bob@acme.com", "Bob", "accepted")],
        ),
        event("solo", NOW - timedelta(days=1), 30, [(ME, None, "accepted")]),
        {
            "id": "no-attendees",
            "status": "confirmed",
            "summary": "Focus time",
            "start": {"dateTime": "2026-11-01T10:00:00Z"},
            "end": {"dateTime": "2026-11-01T11:00:00Z"},
        },
        event(
            "room",
            NOW - timedelta(days=1),
            30,
            [(ME, None, "accepted"), ("room-1@resource.calendar.google.com", "Room", "accepted")],
        )
        | {
            "attendees": [
                {"email": ME, "self": True, "responseStatus": "accepted"},
                {
                    "email": "room-1@resource.calendar.google.com",
                    "resource": True,
                    "responseStatus": "accepted",
                },
            ]
        },
    )
    assert _meetings(session) == []
    assert session.scalars(select(Contact)).all() == []
    assert result.counts.skipped == 4


def test_an_attendee_who_declined_gets_no_meeting(
    session: Session, account: PlatformAccount
) -> None:
    _apply(
        session,
        account,
        event(
            "ev1",
            NOW - timedelta(days=1),
            30,
            [
                (ME, None, "accepted"),
                ("bob@acme.com", "Bob", "accepted"),
                ("dan@acme.com", "Dan", "declined"),
            ],
        ),
    )
    assert [m[0] for m in _meetings(session)] == ["Bob"]


def test_big_meetings_only_match_known_contacts(session: Session, account: PlatformAccount) -> None:
    upsert_contacts(
        session,
        account.user_id,
        [ContactInput("Known Person", identifiers=[(IdentifierKind.EMAIL, "known@x.com", None)])],
        source="manual",
    )
    session.commit()
    people = [(f"p{i}@x.com", f"Person {i}", "accepted") for i in range(15)]
    result = _apply(
        session,
        account,
        event(
            "allhands",
            NOW - timedelta(days=1),
            60,
            [(ME, None, "accepted"), ("known@x.com", None, "accepted"), *people],
        ),
    )
    assert result.counts.new_contacts == 0
    assert _meetings(session) == [("Known Person", "Meeting", NOW - timedelta(days=1))]
    # At the limit (15 people including the user) unknown attendees are created.
    small = [(f"s{i}@x.com", f"Small {i}", "accepted") for i in range(14)]
    result = _apply(
        session,
        account,
        event("team", NOW - timedelta(days=1), 60, [(ME, None, "accepted"), *small]),
    )
    assert result.counts.new_contacts == 14


def test_cancelled_event_removes_its_interactions(
    session: Session, account: PlatformAccount
) -> None:
    start = NOW - timedelta(days=3)
    _apply(
        session,
        account,
        event("ev1", start, 30, [(ME, None, "accepted"), ("bob@acme.com", "Bob", "accepted")]),
    )
    bob = session.scalars(select(Contact)).one()
    assert bob.last_interaction_at == start
    _apply(session, account, {"id": "ev1", "status": "cancelled"})
    assert _meetings(session) == []
    assert session.scalars(select(CalendarEvent)).all() == []
    session.refresh(bob)
    assert bob.last_interaction_at is None
    assert bob.interaction_count == 0


def test_moved_renamed_event_updates_its_interactions(
    session: Session, account: PlatformAccount
) -> None:
    first = NOW - timedelta(days=3)
    _apply(
        session,
        account,
        event(
            "ev1",
            first,
            30,
            [
                (ME, None, "accepted"),
                ("bob@acme.com", "Bob", "accepted"),
                ("carol@acme.com", "Carol", "accepted"),
            ],
            summary="Sync",
        ),
    )
    moved = NOW - timedelta(days=1)
    result = _apply(
        session,
        account,
        event(
            "ev1",
            moved,
            60,
            [(ME, None, "accepted"), ("bob@acme.com", "Bob", "accepted")],
            summary="Sync (moved)",
        ),
    )
    assert result.counts.new_interactions == 0
    assert _meetings(session) == [("Bob", "Sync (moved)", moved)]
    bob = session.scalars(select(Contact).where(Contact.full_name == "Bob")).one()
    carol = session.scalars(select(Contact).where(Contact.full_name == "Carol")).one()
    assert bob.last_interaction_at == moved
    assert carol.last_interaction_at is None  # taken off the invitation
    row = session.scalars(select(Interaction)).one()
    assert row.ended_at == moved + timedelta(minutes=60)
    assert row.extra is not None
    assert row.extra["attendees"] == ["Bob"]


def test_declining_later_removes_the_meeting(session: Session, account: PlatformAccount) -> None:
    item = event(
        "ev1",
        NOW + timedelta(days=1),
        30,
        [(ME, None, "accepted"), ("bob@acme.com", "Bob", "accepted")],
    )
    _apply(session, account, item)
    assert len(_meetings(session)) == 1
    _apply(
        session,
        account,
        event(
            "ev1",
            NOW + timedelta(days=1),
            30,
            [(ME, None, "declined"), ("bob@acme.com", "Bob", "accepted")],
        ),
    )
    assert _meetings(session) == []


def test_future_meetings_move_nothing_until_they_start(
    session: Session, account: PlatformAccount, clock: FrozenClock
) -> None:
    user_id = account.user_id
    _apply(
        session,
        account,
        event(
            "past",
            NOW - timedelta(days=40),
            30,
            [(ME, None, "accepted"), ("bob@acme.com", "Bob", "accepted")],
        ),
    )
    bob = session.scalars(select(Contact)).one()
    recompute_scores(session, user_id)
    session.commit()
    session.refresh(bob)
    score_before = stored_score(session, bob.id).score
    soon = NOW + timedelta(hours=2)
    _apply(
        session,
        account,
        event("soon", soon, 30, [(ME, None, "accepted"), ("bob@acme.com", "Bob", "accepted")]),
    )
    session.refresh(bob)
    assert bob.last_interaction_at == NOW - timedelta(days=40)
    assert bob.interaction_count == 1
    assert stored_score(session, bob.id).score == score_before
    # The meeting starts: the catch-up counts it.
    clock.advance(timedelta(hours=3))
    assert count_started_meetings(session, user_id) == [bob.id]
    session.commit()
    session.refresh(bob)
    assert bob.last_interaction_at == soon
    assert bob.interaction_count == 2
    assert stored_score(session, bob.id).score > score_before
    # Nothing left to catch up.
    assert count_started_meetings(session, user_id) == []


def test_the_same_event_in_two_accounts_is_recorded_once(
    session: Session, settings: Settings, account: PlatformAccount
) -> None:
    other = accounts.connect(
        session,
        settings,
        user_id=account.user_id,
        provider=Provider.GMAIL,
        external_id="ada@work.com",
        credentials={"refresh_token": "r"},
    )
    session.commit()
    item = event(
        "shared",
        NOW - timedelta(days=1),
        30,
        [
            (ME, None, "accepted"),
            ("ada@work.com", None, "accepted"),
            ("bob@acme.com", "Bob", "accepted"),
        ],
    )
    both = {ME, "ada@work.com"}  # the sync treats every connected address as the user
    store_page(session, account, [map_event(item, both)], max_people=15)
    store_page(session, other, [map_event(item, both)], max_people=15)
    session.commit()
    # Bob's meeting once; the user's other address is not a contact.
    assert [m[0] for m in _meetings(session)] == ["Bob"]
    # One account loses the event: the other still has Bob's meeting.
    store_page(
        session, other, [map_event({"id": "shared", "status": "cancelled"}, set())], max_people=15
    )
    session.commit()
    assert [m[0] for m in _meetings(session)] == ["Bob"]


def test_manual_and_meeting_history_coexist(session: Session, account: PlatformAccount) -> None:
    _apply(
        session,
        account,
        event(
            "ev1",
            NOW - timedelta(days=2),
            30,
            [(ME, None, "accepted"), ("bob@acme.com", "Bob", "accepted")],
        ),
    )
    bob = session.scalars(select(Contact)).one()
    user = bob.user_id
    from pingcrm.models import User

    create_interaction(session, session.get(User, user), bob, occurred_at=NOW - timedelta(days=1))
    session.refresh(bob)
    assert bob.interaction_count == 2
    assert bob.last_interaction_at == NOW - timedelta(days=1)


def test_the_catch_up_job_counts_a_meeting_that_started(
    session: Session,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    account: PlatformAccount,
    clock: FrozenClock,
) -> None:
    soon = NOW + timedelta(minutes=5)
    _apply(
        session,
        account,
        event("soon", soon, 30, [(ME, None, "accepted"), ("bob@acme.com", "Bob", "accepted")]),
    )
    clock.advance(timedelta(minutes=10))
    execute(
        JobCall("google.count_started_meetings", user_id=account.user_id, account_id=account.id),
        settings=settings,
        engine=engine,
        session_factory=session_factory,
    )
    session.expire_all()
    bob = session.scalars(select(Contact)).one()
    assert bob.last_interaction_at == soon
    assert bob.interaction_count == 1
    assert stored_score(session, bob.id).score > 0
