"""In Chromium: connect X through the (fake) X authorization page, Sync DMs now, find the
DM on the contact's timeline, then disconnect."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveApp
from tests.fakes.server import serve_asgi
from tests.fakes.twitter.__main__ import seeded
from tests.fakes.twitter.app import build_app
from tests.fakes.twitter.state import FakeX

pytestmark = pytest.mark.browser


@pytest.fixture
def fake_x(live_app: LiveApp) -> Iterator[FakeX]:
    """The seeded fake X, with the live app's X settings pointing at it."""
    fake = seeded()
    with serve_asgi(build_app(fake)) as url:
        saved = {name: getattr(live_app.settings, name) for name in fake.client_settings(url)}
        for name, value in fake.client_settings(url).items():
            setattr(live_app.settings, name, value)
        try:
            yield fake
        finally:
            for name, value in saved.items():
                setattr(live_app.settings, name, value)


def test_connect_x_sync_dms_and_see_the_dm_on_the_timeline(
    signed_in_page: Page, live_server: str, fake_x: FakeX
) -> None:
    page = signed_in_page
    page.goto(f"{live_server}/settings#twitter")
    page.get_by_role("link", name="Connect X").click()

    expect(
        page.get_by_role("heading", name="PingCRM wants to access your X account")
    ).to_be_visible()
    page.get_by_role("button", name="Authorize app").click()

    expect(page).to_have_url(f"{live_server}/settings/twitter")
    expect(page.get_by_text("Connected @you.")).to_be_visible()
    row = page.locator('li.x-account[data-account="@you"]')
    expect(row.locator('[data-state="connected"]')).to_have_text("Connected")

    row.get_by_role("button", name="Sync DMs now").click()
    expect(page.get_by_text("DMs sync of @you started.")).to_be_visible()

    page.goto(f"{live_server}/contacts")
    page.get_by_role("link", name="Grace Hopper").first.click()
    expect(page.get_by_text("Hi! Long time, Grace here")).to_be_visible()
    expect(page.get_by_text("Shall we all meet?")).to_be_visible()  # the group DM

    page.goto(f"{live_server}/settings#twitter")
    row = page.locator('li.x-account[data-account="@you"]')
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_text("Disconnected @you.")).to_be_visible()
    assert fake_x.revoked
