"""The duplicates queue in Chromium: merge with the keyboard shortcut, then Undo merge
from the contact page; and the queue at 360 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.identity import service
from pingcrm.models import Contact, User
from tests.browser.conftest import OWNER_EMAIL
from tests.fixtures.builders import create_contact

pytestmark = pytest.mark.browser


def _queue_a_pair(live_db: sessionmaker[Session]) -> None:
    with live_db() as session:
        owner = session.execute(select(User).where(User.email == OWNER_EMAIL)).scalar_one()
        create_contact(session, owner, "Robert Smith", ["robert@acme.io"], company="Acme")
        create_contact(
            session, owner, "Bob Smith", linkedin="bob-smith-1a2b3c4", company="Acme",
            title="CTO", location="Berlin",
        )  # fmt: skip
        result = service.run_scan(session, Settings(), owner.id)
        session.commit()
        assert result.queued == 1


def test_merge_with_the_keyboard_then_undo_from_the_contact_page(
    signed_in_page: Page, live_db: sessionmaker[Session]
) -> None:
    page = signed_in_page
    _queue_a_pair(live_db)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Duplicates").click()
    card = page.get_by_role("article", name="Robert Smith and Bob Smith")
    expect(card).to_contain_text("Matched: Similar name, Same company")
    expect(card.locator("tr.differs")).to_contain_text(["Name"])
    expect(page.get_by_text("Keyboard:")).to_contain_text("m Merge")

    page.keyboard.press("m")
    expect(page.get_by_role("status").filter(has_text="Merged.")).to_be_visible()
    expect(page.get_by_text("No duplicates to review.")).to_be_visible()
    with live_db() as session:
        # Bob (title, location, LinkedIn) is the richer record: he is kept.
        [kept] = session.scalars(select(Contact)).all()
        assert (kept.full_name, kept.title, kept.company) == ("Bob Smith", "CTO", "Acme")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    page.get_by_role("link", name="Bob Smith").first.click()
    expect(page.get_by_text("robert@acme.io")).to_be_visible()
    duplicates = page.locator("#duplicates")
    expect(duplicates).to_contain_text("Merged from Robert Smith")
    duplicates.get_by_role("button", name="Undo merge").click()
    expect(
        page.get_by_role("status").filter(has_text="Robert Smith is a separate contact again.")
    ).to_be_visible()
    expect(page.get_by_text("robert@acme.io")).to_have_count(0)
    expect(page.locator("#duplicates")).to_contain_text("No known duplicates")
    with live_db() as session:
        names = sorted(c.full_name for c in session.scalars(select(Contact)))
        assert names == ["Bob Smith", "Robert Smith"]


def test_the_queue_fits_a_phone_screen(
    signed_in_page: Page, live_db: sessionmaker[Session]
) -> None:
    page = signed_in_page
    _queue_a_pair(live_db)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(page.url.split("/dashboard")[0] + "/identity")
    expect(page.get_by_role("button", name="Merge")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
