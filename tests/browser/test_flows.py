"""The main journeys through PingCRM in a real Chromium, asserting what the user sees."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import OWNER_EMAIL, OWNER_PASSWORD, create_first_account, sign_in

pytestmark = pytest.mark.browser


def _create_contact(page: Page, base_url: str, name: str, email: str, company: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    page.get_by_role("link", name="New contact").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Emails").fill(email)
    page.get_by_label("Company").fill(company)
    page.get_by_role("button", name="Create contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("status").filter(has_text=f"Added {name}.")).to_be_visible()


def test_setup_login_contact_search_timeline_note_and_bulk_tag(
    page: Page, live_server: str
) -> None:
    # First run: the visitor creates the account and lands on the dashboard.
    create_first_account(page, live_server)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # Sign out, then back in.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(live_server + "/login")
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
    sign_in(page, live_server)
    expect(page).to_have_url(live_server + "/dashboard")

    # Two contacts, created through the form.
    _create_contact(page, live_server, "Ada Lovelace", "ada@analytical.example", "Analytical")
    _create_contact(page, live_server, "Charles Babbage", "charles@engines.example", "Engines")

    # The search box in the navigation finds Ada, and only her.
    search = page.get_by_role("searchbox", name="Search contacts")
    search.fill("lovelace")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/contacts\?q=lovelace"))
    results = page.get_by_role("region", name="Contacts found")
    expect(results.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    expect(results.get_by_role("link", name="Charles Babbage")).to_have_count(0)
    expect(results).to_contain_text("1 contact")

    # Her page, with its (still empty) timeline.
    results.get_by_role("link", name="Ada Lovelace").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    timeline = page.locator("#timeline")
    expect(timeline.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(timeline.get_by_text("No interactions yet.")).to_be_visible()

    # A note, added without leaving the page.
    notes = page.get_by_role("complementary").locator("#notes")
    notes.get_by_label("Add a note").fill("Wrote the first program.")
    notes.get_by_role("button", name="Add note").click()
    expect(notes.locator(".note-body")).to_have_text(["Wrote the first program."])
    expect(notes.get_by_label("Add a note")).to_have_value("")

    # Back on the list: select both contacts and tag them in one go.
    page.get_by_role("link", name="← Contacts").click()
    expect(page).to_have_url(live_server + "/contacts")
    page.get_by_role("checkbox", name="Select Ada Lovelace").check()
    page.get_by_role("checkbox", name="Select Charles Babbage").check()
    bulk = page.get_by_role("group", name="Bulk actions on selected contacts")
    bulk.get_by_label("Action").select_option(label="Add tag")
    bulk.get_by_label("Tag").fill("inventor")
    bulk.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_role("status").filter(has_text="Tagged 2 contacts.")).to_be_visible()
    for name in ("Ada Lovelace", "Charles Babbage"):
        row = page.get_by_role("row").filter(has=page.get_by_role("link", name=name))
        expect(row.locator(".chip")).to_have_text(["inventor"])


def test_a_call_logged_by_hand_appears_in_the_timeline(
    signed_in_page: Page, live_server: str
) -> None:
    page = signed_in_page
    _create_contact(page, live_server, "Alan Turing", "alan@bletchley.example", "GC&CS")
    timeline = page.locator("#timeline")
    timeline.get_by_text("Log a call / meeting / message").click()
    timeline.get_by_label("Summary").fill("Coffee at the British Library")
    timeline.get_by_role("button", name="Log it").click()
    expect(page.get_by_role("status").filter(has_text="Call logged.")).to_be_visible()
    items = timeline.get_by_role("list", name="Interactions, newest first").get_by_role("listitem")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Coffee at the British Library")
    expect(timeline.get_by_text("No interactions yet.")).to_have_count(0)


def test_an_htmx_action_that_fails_shows_the_error_as_a_toast(
    signed_in_page: Page, live_server: str
) -> None:
    page = signed_in_page
    _create_contact(page, live_server, "Grace Hopper", "grace@navy.example", "Navy")
    tags = page.locator("#tags")
    # Only commas: the browser lets it through ("required" is met), the server refuses it.
    tags.get_by_label("New tag").fill(" , ")
    tags.get_by_role("button", name="Add").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a tag name.")
    expect(tags.get_by_text("No tags yet.")).to_be_visible()
    # The page is still usable: a real tag goes in.
    tags.get_by_label("New tag").fill("admiral")
    tags.get_by_role("button", name="Add").click()
    expect(tags.get_by_role("link", name="admiral")).to_be_visible()


def test_at_360_pixels_the_menu_toggle_reveals_the_navigation(
    signed_in_page: Page, live_server: str
) -> None:
    page = signed_in_page
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server + "/dashboard")
    nav = page.get_by_role("navigation", name="Main")
    contacts_link = nav.get_by_role("link", name="Contacts")
    expect(contacts_link).to_be_hidden()
    nav.get_by_role("checkbox", name="Show menu").check()
    expect(contacts_link).to_be_visible()
    contacts_link.click()
    expect(page).to_have_url(live_server + "/contacts")
    expect(page.get_by_role("heading", level=1)).to_have_text("Contacts")
    # Nothing overflows sideways at this width.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width}px wide at a 360px viewport"


def test_sign_in_with_the_keyboard_only(page: Page, live_server: str) -> None:
    create_first_account(page, live_server)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(live_server + "/login")
    # The email field has focus on arrival; Tab moves on, Enter submits.
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(OWNER_EMAIL)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(OWNER_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server + "/dashboard")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_wrong_password_is_refused_with_a_message(page: Page, live_server: str) -> None:
    create_first_account(page, live_server)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Email").fill(OWNER_EMAIL)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Email or password is incorrect.")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
