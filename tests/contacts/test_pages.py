"""The contact pages as a signed-in user sees them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import (
    Contact,
    Direction,
    Interaction,
    Note,
    Platform,
    PlatformAccount,
    Priority,
    Provider,
    User,
    UserSettings,
)
from tests.fixtures.builders import create_contact, create_interaction, create_user, login

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with use_clock(FrozenClock(NOW)):
        yield


@pytest.fixture
def me(session: Session) -> User:
    return create_user(session)


@pytest.fixture
def csrf(client: TestClient, me: User) -> str:
    return login(client)


def _names(html: str) -> list[str]:
    return re.findall(r'<a href="/contacts/\d+">([^<]+)</a>', html)


def test_create_through_the_form_then_see_the_contact_page(
    client: TestClient, session: Session, csrf: str
) -> None:
    form = client.get("/contacts/new")
    assert form.status_code == 200
    assert "New contact" in form.text
    response = client.post(
        "/contacts/new",
        data={
            "csrf_token": csrf,
            "full_name": "Ada Lovelace",
            "emails": "ada@analytical.io, ada@gmail.com",
            "phones": "+44 20 7946 0958",
            "company": "Analytical Engines",
            "title": "Mathematician",
            "location": "London",
            "birthday": "1815-12-10",
            "priority": "high",
            "tags": "Investor, Poet",
            "telegram": "@ada",
            "twitter": "ada_x",
            "linkedin": "https://www.linkedin.com/in/ada-lovelace",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"])
    text = page.text
    assert "Ada Lovelace" in text
    assert "Mathematician" in text
    assert "London" in text
    assert "Added Ada Lovelace." in text
    assert 'href="mailto:ada@analytical.io"' in text
    assert 'href="https://t.me/ada"' in text
    assert 'href="https://x.com/ada_x"' in text
    assert 'href="https://www.linkedin.com/in/ada-lovelace"' in text
    assert 'href="tel:+44 20 7946 0958"' in text
    assert "Investor" in text
    assert "Poet" in text
    assert "Not scored yet" in text
    assert "badge tier-cold" in text
    contact = session.scalars(select(Contact)).one()
    assert f'<span class="code">{contact.bcc_hash}</span>' in text
    assert "Connect Gmail in Settings to log emails you BCC to this contact." in text
    assert 'href="/settings#gmail"' in text
    assert contact.priority == Priority.HIGH


def test_invalid_form_values_are_shown_next_to_the_field_and_nothing_is_saved(
    client: TestClient, session: Session, csrf: str
) -> None:
    response = client.post(
        "/contacts/new",
        data={
            "csrf_token": csrf,
            "full_name": "",
            "emails": "good@example.com, bad@",
            "phones": "123",
            "birthday": "2999-01-01",
            "title": "t" * 301,
        },
    )
    assert response.status_code == 422
    text = response.text
    assert 'id="new-full_name-error">Enter a name.' in text
    assert "“bad@” is not a valid email address." in text
    assert "“123” is not a valid phone number" in text
    assert 'id="new-title-error">Too long: at most 300 characters.' in text
    assert 'value="good@example.com, bad@"' in text
    assert session.scalar(select(func.count()).select_from(Contact)) == 0
    dated = client.post(
        "/contacts/new",
        data={"csrf_token": csrf, "full_name": "Ada", "birthday": "2999-01-01"},
    )
    assert "The birthday cannot be in the future." in dated.text
    assert session.scalar(select(func.count()).select_from(Contact)) == 0


def test_duplicate_email_names_the_existing_contact(
    client: TestClient, session: Session, me: User, csrf: str
) -> None:
    create_contact(session, me, "Ada Lovelace", emails=["ada@example.com"])
    response = client.post(
        "/contacts/new",
        data={"csrf_token": csrf, "full_name": "Someone", "emails": "ADA@example.com"},
    )
    assert response.status_code == 422
    assert "already belongs to Ada Lovelace" in response.text
    assert session.scalar(select(func.count()).select_from(Contact)) == 1


def test_inline_edit_swaps_the_panel_and_records_edited_fields(
    client: TestClient, session: Session, me: User, csrf: str
) -> None:
    contact = create_contact(session, me, "Ada", emails=["ada@example.com"])
    htmx = {"HX-Request": "true"}
    form = client.get(f"/contacts/{contact.id}/edit", headers=htmx)
    assert form.status_code == 200
    assert form.text.lstrip().startswith('<section class="card" id="profile"')
    assert 'name="full_name" value="Ada"' in form.text
    bad = client.post(
        f"/contacts/{contact.id}/edit",
        headers=htmx,
        data={"csrf_token": csrf, "full_name": "Ada", "emails": "nope"},
    )
    assert bad.status_code == 422
    assert "“nope” is not a valid email address." in bad.text
    saved = client.post(
        f"/contacts/{contact.id}/edit",
        headers=htmx,
        data={
            "csrf_token": csrf,
            "full_name": "Ada King",
            "emails": "ada@example.com",
            "title": "Countess",
        },
    )
    assert saved.status_code == 200
    assert "Ada King" in saved.text
    assert "Countess" in saved.text
    assert "Edit details" not in saved.text
    session.expire_all()
    stored = session.get(Contact, contact.id)
    assert stored is not None
    assert stored.full_name == "Ada King"
    assert {"full_name", "title"} <= set(stored.edited_fields)
    assert [t for t in ("full_name", "title") if t in stored.edited_fields]


def test_priority_tags_and_notes_on_the_contact_page(
    client: TestClient, session: Session, me: User, csrf: str
) -> None:
    contact = create_contact(session, me, "Ada")
    htmx = {"HX-Request": "true", "X-CSRF-Token": csrf}
    toast = client.post(f"/contacts/{contact.id}/priority", headers=htmx, data={"priority": "high"})
    assert "Priority of Ada is now high." in toast.text
    tags = client.post(f"/contacts/{contact.id}/tags", headers=htmx, data={"tag": "Founder, vip"})
    assert 'id="tags"' in tags.text
    assert "Founder" in tags.text
    assert "vip" in tags.text
    removed = client.post(f"/contacts/{contact.id}/tags/remove", headers=htmx, data={"tag": "VIP"})
    assert "Remove tag vip" not in removed.text
    assert "Remove tag Founder" in removed.text
    added = client.post(
        f"/contacts/{contact.id}/notes", headers=htmx, data={"body": "Met at PyCon"}
    )
    assert 'id="notes"' in added.text
    assert "Met at PyCon" in added.text
    note = session.scalars(select(Note)).one()
    edited = client.post(
        f"/contacts/{contact.id}/notes/{note.id}/edit",
        headers=htmx,
        data={"body": "Met at EuroPython"},
    )
    assert "Met at EuroPython" in edited.text
    empty = client.post(f"/contacts/{contact.id}/notes", headers=htmx, data={"body": "  "})
    assert empty.status_code == 422
    assert "Write something in the note." in empty.text
    found = client.get("/contacts?q=europython")
    assert _names(found.text) == ["Ada"]
    client.post(f"/contacts/{contact.id}/notes/{note.id}/delete", headers=htmx)
    assert session.scalar(select(func.count()).select_from(Note)) == 0
    session.expire_all()
    stored = session.get(Contact, contact.id)
    assert stored is not None
    assert stored.priority == Priority.HIGH


def test_timeline_is_newest_first_with_icons_arrows_and_show_older(
    client: TestClient, session: Session, me: User, csrf: str
) -> None:
    contact = create_contact(session, me, "Ada")
    create_interaction(
        session,
        me,
        contact,
        platform=Platform.EMAIL,
        subject="Engines",
        preview="About the engine",
        occurred_at=NOW - timedelta(days=3),
    )
    create_interaction(
        session,
        me,
        contact,
        platform=Platform.TELEGRAM,
        direction=Direction.OUTBOUND,
        preview="See you soon",
        occurred_at=NOW - timedelta(hours=2),
    )
    for i in range(25):
        create_interaction(
            session,
            me,
            contact,
            platform=Platform.LINKEDIN,
            direction=Direction.MUTUAL,
            preview=f"old message {i}",
            occurred_at=NOW - timedelta(days=100 + i),
            commit=False,
        )
    session.commit()
    page = client.get(f"/contacts/{contact.id}").text
    first = page.index("See you soon")
    second = page.index("Engines — About the engine")
    assert first < second
    assert '<span class="timeline-icon platform-telegram"' in page
    assert 'class="direction direction-outbound" role="img" aria-label="Outbound' in page
    assert 'class="direction direction-inbound"' in page
    assert "2 hours ago" in page
    assert 'title="2026-11-20 10:00 UTC"' in page
    assert "old message 17" in page
    assert "old message 18" not in page
    assert "Show older" in page
    older = client.get(
        f"/contacts/{contact.id}/timeline?page=2", headers={"HX-Request": "true"}
    ).text
    assert "old message 18" in older
    assert "old message 24" in older
    assert "old message 17" not in older
    assert "Show older" not in older
    assert "Delete Ada and their 27 interactions?" in page


def test_log_a_call_by_hand_and_delete_it(
    client: TestClient, session: Session, me: User, csrf: str
) -> None:
    contact = create_contact(session, me, "Ada")
    bad = client.post(
        f"/contacts/{contact.id}/interactions",
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
        data={
            "kind": "call",
            "platform": "manual",
            "direction": "outbound",
            "occurred_at": "yesterday",
            "summary": "x",
        },
    )
    assert bad.status_code == 422
    assert "Enter a date and time." in bad.text
    response = client.post(
        f"/contacts/{contact.id}/interactions",
        data={
            "csrf_token": csrf,
            "kind": "call",
            "platform": "manual",
            "direction": "mutual",
            "occurred_at": "2026-11-19T09:30",
            "summary": "Phoned about the conference",
        },
    )
    assert response.status_code == 200
    assert "Call logged." in response.text
    assert "Phoned about the conference" in response.text
    interaction = session.scalars(select(Interaction)).one()
    assert interaction.provider_id.startswith("manual:")
    assert interaction.occurred_at == datetime(2026, 11, 19, 9, 30, tzinfo=UTC)
    session.expire_all()
    stored = session.get(Contact, contact.id)
    assert stored is not None
    assert stored.interaction_count == 1
    client.post(
        f"/contacts/{contact.id}/interactions/{interaction.id}/delete", data={"csrf_token": csrf}
    )
    session.expire_all()
    stored = session.get(Contact, contact.id)
    assert stored is not None
    assert stored.interaction_count == 0


def test_bcc_address_uses_the_primary_gmail_account(
    client: TestClient, session: Session, me: User, csrf: str
) -> None:
    contact = create_contact(session, me, "Ada")
    account = PlatformAccount(
        user_id=me.id, provider=Provider.GMAIL, external_id="me.self@gmail.com"
    )
    session.add(account)
    session.flush()
    session.get(UserSettings, me.id).primary_gmail_account_id = account.id  # type: ignore[union-attr]
    session.commit()
    page = client.get(f"/contacts/{contact.id}").text
    address = f"me.self+{contact.bcc_hash}@gmail.com"
    assert (
        f'<button class="btn btn-small" type="button" data-copy="{address}">Copy</button>' in page
    )
    assert "Connect Gmail in Settings" not in page


def test_delete_contact_removes_its_interactions(
    client: TestClient, session: Session, me: User, csrf: str
) -> None:
    contact = create_contact(session, me, "Ada")
    create_interaction(session, me, contact)
    response = client.post(f"/contacts/{contact.id}/delete", data={"csrf_token": csrf})
    assert "Deleted Ada." in response.text
    assert session.scalar(select(func.count()).select_from(Contact)) == 0
    assert session.scalar(select(func.count()).select_from(Interaction)) == 0
    assert client.get(f"/contacts/{contact.id}").status_code == 404


def test_score_badge_shows_the_tier_word_and_why(
    client: TestClient, session: Session, me: User, csrf: str
) -> None:
    contact = create_contact(
        session,
        me,
        "Ada",
        score=6,
        score_parts={"reciprocity": 3, "recency": 2, "frequency": 1, "breadth": 0},
    )
    page = client.get(f"/contacts/{contact.id}").text
    assert '<span class="badge tier-warm">6 · Warm</span>' in page
    assert "why 6: reciprocity 3, recency 2, frequency 1" in page
    strong = create_contact(session, me, "Bea", score=9, score_parts={"recency": 9})
    assert (
        '<span class="badge tier-strong">9 · Strong</span>'
        in client.get(f"/contacts/{strong.id}").text
    )
