"""The contact page a new user opens first (issue 18): one "@" per handle, the useful
fields before raw platform ids, the pending suggestion with its draft and actions, and
no "(no preview)" on a call logged without a note."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from pingcrm.models import ContactIdentifier, IdentifierKind, InteractionKind, Platform, Suggestion
from tests.fixtures.builders import create_contact, create_interaction, create_user, login


def test_handles_order_suggestion_card_and_call_without_note(
    client: TestClient, session: Session
) -> None:
    user = create_user(session)
    ada = create_contact(
        session, user, "Ada Lovelace", ["ada@example.com"], twitter="@adalove",
        telegram="ada_l", company="Analytical Engines", title="Countess",
    )  # fmt: skip
    # An older row stored with its "@" (as the demo used to): still shown with one.
    session.add(
        ContactIdentifier(
            user_id=user.id, contact_id=ada.id, kind=IdentifierKind.TELEGRAM_ID,
            value="123456789", display_value="123456789",
        )
    )  # fmt: skip
    for identifier in ada.identifiers:
        if identifier.kind == IdentifierKind.TWITTER_HANDLE:
            identifier.display_value = "@adalove"
    session.add(
        Suggestion(
            user_id=user.id, contact_id=ada.id, trigger="time_based",
            reason="No contact for 60 days.", channel="email",
            message="Hi Ada, shall we catch up over tea?",
        )
    )  # fmt: skip
    session.commit()
    create_interaction(
        session, user, ada, platform=Platform.MANUAL, kind=InteractionKind.CALL, preview=""
    )
    login(client)
    html = client.get(f"/contacts/{ada.id}").text

    assert "@@" not in html
    assert ">@adalove</a>" in html
    assert ">@ada_l</a>" in html
    details = html[html.index('<dl class="details">') :]
    assert details.index("Analytical Engines") < details.index("123456789")
    assert details.index("@adalove") < details.index("Telegram id")

    card = html[html.index('id="contact-suggestion"') :]
    assert "No contact for 60 days." in card
    assert "Hi Ada, shall we catch up over tea?" in card
    assert re.search(r'class="btn btn-primary"[^>]*>Copy draft<', card)
    for action in ("Mark done", "Snooze", "Dismiss", "Regenerate"):
        assert action in card

    assert "(no preview)" not in html


def test_a_contact_created_with_at_handles_is_stored_without_them(
    client: TestClient, session: Session
) -> None:
    user = create_user(session)
    ada = create_contact(session, user, "Ada", twitter="@adalove")
    stored = {i.kind: i.display_value for i in ada.identifiers}
    assert stored[IdentifierKind.TWITTER_HANDLE] == "adalove"
    login(client)
    assert "@@" not in client.get(f"/contacts/{ada.id}").text
