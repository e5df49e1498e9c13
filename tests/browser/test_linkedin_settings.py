"""In Chromium: Settings → LinkedIn → Connect opens the pairing modal; the code the
extension registered pairs; the popup's poll gets the token; Disconnect revokes it."""

from __future__ import annotations

import httpx2
import pytest
from playwright.sync_api import Page, expect

from tests.linkedin.helpers import new_code

pytestmark = pytest.mark.browser


def test_pair_the_extension_from_the_settings_modal_then_disconnect(
    signed_in_page: Page, live_server: str
) -> None:
    page = signed_in_page
    code = new_code()
    registered = httpx2.post(f"{live_server}/api/v1/extension/pairings", json={"code": code})
    assert registered.status_code == 201
    page.goto(f"{live_server}/settings#linkedin")
    card = page.locator("#linkedin")
    expect(card.locator('[data-state="disconnected"]')).to_have_text("Disconnected")
    card.get_by_role("button", name="Connect").click()
    dialog = page.get_by_role("dialog", name="Pair the LinkedIn extension")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Pairing code").fill(code.lower())
    dialog.get_by_role("button", name="Pair").click()
    expect(page.get_by_text(f"Paired with {code}.")).to_be_visible()
    expect(card.locator('[data-state="connected"]')).to_have_text("Connected")
    expect(card.get_by_text("Profiles synced")).to_be_visible()

    polled = httpx2.get(f"{live_server}/api/v1/extension/pairings/{code}").json()["data"]
    assert polled["status"] == "paired"
    token = {"Authorization": f"Bearer {polled['token']}"}
    assert httpx2.get(f"{live_server}/api/v1/extension/status", headers=token).status_code == 200

    card.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_text("LinkedIn extension disconnected.")).to_be_visible()
    expect(card.locator('[data-state="disconnected"]')).to_have_text("Disconnected")
    assert httpx2.get(f"{live_server}/api/v1/extension/status", headers=token).status_code == 401


def test_a_wrong_code_in_the_modal_says_so(signed_in_page: Page, live_server: str) -> None:
    page = signed_in_page
    page.goto(f"{live_server}/settings#linkedin")
    page.locator("#linkedin").get_by_role("button", name="Connect").click()
    dialog = page.get_by_role("dialog", name="Pair the LinkedIn extension")
    dialog.get_by_label("Pairing code").fill(new_code())
    dialog.get_by_role("button", name="Pair").click()
    expect(page.get_by_text("No extension shows this code.")).to_be_visible()
