"""Telegram interactions synced through the fake gateway are seen by MCP tools and the
JSON API like any others."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.app import create_app
from pingcrm.config import Settings
from pingcrm.mcp.keys import generate_key
from pingcrm.models import Contact
from tests.fakes.server import serve_asgi
from tests.fakes.telegram import FakeTelegram, use_world, user, voice
from tests.fixtures.builders import api_token, create_user
from tests.mcp.test_http import call, text_of
from tests.telegram.fake_account import PHONE, connect, run_sync, telegram_settings


@pytest.fixture
def world() -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    fake.add_account(PHONE, 1000)
    with use_world(fake):
        yield fake


def test_mcp_and_the_api_see_telegram_messages(
    world: FakeTelegram,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    configured = telegram_settings(settings)
    world.add_chat(PHONE, user(2001, "Ada", "Lovelace", username="ada"))
    world.add_message(PHONE, 2001, "See you in Paris")
    world.add_message(PHONE, 2001, "", media=voice(), out=True)
    owner = create_user(session)
    account = connect(session, configured, world, owner.id)
    run_sync(configured, engine, session_factory, account)
    ada = session.scalars(select(Contact).where(Contact.user_id == owner.id)).one()
    key = generate_key(session, configured, owner.id, allow_changes=False)
    session.commit()
    app = create_app(configured, engine=engine)

    with serve_asgi(app, lifespan=True) as url:
        timeline = text_of(call(url, key, "get_interactions", contact_id=ada.id))
    assert timeline.startswith(f"2 of 2 interactions of contact {ada.id}")
    assert "telegram ← " in timeline
    assert "See you in Paris" in timeline
    assert "telegram → " in timeline
    assert "[Voice message]" in timeline

    with TestClient(app, base_url="http://testserver") as client:
        data = client.get(
            f"/api/v1/contacts/{ada.id}/interactions", headers=api_token(client)
        ).json()["data"]
    assert [(i["platform"], i["preview"]) for i in data] == [
        ("telegram", "[Voice message]"),
        ("telegram", "See you in Paris"),
    ]
