"""In Chromium: connect Telegram (phone → code → two-step password, each its own
request) against the fake gateway, mistakes explained next to the field."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveApp
from tests.fakes.telegram import FakeTelegram, use_world
from tests.telegram.fake_account import GATEWAY

pytestmark = pytest.mark.browser


@pytest.fixture
def telegram(live_app: LiveApp) -> Iterator[FakeTelegram]:
    """The fake demo world, with the live app's Telegram settings selecting it."""
    world = FakeTelegram()
    world.demo = True
    values = {
        "telegram_api_id": 12345,
        "telegram_api_hash": "0123456789abcdef0123456789abcdef",
        "telegram_gateway": GATEWAY,
    }
    saved = {name: getattr(live_app.settings, name) for name in values}
    for name, value in values.items():
        setattr(live_app.settings, name, value)
    try:
        with use_world(world):
            yield world
    finally:
        for name, value in saved.items():
            setattr(live_app.settings, name, value)


def test_connect_telegram_with_code_and_two_step_password(
    signed_in_page: Page, live_server: str, telegram: FakeTelegram
) -> None:
    page = signed_in_page
    page.goto(f"{live_server}/settings#telegram")
    card = page.locator("#telegram")
    expect(card.locator('[data-state="disconnected"]')).to_be_visible()

    card.get_by_label("Connect Telegram: your phone number").fill("12")
    card.get_by_role("button", name="Send code").click()
    expect(card.get_by_text("international format")).to_be_visible()

    card.get_by_label("Connect Telegram: your phone number").fill("+44 7700 900129")
    card.get_by_role("button", name="Send code").click()
    expect(
        card.get_by_text("Telegram sent a code to the Telegram app of +447700900129.")
    ).to_be_visible()

    code = card.get_by_label("Code Telegram sent to the Telegram app of +447700900129")
    code.fill("00000")
    card.get_by_role("button", name="Verify code").click()
    expect(card.get_by_text("That code is not right")).to_be_visible()
    card.get_by_label("Code Telegram sent to the Telegram app of +447700900129").fill("12345")
    card.get_by_role("button", name="Verify code").click()

    password = card.get_by_label("Two-step verification password of +447700900129")
    password.fill("wrong")
    card.get_by_role("button", name="Sign in").click()
    expect(card.get_by_text("Wrong password")).to_be_visible()
    card.get_by_label("Two-step verification password of +447700900129").fill("secret")
    card.get_by_role("button", name="Sign in").click()

    expect(card.get_by_text("Connected Demo. Click Sync chats now to import.")).to_be_visible()
    row = card.locator('li.telegram-account[data-account="+447700900129"]')
    expect(row.locator('[data-state="connected"]')).to_have_text("Connected")
    expect(row.get_by_role("button", name="Sync chats now")).to_be_visible()
