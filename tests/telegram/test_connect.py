"""Connecting Telegram: phone → code → password, each its own request, through the
Settings card (HTMX) and the API, against the fake gateway's real Telethon errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from telethon import errors

from pingcrm.app import create_app
from pingcrm.config import Settings
from pingcrm.kit.clock import FrozenClock, use_clock, utcnow
from pingcrm.models import OAuthState, PlatformAccount, Provider
from pingcrm.platform_accounts import service as accounts
from tests.fakes.telegram import FakeTelegram, use_world
from tests.fixtures.builders import api_token, create_user, login
from tests.telegram.fake_account import PHONE, telegram_settings

HX = {"HX-Request": "true"}


@pytest.fixture
def world() -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    fake.add_account(PHONE, 1000, first="Ada")
    fake.add_account("+447700900999", 1001, first="Grace", password="cloud pw")
    with use_world(fake):
        yield fake


@pytest.fixture
def tg_client(settings: Settings, engine: Engine, session: Session) -> Iterator[TestClient]:
    app: FastAPI = create_app(telegram_settings(settings), engine=engine)
    create_user(session)
    with TestClient(app, base_url="http://testserver") as client:
        client.headers["X-CSRF-Token"] = login(client)
        yield client


def _post(client: TestClient, path: str, **data: str) -> str:
    response = client.post(path, data=data, headers=HX)
    assert response.status_code == 200, response.text
    return response.text


def _accounts(session: Session) -> list[PlatformAccount]:
    session.expire_all()
    return list(
        session.scalars(
            select(PlatformAccount).where(PlatformAccount.provider == Provider.TELEGRAM)
        )
    )


def test_phone_then_code_connects_and_stores_the_session_encrypted(
    world: FakeTelegram, tg_client: TestClient, session: Session, settings: Settings
) -> None:
    page = _post(tg_client, "/settings/telegram/phone", phone="+44 7700 900123")
    assert "Telegram sent a code to the Telegram app of +447700900123" in page
    assert 'name="code"' in page
    # The partial session and the phone-code hash are kept server-side, encrypted.
    pending = session.scalars(select(OAuthState)).one()
    assert "hash0001" not in pending.verifier_encrypted
    assert pending.expires_at - utcnow() <= timedelta(minutes=10)

    page = _post(tg_client, "/settings/telegram/code", code="12345")

    assert "Connected Ada" in page
    assert 'data-state="connected"' in page
    [account] = _accounts(session)
    assert account.external_id == PHONE
    assert "fake-session" not in (account.credentials_encrypted or "")
    assert (
        accounts.read_credentials(telegram_settings(settings), account)["session"]
        == f"fake-session:{PHONE}"
    )
    assert session.scalars(select(OAuthState)).all() == []


def test_two_step_verification_asks_for_the_password_and_a_wrong_one_is_explained(
    world: FakeTelegram, tg_client: TestClient, session: Session
) -> None:
    _post(tg_client, "/settings/telegram/phone", phone="+447700900999")
    page = _post(tg_client, "/settings/telegram/code", code="12345")
    assert "two-step verification" in page
    assert 'name="password"' in page

    page = _post(tg_client, "/settings/telegram/password", password="nope")
    assert "Wrong password" in page
    assert _accounts(session) == []

    page = _post(tg_client, "/settings/telegram/password", password="cloud pw")
    assert "Connected Grace" in page
    assert len(_accounts(session)) == 1


@pytest.mark.parametrize(
    ("step", "error", "message"),
    [
        ("phone", errors.PhoneNumberInvalidError(request=None), "international format"),
        ("phone", errors.FloodWaitError(request=None, capture=300), "wait 5 minutes"),
        ("code", errors.PhoneCodeInvalidError(request=None), "That code is not right"),
        ("code", errors.PhoneCodeExpiredError(request=None), "That code has expired"),
        ("code", errors.FloodWaitError(request=None, capture=40), "wait 40 seconds"),
    ],
)
def test_each_telegram_error_has_a_clear_message_on_the_card(
    step: str,
    error: BaseException,
    message: str,
    world: FakeTelegram,
    tg_client: TestClient,
    session: Session,
) -> None:
    if step == "phone":
        world.fail("send_code", error)
        page = _post(tg_client, "/settings/telegram/phone", phone=PHONE)
    else:
        _post(tg_client, "/settings/telegram/phone", phone=PHONE)
        world.fail("sign_in", error)
        page = _post(tg_client, "/settings/telegram/code", code="12345")
    assert message in page
    assert _accounts(session) == []


def test_a_wrong_code_can_be_corrected(
    world: FakeTelegram, tg_client: TestClient, session: Session
) -> None:
    _post(tg_client, "/settings/telegram/phone", phone=PHONE)
    assert "That code is not right" in _post(tg_client, "/settings/telegram/code", code="11111")
    assert "Connected Ada" in _post(tg_client, "/settings/telegram/code", code="12345")


def test_a_login_expires_after_10_minutes(
    world: FakeTelegram, tg_client: TestClient, session: Session
) -> None:
    _post(tg_client, "/settings/telegram/phone", phone=PHONE)
    with use_clock(FrozenClock(utcnow() + timedelta(minutes=11))):
        page = _post(tg_client, "/settings/telegram/code", code="12345")
    assert "This login has expired" in page
    assert _accounts(session) == []


def test_an_invalid_phone_number_is_refused_before_calling_telegram(
    world: FakeTelegram, tg_client: TestClient
) -> None:
    page = _post(tg_client, "/settings/telegram/phone", phone="hello")
    assert "international format" in page
    assert world.count("send_code") == 0


def test_without_api_id_and_hash_the_card_explains_where_to_get_them(
    client: TestClient, session: Session
) -> None:
    create_user(session)
    client.headers["X-CSRF-Token"] = login(client)
    page = client.get("/settings/telegram").text
    assert "my.telegram.org" in page
    assert "PINGCRM_TELEGRAM_API_ID" in page
    response = client.post(
        "/api/v1/telegram/login",
        json={"phone": PHONE},
        headers=api_token(client),
    )
    assert response.status_code == 422
    assert "my.telegram.org" in response.json()["error"]["message"]


def test_the_api_runs_the_same_steps_with_the_api_error_shape(
    world: FakeTelegram, tg_client: TestClient, session: Session
) -> None:
    headers = api_token(tg_client)
    first = tg_client.post(
        "/api/v1/telegram/login", json={"phone": "+447700900999"}, headers=headers
    )
    assert first.status_code == 200
    assert first.json()["data"]["step"] == "code"
    bad = tg_client.post("/api/v1/telegram/login/code", json={"code": "99999"}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["details"]["field"] == "code"
    second = tg_client.post("/api/v1/telegram/login/code", json={"code": "12345"}, headers=headers)
    assert second.json()["data"]["step"] == "password"
    done = tg_client.post(
        "/api/v1/telegram/login/password", json={"password": "cloud pw"}, headers=headers
    )
    assert done.status_code == 200
    assert done.json()["data"]["account_id"]
    listed = tg_client.get("/api/v1/telegram/accounts", headers=headers).json()["data"]
    assert [(a["phone"], a["state"]) for a in listed] == [("+447700900999", "connected")]


def test_disconnect_logs_out_at_telegram_and_keeps_interactions(
    world: FakeTelegram, tg_client: TestClient, session: Session
) -> None:
    _post(tg_client, "/settings/telegram/phone", phone=PHONE)
    _post(tg_client, "/settings/telegram/code", code="12345")
    [account] = _accounts(session)

    page = _post(tg_client, f"/settings/telegram/{account.id}/disconnect")

    assert "Disconnected +447700900123" in page
    assert world.logged_out == [f"fake-session:{PHONE}"]
    [account] = _accounts(session)
    assert account.credentials_encrypted is None


def test_sync_settings_are_saved_and_validated(
    world: FakeTelegram, tg_client: TestClient, session: Session
) -> None:
    _post(tg_client, "/settings/telegram/phone", phone=PHONE)
    _post(tg_client, "/settings/telegram/code", code="12345")
    [account] = _accounts(session)
    page = _post(
        tg_client,
        f"/settings/telegram/{account.id}/sync-settings",
        schedule="weekly",
        second_tier="on",
        group_size_limit="200",
    )
    assert "Sync settings saved." in page
    [account] = _accounts(session)
    assert account.sync_settings["schedule"] == "weekly"
    assert account.sync_settings["second_tier"] is True
    assert account.sync_settings["group_size_limit"] == 200
    assert account.sync_settings["auto_sync"] is False
    page = _post(
        tg_client,
        f"/settings/telegram/{account.id}/sync-settings",
        schedule="daily",
        group_size_limit="many",
    )
    assert "whole number" in page
