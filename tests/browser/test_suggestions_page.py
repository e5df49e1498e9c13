"""The suggestions page in Chromium: generate, edit the draft, copy it, snooze."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.kit.clock import utcnow
from pingcrm.models import Direction, Priority, User
from tests.browser.conftest import OWNER_EMAIL
from tests.fixtures.builders import create_contact, create_interaction

pytestmark = pytest.mark.browser


def test_generate_edit_copy_and_snooze(
    signed_in_page: Page,
    context: BrowserContext,
    live_server: str,
    live_db: sessionmaker[Session],
) -> None:
    page = signed_in_page
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    with live_db() as session:
        owner = session.execute(select(User).where(User.email == OWNER_EMAIL)).scalar_one()
        ada = create_contact(
            session, owner, "Ada Lovelace", ["ada@example.com"], priority=Priority.HIGH
        )
        create_interaction(
            session,
            owner,
            ada,
            direction=Direction.INBOUND,
            occurred_at=utcnow() - timedelta(days=60),
            preview="Lovely to meet you at the conference",
        )

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Suggestions").click()
    expect(page.get_by_text("Nothing to do right now.")).to_be_visible()
    page.get_by_role("button", name="Generate now").click()
    expect(page.get_by_role("status").filter(has_text="1 new suggestion added.")).to_be_visible()

    card = page.get_by_role("article", name="Ada Lovelace")
    expect(card).to_contain_text(
        "No contact for 60 days; your high-priority rule says every 30 days."
    )
    draft = card.get_by_label("Draft message")
    expect(draft).to_have_value(
        "Hi Ada, it's been about 2 months since we last talked. How are things going? "
        "Would love to catch up."
    )

    draft.fill("Hi Ada! Coffee next week?")
    draft.blur()
    expect(card.get_by_text("Draft saved.")).to_be_visible()
    card = page.get_by_role("article", name="Ada Lovelace")
    card.get_by_role("button", name="Copy").click()
    expect(card.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == "Hi Ada! Coffee next week?"

    card.get_by_text("Snooze").click()
    card.get_by_role("button", name="1 month").click()
    expect(page.get_by_role("status").filter(has_text="Snoozed until")).to_be_visible()
    expect(page.get_by_role("article", name="Ada Lovelace")).to_have_count(0)

    page.get_by_role("link", name="Snoozed").click()
    expect(page.get_by_role("article", name="Ada Lovelace")).to_contain_text(
        "Hi Ada! Coffee next week?"
    )
