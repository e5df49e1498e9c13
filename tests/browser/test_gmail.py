"""In Chromium: connect Gmail through the (fake) Google consent page, Sync now, and find
the email on the contact's timeline; copy a contact's BCC address."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.google import accounts as gmail_accounts
from pingcrm.models import Contact, Provider, User
from pingcrm.platform_accounts import service as accounts
from tests.browser.conftest import OWNER_EMAIL, LiveApp
from tests.fakes.google.__main__ import seeded
from tests.fakes.google.state import ALL_SCOPES, FakeGoogle
from tests.google.fake_account import served

pytestmark = pytest.mark.browser

ME = "you@gmail.com"


@pytest.fixture
def google(live_app: LiveApp) -> Iterator[FakeGoogle]:
    """The seeded fake Google, with the live app's Google settings pointing at it."""
    fake = seeded()
    with served(fake) as url:
        saved = {name: getattr(live_app.settings, name) for name in fake.client_settings(url)}
        for name, value in fake.client_settings(url).items():
            setattr(live_app.settings, name, value)
        try:
            yield fake
        finally:
            for name, value in saved.items():
                setattr(live_app.settings, name, value)


def test_connect_gmail_sync_now_and_see_the_email_on_the_timeline(
    signed_in_page: Page, live_server: str, google: FakeGoogle
) -> None:
    page = signed_in_page
    page.goto(f"{live_server}/settings#gmail")
    page.get_by_role("link", name="Connect Gmail").click()

    expect(
        page.get_by_role("heading", name="PingCRM wants to access your Google Account")
    ).to_be_visible()
    page.get_by_role("button", name="Allow").click()

    expect(page).to_have_url(f"{live_server}/settings#gmail")
    expect(page.get_by_text(f"Connected {ME}.")).to_be_visible()
    row = page.locator(f'li.gmail-account[data-account="{ME}"]')
    expect(row.locator('[data-state="connected"]')).to_have_text("Connected")
    expect(row.get_by_text("Primary (BCC)")).to_be_visible()

    row.get_by_role("button", name="Sync Email now").click()
    expect(page.get_by_text(f"Email sync of {ME} started.")).to_be_visible()

    page.goto(f"{live_server}/contacts")
    page.get_by_role("link", name="Grace Hopper").first.click()
    expect(page.get_by_text("Compilers — Shall we meet on Tuesday?")).to_be_visible()
    expect(page.get_by_text("Re: Compilers — Sounds good, talk soon")).to_be_visible()
    page.goto(f"{live_server}/contacts")
    expect(page.get_by_role("link", name="Service")).to_have_count(0)  # noreply skipped


def test_copy_the_bcc_address_of_a_contact(
    signed_in_page: Page,
    context: BrowserContext,
    live_app: LiveApp,
    live_server: str,
    live_db: sessionmaker[Session],
) -> None:
    page = signed_in_page
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    with live_db() as session:
        owner = session.execute(select(User).where(User.email == OWNER_EMAIL)).scalar_one()
        account = accounts.connect(
            session,
            live_app.settings,
            user_id=owner.id,
            provider=Provider.GMAIL,
            external_id="owner.mail@gmail.com",
            credentials={"refresh_token": "r"},
            scopes=" ".join(ALL_SCOPES),
        )
        gmail_accounts.set_primary(session, owner.id, account.id)
        contact = Contact(
            user_id=owner.id, full_name="Bea Copy", sort_name="bea copy", bcc_hash="k3j9x2m4pq"
        )
        session.add(contact)
        session.commit()
        contact_id = contact.id

    page.goto(f"{live_server}/contacts/{contact_id}")
    address = "owner.mail+k3j9x2m4pq@gmail.com"
    section = page.locator("#bcc")
    expect(section.get_by_text(address)).to_be_visible()
    button = section.locator(f'button[data-copy="{address}"]')
    button.click()

    expect(button).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == address
