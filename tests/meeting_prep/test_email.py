"""The prep email as a MIME message: text and HTML alternatives, the event's time zone,
attendee text escaped in HTML, a one-line subject, guests listed."""

from __future__ import annotations

import base64
import email
import email.policy
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from pingcrm.contacts.ingest import ContactInput, upsert_contacts
from pingcrm.meeting_prep.brief import brief_for_contacts
from pingcrm.meeting_prep.email import Guest, mime_message, raw, render
from pingcrm.models import IdentifierKind
from tests.fixtures.builders import create_user

START = datetime(2026, 11, 2, 9, 35, tzinfo=UTC)


def test_the_email_as_received(session: Session) -> None:
    user = create_user(session)
    result = upsert_contacts(
        session,
        user.id,
        [
            ContactInput(
                "Eve <script>alert(1)</script>",
                company="Evil & Co",
                twitter_bio="<b>bold</b> claims",
                identifiers=[(IdentifierKind.EMAIL, "eve@evil.example", None)],
            )
        ],
        source="manual",
    )
    session.commit()
    contact_id = result.contact_ids[0]
    assert contact_id is not None
    brief = brief_for_contacts(
        session,
        user.id,
        [contact_id],
        START - timedelta(minutes=35),
        None,
        title="Pitch\nreview <b>",
    )
    prep = render(
        brief,
        starts_at=START,
        ends_at=START + timedelta(minutes=30),
        time_zone="Europe/Berlin",
        guests=[Guest(name="Zed", email="zed@other.org"), Guest(name=None, email="x@y.org")],
        event_link="https://calendar.example/e1",
        app_url="https://crm.example.com/",
    )
    message = mime_message(prep, "ada@gmail.com", START)
    received = email.message_from_bytes(
        base64.urlsafe_b64decode(raw(message)), policy=email.policy.default
    )
    assert received["Subject"] == "Meeting prep: Pitch review <b> at 10:35 (Europe/Berlin)"
    assert received["To"] == "ada@gmail.com"
    assert received.get_content_type() == "multipart/alternative"
    text = received.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = received.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "Monday 02 November 2026, 10:35–11:05 (Europe/Berlin)" in text
    assert "== Eve <script>alert(1)</script> — Evil & Co ==" in text
    assert "Twitter bio: <b>bold</b> claims" in text
    assert "- Zed <zed@other.org>" in text
    assert "- x@y.org" in text
    assert f"https://crm.example.com/contacts/{contact_id}" in text
    assert "<script>" not in html
    assert "Eve &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Evil &amp; Co" in html
    assert "&lt;b&gt;bold&lt;/b&gt; claims" in html
    assert "Zed &lt;zed@other.org&gt;" in html
    assert "Relationship:</strong> Cold (score 0/10)" in html
