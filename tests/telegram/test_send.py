"""Send a suggestion's draft on Telegram: one click, and the next sync adds no copy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.app import create_app
from pingcrm.config import Settings
from pingcrm.models import Contact, Interaction, Suggestion, SuggestionStatus
from tests.fakes.telegram import FakeTelegram, use_world, user
from tests.fixtures.builders import create_user, login
from tests.telegram.fake_account import PHONE, connect, run_sync, telegram_settings


@pytest.fixture
def world() -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    fake.add_account(PHONE, 1000)
    with use_world(fake):
        yield fake


def test_sending_a_draft_records_the_message_once_and_closes_the_suggestion(
    world: FakeTelegram,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    configured = telegram_settings(settings)
    world.add_chat(PHONE, user(2001, "Ada", "Lovelace", username="ada"))
    world.add_message(PHONE, 2001, "hello")
    owner = create_user(session)
    account = connect(session, configured, world, owner.id)
    run_sync(configured, engine, session_factory, account)
    ada = session.scalars(select(Contact).where(Contact.user_id == owner.id)).one()
    suggestion = Suggestion(
        user_id=owner.id,
        contact_id=ada.id,
        message="Coffee next week?",
        channel="telegram",
        trigger="overdue",
        reason="overdue",
        status=SuggestionStatus.PENDING,
    )
    session.add(suggestion)
    session.commit()
    app = create_app(configured, engine=engine)
    with TestClient(app, base_url="http://testserver") as client:
        client.headers["X-CSRF-Token"] = login(client)
        assert "Send on Telegram" in client.get("/suggestions").text
        assert "Send on Telegram" in client.get(f"/contacts/{ada.id}").text
        response = client.post(
            f"/suggestions/{suggestion.id}/send-telegram", headers={"HX-Request": "true"}
        )
    assert response.status_code in (200, 204, 303), response.text
    sent = world.accounts[PHONE].chats[2001].messages[-1]
    assert (sent.message, sent.out) == ("Coffee next week?", True)
    session.expire_all()
    assert session.get(Suggestion, suggestion.id).status is SuggestionStatus.DONE  # type: ignore[union-attr]

    again = run_sync(configured, engine, session_factory, account)

    assert again.new_interactions == 0
    rows = session.scalars(
        select(Interaction).where(Interaction.user_id == owner.id).order_by(Interaction.occurred_at)
    ).all()
    assert [(r.preview, r.direction.value) for r in rows] == [
        ("hello", "inbound"),
        ("Coffee next week?", "outbound"),
    ]


def test_a_contact_without_telegram_cannot_be_sent_to(
    world: FakeTelegram,
    settings: Settings,
    engine: Engine,
    session: Session,
) -> None:
    from tests.fixtures.builders import create_contact

    configured = telegram_settings(settings)
    owner = create_user(session)
    connect(session, configured, world, owner.id)
    bob = create_contact(session, owner, "Bob")
    suggestion = Suggestion(
        user_id=owner.id,
        contact_id=bob.id,
        message="Hi Bob",
        channel="telegram",
        trigger="overdue",
        reason="overdue",
        status=SuggestionStatus.PENDING,
    )
    session.add(suggestion)
    session.commit()
    app = create_app(configured, engine=engine)
    with TestClient(app, base_url="http://testserver") as client:
        from tests.fixtures.builders import api_token

        csrf = login(client)
        # No Telegram chat with Bob: his suggestion offers no "Send on Telegram" button
        # (on his page, in the queue, nor after the draft is edited).
        page = client.get(f"/contacts/{bob.id}").text
        assert "Hi Bob" in page
        assert "Copy draft" in page
        assert "Send on Telegram" not in page
        assert "Send on Telegram" not in client.get("/suggestions").text
        card = client.post(
            f"/suggestions/{suggestion.id}/draft",
            data={"message": "Hi Bob!", "channel": "telegram", "csrf_token": csrf},
            headers={"HX-Request": "true"},
        )
        assert "Draft saved." in card.text
        assert "Send on Telegram" not in card.text
        response = client.post(
            f"/api/v1/suggestions/{suggestion.id}/send/telegram", headers=api_token(client)
        )
    assert response.status_code == 422
    assert "cannot be messaged on Telegram" in response.json()["error"]["message"]
    assert world.count("send") == 0
