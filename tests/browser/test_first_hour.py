"""The first hour of a new user, in Chromium (issue 18): suggestions that say the right
thing and count down, a dashboard that links to what it caps, logged meetings that
move the score at once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.kit.clock import utcnow
from pingcrm.models import Direction, Platform, Priority, User
from tests.browser.conftest import OWNER_EMAIL
from tests.fixtures.builders import create_contact, create_interaction

pytestmark = pytest.mark.browser


def _owner(session: Session) -> User:
    return session.execute(select(User).where(User.email == OWNER_EMAIL)).scalar_one()


def test_suggestions_birthday_today_channel_primary_action_and_counts(
    signed_in_page: Page, live_db: sessionmaker[Session]
) -> None:
    page = signed_in_page
    today = utcnow().date()
    with live_db() as session:
        owner = _owner(session)
        # Talked on Telegram last, but Telegram is not connected: the card must not
        # default to it; the contact has an email address, which always works.
        grace = create_contact(
            session,
            owner,
            "Grace Hopper",
            ["grace@example.com"],
            telegram="gracehopper",
            birthday=date(1980, today.month, min(today.day, 28)),
        )
        create_interaction(
            session,
            owner,
            grace,
            platform=Platform.TELEGRAM,
            occurred_at=utcnow() - timedelta(days=40),
        )
        for number in range(2):
            other = create_contact(
                session, owner, f"Overdue Person {number}", [f"p{number}@example.com"],
                priority=Priority.HIGH,
            )  # fmt: skip
            create_interaction(
                session, owner, other, direction=Direction.INBOUND,
                occurred_at=utcnow() - timedelta(days=90),
            )  # fmt: skip

    page.goto(page.url.split("/dashboard")[0] + "/suggestions")
    page.get_by_role("button", name="Generate now").click()
    card = page.get_by_role("article", name="Grace Hopper")
    if today.day <= 28:
        expect(card).to_contain_text("Birthday today")
        expect(card.get_by_label("Draft message")).not_to_have_value("Happy early birthday")
        assert "early" not in card.get_by_label("Draft message").input_value().lower()
    expect(card.get_by_label("Send via")).to_have_value("email")
    expect(card.get_by_role("link", name="Open email")).to_be_visible()
    # Exactly one primary action on the card.
    expect(card.locator(".btn-primary")).to_have_count(1)
    expect(card.locator(".btn-primary")).to_have_text("Copy draft")

    count = page.locator("#pending-total")
    expect(count).to_have_text("3 suggestions")
    card.get_by_role("button", name="Dismiss").click()
    expect(page.get_by_role("article", name="Grace Hopper")).to_have_count(0)
    expect(count).to_have_text("2 suggestions")
    other_card = page.get_by_role("article", name="Overdue Person 0")
    other_card.get_by_text("Snooze").click()
    other_card.get_by_role("button", name="2 weeks").click()
    expect(count).to_have_text("1 suggestion")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.locator("#count-suggestions")).to_have_text("1")
    page.locator("#suggestions").get_by_role("button", name="Dismiss").click()
    expect(page.locator("#count-suggestions")).to_have_text("0")


def test_dashboard_caps_birthdays_with_a_link_to_the_rest(
    signed_in_page: Page, live_db: sessionmaker[Session]
) -> None:
    page = signed_in_page
    today = utcnow().date()
    with live_db() as session:
        owner = _owner(session)
        for number in range(9):
            day = today + timedelta(days=number % 7 + 1)
            create_contact(
                session, owner, f"Birthday Person {number}",
                birthday=date(1990, day.month, min(day.day, 28)),
            )  # fmt: skip
    page.reload()
    section = page.locator("#birthdays")
    expect(section.get_by_role("link", name="Birthday Person")).to_have_count(6)
    section.get_by_role("link", name="3 more in the next 14 days").click()
    expect(page.get_by_role("heading", name="Upcoming birthdays")).to_be_visible()
    expect(page.locator("#birthday-list li")).to_have_count(9)


def test_logging_a_meeting_moves_the_score_and_its_why_at_once(
    signed_in_page: Page, live_db: sessionmaker[Session]
) -> None:
    page = signed_in_page
    with live_db() as session:
        owner = _owner(session)
        ada = create_contact(session, owner, "Ada Lovelace", ["ada@example.com"])
        create_interaction(
            session, owner, ada, direction=Direction.INBOUND,
            occurred_at=utcnow() - timedelta(days=200), keep_score=False,
        )  # fmt: skip
        ada_id = ada.id
    page.goto(page.url.split("/dashboard")[0] + f"/contacts/{ada_id}")
    why = page.locator(".score-line")
    expect(why).not_to_contain_text("recency")
    page.get_by_text("Log a call / meeting / message").click()
    page.get_by_label("Type").select_option("meeting")
    page.get_by_label("Summary").fill("Coffee at the British Library, talked engines")
    page.get_by_role("button", name="Log it").click()
    expect(page.get_by_text("Meeting logged.")).to_be_visible()
    expect(why).to_contain_text("recency")
    expect(page.locator("#timeline")).to_contain_text("Coffee at the British Library")


def test_contacts_list_import_bulk_bar_and_merge_two(
    signed_in_page: Page, live_db: sessionmaker[Session]
) -> None:
    page = signed_in_page
    with live_db() as session:
        owner = _owner(session)
        create_contact(session, owner, "Robert Smith", ["robert@acme.io"], company="Acme")
        create_contact(session, owner, "Bob Smith", ["bob@smith.dev"], title="CTO")
        create_contact(session, owner, "Carla Jones", ["carla@acme.io"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    expect(page.get_by_role("link", name="Import")).to_have_attribute("href", "/imports")
    bar = page.get_by_role("group", name="Bulk actions on selected contacts")
    expect(bar).to_be_hidden()

    page.get_by_label("Select Robert Smith").check()
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("1 selected")
    expect(page.locator("#bulk-action option[value=merge]")).to_be_disabled()
    # Only the inputs of the chosen action.
    expect(page.locator("#bulk-tag")).to_be_visible()
    expect(page.locator("#bulk-priority")).to_be_hidden()
    page.locator("#bulk-action").select_option("set_priority")
    expect(page.locator("#bulk-tag")).to_be_hidden()
    expect(page.locator("#bulk-priority")).to_be_visible()
    page.locator("#bulk-action").select_option("archive")
    expect(page.locator("#bulk-tag")).to_be_hidden()
    expect(page.locator("#bulk-priority")).to_be_hidden()

    page.get_by_label("Select Bob Smith").check()
    expect(bar).to_contain_text("2 selected")
    page.locator("#bulk-action").select_option("merge")
    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    bar.get_by_role("button", name="Merge").click()
    expect(page.get_by_role("status").filter(has_text="Merged into")).to_be_visible()
    assert questions
    assert "Merge these two contacts" in questions[0]
    expect(page.locator("body")).to_contain_text("robert@acme.io")
    expect(page.locator("body")).to_contain_text("bob@smith.dev")
    page.goto(page.url.split("/contacts")[0] + "/contacts")
    expect(page.locator(".results-count")).to_have_text("2 contacts")


def test_contacts_list_on_a_phone_folds_filters_and_hides_the_bulk_bar(
    signed_in_page: Page, live_db: sessionmaker[Session]
) -> None:
    page = signed_in_page
    with live_db() as session:
        owner = _owner(session)
        for number in range(12):
            create_contact(session, owner, f"Person {number:02d}")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.url.split("/dashboard")[0] + "/contacts")
    expect(page.locator("select[name=tag]")).to_be_hidden()
    expect(page.locator("#global-search")).to_be_hidden()
    expect(page.get_by_role("group", name="Bulk actions on selected contacts")).to_be_hidden()
    page.get_by_text("Filters and sort").click()
    expect(page.locator("select[name=tag]")).to_be_visible()
    # With the filters folded, several contacts fit on the first screen.
    page.get_by_text("Filters and sort").click()
    visible = page.evaluate(
        "[...document.querySelectorAll('.contacts-table tbody tr')]"
        ".filter(r => r.getBoundingClientRect().bottom <= window.innerHeight).length"
    )
    assert visible >= 5, visible
