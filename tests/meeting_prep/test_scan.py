"""Meeting-prep emails end to end: calendar synced from the fake Calendar API, the scan
job sending through the fake Gmail ``messages.send``, the email decoded as the user
receives it."""

from __future__ import annotations

import json
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pingcrm.contacts.ingest import ContactInput, upsert_contacts
from pingcrm.llm import service as llm
from pingcrm.meeting_prep import service
from pingcrm.models import (
    Contact,
    ContactScore,
    IdentifierKind,
    Interaction,
    MeetingBrief,
    Notification,
    NotificationKind,
    Platform,
    User,
)
from pingcrm.platform_accounts import service as accounts
from pingcrm.scoring.service import recompute_scores
from tests.fakes.google.calendar import FakeCalendarState, event
from tests.fakes.google.state import GMAIL_SEND, FakeGoogle
from tests.fakes.llm import FakeLLMState, anthropic_app
from tests.fakes.server import serve_asgi
from tests.fixtures.builders import create_interaction
from tests.google.conftest import ME, NOW
from tests.google.fake_account import connect
from tests.meeting_prep.conftest import Prep


@pytest.fixture
def bob(session: Session, user: User) -> Contact:
    upsert_contacts(
        session,
        user.id,
        [
            ContactInput(
                "Bob Stone",
                company="Acme Rockets",
                title="CTO",
                linkedin_headline="Building reusable rockets",
                twitter_bio="Rockets & coffee",
                identifiers=[(IdentifierKind.EMAIL, "bob@acme.com", None)],
            )
        ],
        source="manual",
    )
    session.commit()
    contact = session.scalars(select(Contact).where(Contact.full_name == "Bob Stone")).one()
    for days, preview in ((40, "Launch window moved to March"), (10, "Thanks for the intro")):
        create_interaction(
            session, user, contact, occurred_at=NOW - timedelta(days=days), preview=preview
        )
    create_interaction(
        session,
        user,
        contact,
        platform=Platform.TELEGRAM,
        occurred_at=NOW - timedelta(days=5),
        preview="See you at the demo day",
    )
    recompute_scores(session, user.id)
    session.commit()
    session.refresh(contact)
    return contact


def _meeting(cal: FakeCalendarState, event_id: str, minutes_ahead: int, *guests: str) -> None:
    people = [(g, None, "accepted") for g in guests] or [("bob@acme.com", "Bob Stone", "accepted")]
    cal.put_event(
        ME,
        event(
            event_id,
            NOW + timedelta(minutes=minutes_ahead),
            30,
            [(ME, "Ada", "accepted"), *people],
            summary=f"Meeting {event_id}",
        ),
    )


def _sent(google: FakeGoogle) -> list[EmailMessage]:
    return [item["message"] for item in google.mailbox(ME).sent]


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


def _briefs(session: Session) -> list[tuple[str, str, int]]:
    session.expire_all()
    return [
        (b.event_id, b.status, b.attempts)
        for b in session.scalars(select(MeetingBrief).order_by(MeetingBrief.event_id))
    ]


def test_a_brief_for_the_meeting_in_30_to_40_minutes(
    prep: Prep, bob: Contact, session: Session
) -> None:
    account = prep.account
    _meeting(prep.cal, "due", 35, "bob@acme.com", "zed@other.org")
    _meeting(prep.cal, "later", 45)
    prep.sync(account)
    prep.scan(account)

    sent = _sent(prep.google)
    assert len(sent) == 1
    message = sent[0]
    assert message["To"] == ME
    assert ME in message["From"]
    assert message["Subject"] == "Meeting prep: Meeting due at 09:35 (UTC)"
    text, html = _parts(message)
    score = session.get(ContactScore, bob.id).score  # type: ignore[union-attr]
    tier = "Strong" if score >= 7 else "Warm" if score >= 4 else "Cold"
    assert f"<strong>Relationship:</strong> {tier} (score {score}/10)" in html
    for body in (text, html):
        assert "Bob Stone" in body
        assert "CTO at Acme Rockets" in body
        assert "Building reusable rockets" in body  # LinkedIn headline
        assert "Rockets &amp; coffee" in body if body is html else "Rockets & coffee" in body
        assert "See you at the demo day" in body  # the Telegram message
        assert "Thanks for the intro" in body
        assert "Zed" in body  # an unknown attendee of a small meeting became a contact
        assert f"https://crm.example.com/contacts/{bob.id}" in body
    assert f"Relationship: {tier} (score {score}/10)" in text
    assert "Talking points:" in text
    assert "1. " in text
    assert "Ask how things are going at Acme Rockets as CTO." in text  # template points
    assert "<ol" in html
    assert _briefs(prep.session) == [("due", "sent", 1)]
    note = prep.session.scalars(
        select(Notification).where(Notification.kind == NotificationKind.MEETING_BRIEF_SENT)
    ).one()
    assert note.title == "Meeting brief sent: Meeting due"


def test_a_meeting_sooner_than_30_minutes_still_gets_its_brief_but_not_one_started(
    prep: Prep, bob: Contact
) -> None:
    """Booked 20 minutes ahead, or missed by a late scan: sent before it starts; a
    meeting already under way gets nothing; the one 45 minutes ahead waits for the next
    scan (30-40 minutes ahead), once."""
    account = prep.account
    _meeting(prep.cal, "soon", 20)
    _meeting(prep.cal, "started", -5)
    _meeting(prep.cal, "later", 45)
    prep.sync(account)
    prep.scan(account)
    assert [m["Subject"] for m in _sent(prep.google)] == [
        "Meeting prep: Meeting soon at 09:20 (UTC)"
    ]
    prep.clock.advance(timedelta(minutes=10))  # the next scan: "later" is 35 minutes ahead
    prep.scan(account)
    assert [m["Subject"] for m in _sent(prep.google)] == [
        "Meeting prep: Meeting soon at 09:20 (UTC)",
        "Meeting prep: Meeting later at 09:45 (UTC)",
    ]
    assert _briefs(prep.session) == [("later", "sent", 1), ("soon", "sent", 1)]


def test_never_two_sends_for_one_event(prep: Prep, bob: Contact) -> None:
    account = prep.account
    _meeting(prep.cal, "due", 38)
    prep.sync(account)
    prep.scan(account)
    prep.clock.advance(timedelta(minutes=1))  # still in the window
    prep.scan(account)
    assert len(_sent(prep.google)) == 1

    # A second scan that starts while the first is sending finds the claim and sends nothing.
    _meeting(prep.cal, "other", 35)
    prep.sync(account)
    sends: list[str] = []
    nested: list[service.ScanResult] = []

    def send(raw: str) -> None:
        with prep.factory() as second:
            acct = accounts.get_account(second, account.user_id, account.id)
            nested.append(
                service.scan_account(
                    second, prep.settings, acct, send=sends.append, commit=second.commit
                )
            )
        sends.append(raw)

    with prep.factory() as first:
        acct = accounts.get_account(first, account.user_id, account.id)
        result = service.scan_account(first, prep.settings, acct, send=send, commit=first.commit)
    assert result.sent == 1
    assert nested[0].sent == 0
    assert len(sends) == 1
    assert _briefs(prep.session) == [("due", "sent", 1), ("other", "sent", 1)]


def test_a_failed_send_is_recorded_and_retried_next_scan(prep: Prep, bob: Contact) -> None:
    account = prep.account
    _meeting(prep.cal, "due", 31)
    prep.sync(account)
    prep.google.fail("messages.send", 400, message="Invalid To header")
    prep.scan(account)
    assert _sent(prep.google) == []
    assert _briefs(prep.session) == [("due", "failed", 1)]
    error = prep.session.scalars(select(MeetingBrief.error)).one()
    assert error is not None
    assert "Invalid To header" in error

    prep.clock.advance(timedelta(minutes=10))  # the next scan: the meeting is 21 minutes away
    prep.scan(account)
    assert len(_sent(prep.google)) == 1
    assert _briefs(prep.session) == [("due", "sent", 2)]
    prep.scan(account)
    assert len(_sent(prep.google)) == 1


def test_switched_off_or_without_send_scope_nothing_is_sent(prep: Prep, bob: Contact) -> None:
    account = prep.account
    _meeting(prep.cal, "due", 35)
    prep.sync(account)
    service.set_enabled(prep.session, prep.user.id, account.id, False)
    prep.session.commit()
    prep.scan(account)
    assert _sent(prep.google) == []
    assert _briefs(prep.session) == []

    service.set_enabled(prep.session, prep.user.id, account.id, True)
    readonly = tuple(s for s in prep.google.mailbox(ME).scopes if s != GMAIL_SEND)
    account = connect(prep.session, prep.settings, prep.google, prep.user.id, ME, scopes=readonly)
    prep.scan(account)
    assert _sent(prep.google) == []
    assert _briefs(prep.session) == []


def test_talking_points_from_the_users_model(prep: Prep, bob: Contact) -> None:
    account = prep.account
    _meeting(prep.cal, "due", 35)
    prep.sync(account)
    points = [
        "Ask Bob how the reusable rockets work at Acme Rockets is going.",
        "Follow up on the demo day you both mentioned.",
        "Thank Bob for the intro he made.",
    ]
    state = FakeLLMState(api_key="sk-ant-test")
    state.answer(json.dumps({"points": points}))
    with serve_asgi(anthropic_app(state)) as url:
        llm.save_ai_settings(
            prep.session,
            prep.settings,
            prep.user.id,
            provider="anthropic",
            model="claude-haiku-4-5",
            base_url=url,
            api_key="sk-ant-test",
        )
        prep.session.commit()
        prep.scan(account)
    text, html = _parts(_sent(prep.google)[0])
    for n, point in enumerate(points, 1):
        assert f"{n}. {point}" in text
        assert point in html
    assert "Bob Stone" in state.requests[0]["messages"][0]["content"]


def test_meetings_booked_or_cancelled_after_the_calendar_sync(prep: Prep, bob: Contact) -> None:
    account = prep.account
    _meeting(prep.cal, "cancelled", 33)
    prep.sync(account)  # the daily sync
    prep.cal.cancel_event(ME, "cancelled")
    _meeting(prep.cal, "booked-late", 36)  # booked after the daily sync
    prep.scan(account)
    sent = _sent(prep.google)
    assert [m["Subject"] for m in sent] == ["Meeting prep: Meeting booked-late at 09:36 (UTC)"]
    assert _briefs(prep.session) == [("booked-late", "sent", 1)]
    # The window refresh recorded the new meeting for Bob, as the next sync would.
    assert [
        i.subject
        for i in prep.session.scalars(
            select(Interaction).where(Interaction.platform == Platform.MEETING)
        )
    ] == ["Meeting booked-late"]
