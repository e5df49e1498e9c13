"""The dashboard as a user sees it: counts, suggestions, attention, birthdays, activity,
and the 26-week chart."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from pingcrm.contacts import service as contacts
from pingcrm.contacts.schemas import ContactUpdate
from pingcrm.dashboard.repository import birthdays_on, contact_counts, going_cold
from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import (
    HIGH_PRIORITY_LISTED_SQL,
    Contact,
    Direction,
    Platform,
    Priority,
    Suggestion,
    SuggestionStatus,
    User,
)
from pingcrm.telegram.repository import mark_second_tier
from tests.fixtures.builders import create_contact, create_interaction, create_user, login

# A Monday, three days before New Year's Eve.
NOW = datetime(2026, 12, 28, 10, 0, tzinfo=UTC)


def _stat(html: str, name: str) -> int:
    match = re.search(rf'id="count-{name}">(\d+)<', html)
    assert match, f"no {name} count on the page"
    return int(match.group(1))


def _section(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    return html[start : html.index("</section>", start)]


def _suggest(
    session: Session,
    user: User,
    contact: Contact,
    reason: str,
    status: SuggestionStatus = SuggestionStatus.PENDING,
    rank: float | None = None,
) -> None:
    session.add(
        Suggestion(
            user_id=user.id,
            contact_id=contact.id,
            trigger="time",
            reason=reason,
            channel="email",
            status=status,
            rank=rank,
        )
    )
    session.commit()


def _get_dashboard(client: TestClient) -> str:
    with use_clock(FrozenClock(NOW)):
        response = client.get("/dashboard")
    assert response.status_code == 200
    return response.text


def test_counts_exclude_archived_and_second_tier_contacts(
    client: TestClient, session: Session
) -> None:
    user = create_user(session)
    with use_clock(FrozenClock(NOW)):
        strong = create_contact(session, user, "Strong One", score=8)
        create_contact(session, user, "Strong Two", score=7)
        create_contact(session, user, "Warm One", score=5)
        create_contact(session, user, "Cold One", score=3)
        create_contact(session, user, "Cold Zero", score=0)
        create_contact(session, user, "Archived", score=9, priority=Priority.ARCHIVED)
        create_contact(session, user, "Group Member", score=0, is_second_tier=True)
        create_contact(
            session, user, "Archived Member", score=8, priority=Priority.ARCHIVED,
            is_second_tier=True,
        )  # fmt: skip
        for days in (1, 6, 8):
            create_interaction(session, user, strong, occurred_at=NOW - timedelta(days=days))
    _suggest(session, user, strong, "Catch up")
    _suggest(session, user, strong, "Again", status=SuggestionStatus.DISMISSED)
    other = create_user(session, "eve@example.com")
    create_contact(session, other, "Not Ada's", score=10)
    login(client)
    html = _get_dashboard(client)
    assert (_stat(html, "contacts"), _stat(html, "strong"), _stat(html, "warm")) == (5, 2, 1)
    assert _stat(html, "cold") == 2
    # An archived 2nd-tier contact counts once, as archived.
    hidden = re.search(r'id="count-hidden">(.*?)</span>', html)
    assert hidden is not None
    assert re.sub(r"<[^>]+>", "", hidden.group(1)) == "+1 2nd-tier, 2 archived not counted"
    assert _stat(html, "suggestions") == 1
    assert _stat(html, "recent") == 2
    assert "Welcome to PingCRM" not in html


def test_counts_follow_contacts_hidden_and_shown_again(session: Session) -> None:
    """The dashboard counts hidden contacts' tiers from their score rows' own flag; every
    way a contact is hidden or shown again keeps that flag (a trigger on the contacts)."""
    user = create_user(session)
    strong, warm, cold, group = (
        create_contact(session, user, name, score=score)
        for name, score in (("Strong", 8), ("Warm", 5), ("Cold", 2), ("Group", 0))
    )
    create_contact(session, user, "Kept", score=9)
    contacts.bulk_action(session, user.id, [strong.id, warm.id], "archive", None)
    # As a Telegram sync flags the contacts it made from a group's members.
    mark_second_tier(session, user.id, [cold.id, group.id])
    session.commit()
    counts, hidden = contact_counts(session, user.id)
    assert (counts.total, counts.strong, counts.warm, counts.cold) == (1, 1, 0, 0)
    assert (hidden.listed, hidden.second_tier, hidden.archived) == (1, 2, 2)
    # Shown again: a priority set by hand; a direct message (which clears 2nd-tier).
    contacts.update_contact(session, user.id, strong.id, ContactUpdate(priority=Priority.HIGH))
    create_interaction(session, user, group)
    session.commit()
    counts, hidden = contact_counts(session, user.id)
    assert (counts.total, counts.strong, counts.warm, counts.cold) == (3, 2, 0, 1)
    assert (hidden.listed, hidden.second_tier, hidden.archived) == (3, 1, 1)


def test_top_five_pending_suggestions_link_to_their_contacts(
    client: TestClient, session: Session
) -> None:
    user = create_user(session)
    contacts = [create_contact(session, user, f"Person {i}") for i in range(7)]
    for index, contact in enumerate(contacts):
        _suggest(session, user, contact, f"Reason number {index}", rank=float(index))
    _suggest(session, user, contacts[0], "Already done", status=SuggestionStatus.DONE, rank=99)
    login(client)
    section = _section(_get_dashboard(client), "suggestions")
    shown = re.findall(r"Reason number (\d)", section)
    assert shown == ["6", "5", "4", "3", "2"]
    assert f'href="/contacts/{contacts[6].id}"' in section
    assert "Already done" not in section


def test_empty_suggestions_attention_and_birthdays_have_friendly_messages(
    client: TestClient, session: Session
) -> None:
    user = create_user(session)
    create_contact(session, user, "Someone")
    login(client)
    html = _get_dashboard(client)
    assert "No suggestions for today." in _section(html, "suggestions")
    assert "No high-priority contact is going cold." in html
    assert "No birthdays in the next 14 days." in html
    assert "No interactions yet." in html


def test_high_priority_contacts_going_cold(client: TestClient, session: Session) -> None:
    user = create_user(session)
    with use_clock(FrozenClock(NOW)):
        low_score = create_contact(session, user, "Low Score", score=2, priority=Priority.HIGH)
        silent = create_contact(session, user, "Long Silent", score=8, priority=Priority.HIGH)
        recent = create_contact(session, user, "Recently Seen", score=8, priority=Priority.HIGH)
        medium = create_contact(session, user, "Medium Cold", score=1, priority=Priority.MEDIUM)
        never = create_contact(session, user, "Never Met", score=5, priority=Priority.HIGH)
        create_contact(
            session, user, "Group Never Met", score=0, priority=Priority.HIGH,
            is_second_tier=True,
        )  # fmt: skip
        create_interaction(session, user, low_score, occurred_at=NOW - timedelta(days=2))
        create_interaction(session, user, silent, occurred_at=NOW - timedelta(days=31))
        create_interaction(session, user, recent, occurred_at=NOW - timedelta(days=29))
        create_interaction(session, user, medium, occurred_at=NOW - timedelta(days=300))
    login(client)
    section = _section(_get_dashboard(client), "attention")
    assert "more than 30 days" in section
    names = re.findall(r'href="/contacts/\d+">([^<]+)</a>', section)
    assert names == ["Never Met", "Long Silent", "Low Score"]
    assert f'href="/contacts/{silent.id}"' in section
    assert "never contacted" in section
    assert "Recently Seen" not in section
    assert "Medium Cold" not in section
    assert "Group Never Met" not in section
    assert f'href="/contacts/{never.id}"' in section


def test_the_high_interval_follows_the_users_rules(client: TestClient, session: Session) -> None:
    user = create_user(session)
    with use_clock(FrozenClock(NOW)):
        contact = create_contact(session, user, "Twenty Days", score=8, priority=Priority.HIGH)
        create_interaction(session, user, contact, occurred_at=NOW - timedelta(days=20))
    login(client)
    assert "Twenty Days" not in _section(_get_dashboard(client), "attention")
    headers = {
        "X-CSRF-Token": re.findall(r'"X-CSRF-Token": "([^"]+)"', client.get("/settings").text)[0]
    }
    client.patch("/api/v1/settings/follow-up-rules", json={"high_days": 14}, headers=headers)
    section = _section(_get_dashboard(client), "attention")
    assert "Twenty Days" in section
    assert "more than 14 days" in section


def test_upcoming_birthdays_cross_the_new_year(client: TestClient, session: Session) -> None:
    user = create_user(session)
    birthdays = {
        "Yesterday Person": date(1980, 12, 27),
        "Today Person": date(1990, 12, 28),
        "Tomorrow Person": date(1985, 12, 29),
        "New Year Person": date(1975, 1, 1),
        "Third January": date(2000, 1, 3),
        "Last Day In Window": date(1999, 1, 10),
        "Just Outside": date(1999, 1, 11),
        "Summer Person": date(1999, 7, 1),
    }
    for name, birthday in birthdays.items():
        create_contact(session, user, name, birthday=birthday)
    create_contact(
        session, user, "Archived Birthday", birthday=date(1970, 12, 30), priority=Priority.ARCHIVED
    )
    login(client)
    section = _section(_get_dashboard(client), "birthdays")
    names = re.findall(r'href="/contacts/\d+">([^<]+)</a>', section)
    assert names == [
        "Today Person",
        "Tomorrow Person",
        "New Year Person",
        "Third January",
        "Last Day In Window",
    ]
    assert '<time class="muted small" datetime="2026-12-28">Today</time>' in section
    assert '<time class="muted small" datetime="2026-12-29">Tomorrow</time>' in section
    assert '<time class="muted small" datetime="2027-01-01">Fri 1 Jan</time>' in section
    assert '<time class="muted small" datetime="2027-01-03">Sun 3 Jan</time>' in section
    assert '<time class="muted small" datetime="2027-01-10">Sun 10 Jan</time>' in section


def test_leap_day_birthdays_show_on_february_28_in_other_years(
    client: TestClient, session: Session
) -> None:
    user = create_user(session)
    create_contact(session, user, "Leap Baby", birthday=date(2000, 2, 29))
    login(client)
    with use_clock(FrozenClock(datetime(2027, 2, 20, tzinfo=UTC))):
        html = client.get("/dashboard").text
    assert "Leap Baby" in _section(html, "birthdays")
    assert 'datetime="2027-02-28"' in html


def test_recent_activity_shows_the_latest_ten(client: TestClient, session: Session) -> None:
    user = create_user(session)
    with use_clock(FrozenClock(NOW)):
        grace = create_contact(session, user, "Grace Hopper")
        linus = create_contact(session, user, "Linus T")
        for hours in range(1, 12):
            create_interaction(
                session,
                user,
                grace,
                occurred_at=NOW - timedelta(hours=hours),
                preview=f"message {hours:02d}",
            )
        create_interaction(
            session,
            user,
            linus,
            platform=Platform.TELEGRAM,
            direction=Direction.OUTBOUND,
            occurred_at=NOW - timedelta(minutes=5),
            preview="newest of all",
        )
    login(client)
    section = _section(_get_dashboard(client), "activity")
    assert section.index("newest of all") < section.index("message 01")
    assert "Telegram to" in section
    assert f'<a href="/contacts/{linus.id}">Linus T</a>' in section
    assert "Email from" in section
    assert "message 09" in section
    assert "message 10" not in section
    assert section.count('class="timeline-item"') == 10


def test_chart_has_26_weekly_bars_with_heights_from_the_data(
    client: TestClient, session: Session
) -> None:
    user = create_user(session)
    current_week = datetime(2026, 12, 28, tzinfo=UTC)
    first_week = current_week - timedelta(weeks=25)
    with use_clock(FrozenClock(NOW)):
        contact = create_contact(session, user, "Chatty")
        moments = (
            [current_week + timedelta(hours=h) for h in (1, 2, 3, 4)]
            + [current_week - timedelta(days=3), current_week - timedelta(days=6)]
            + [first_week + timedelta(hours=1)]
            + [first_week - timedelta(minutes=1), NOW - timedelta(weeks=40)]
        )
        for moment in moments:
            create_interaction(session, user, contact, occurred_at=moment)
    login(client)
    html = _get_dashboard(client)
    section = _section(html, "chart")
    bars = re.findall(
        r'<rect class="bar" x="[^"]+" y="([^"]+)" width="14" height="([^"]+)" '
        r'data-count="(\d+)"><title>([^<]+)</title>',
        section,
    )
    assert len(bars) == 26
    counts = [int(b[2]) for b in bars]
    assert counts == [1] + [0] * 23 + [2, 4]
    heights = [float(b[1]) for b in bars]
    assert heights[0] == 30.0
    assert heights[24] == 60.0
    assert heights[25] == 120.0
    assert set(heights[1:24]) == {0.0}
    # Bars stand on the baseline: y + height is the same for all.
    assert {round(float(b[0]) + float(b[1]), 1) for b in bars} == {132.0}
    assert bars[0][3] == "Week of 2026-07-06: 1 interaction"
    assert bars[25][3] == "Week of 2026-12-28: 4 interactions"
    assert "Last 26 weeks: 7 interactions, busiest week 4." in section
    assert ">Jul</text>" in section
    assert ">Dec</text>" in section


def test_a_brand_new_account_gets_the_onboarding_card(client: TestClient, session: Session) -> None:
    create_user(session)
    login(client)
    html = _get_dashboard(client)
    assert "Welcome to PingCRM" in html
    assert 'href="/settings/gmail"' in html
    assert 'href="/settings/csv-import"' in html
    assert "pingcrm demo" in html
    assert _stat(html, "contacts") == 0
    bars = re.findall(r'<rect class="bar"[^>]*height="([^"]+)"', html)
    assert bars == ["0.0"] * 26
    assert "Last 26 weeks: 0 interactions, busiest week 0." in html


def test_dashboard_needs_sign_in(client: TestClient, session: Session) -> None:
    create_user(session)
    response = client.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_going_cold_repeats_the_condition_of_its_partial_index(
    session: Session, engine: Engine
) -> None:
    """SQLite uses a partial index only for a query that states its condition with the
    same constants: wrapped (a boolean literal rendered as ``… = 1``), "going cold"
    sorted every high-priority contact again (30 ms at 4,000 of them)."""
    user = create_user(session)
    with use_clock(FrozenClock(NOW)):
        create_contact(session, user, "Never Met", score=5, priority=Priority.HIGH)
    statements: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", capture)
    try:
        rows = going_cold(session, user.id, NOW - timedelta(days=30), 10)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert [row.full_name for row in rows] == ["Never Met"]
    assert statements
    assert all(f"{HIGH_PRIORITY_LISTED_SQL} AND " in statement for statement in statements)


def test_birthdays_come_from_the_birthday_index_alone(session: Session, engine: Engine) -> None:
    """SQLite: the birthday index holds everything the dashboard shows of a birthday
    (0025); reading each match's row after it cost 9 ms at 100k contacts on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan (PostgreSQL also needs its visibility map set)")
    user = create_user(session)
    create_contact(session, user, "Ada Lovelace", birthday=date(1815, 12, 10))
    archived = Priority.ARCHIVED
    create_contact(session, user, "Archived", birthday=date(1815, 12, 10), priority=archived)
    executed: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        executed.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        rows = birthdays_on(session, user.id, [1210])
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert [row.full_name for row in rows] == ["Ada Lovelace"]
    [(statement, parameters)] = executed
    plan = session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
    assert [row[-1] for row in plan] == [
        "SEARCH contacts USING COVERING INDEX ix_contacts_user_birthday (user_id=? AND birthday>?)"
    ]
