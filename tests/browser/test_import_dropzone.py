"""The import drop zone in a real Chromium: a file dropped on it (or browsed) is
uploaded, imported in the background, and its summary appears with the progress area."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "files"


def test_dropping_a_linkedin_export_on_the_settings_drop_zone_imports_it(
    signed_in_page: Page, live_server: str
) -> None:
    from playwright.sync_api import expect

    page = signed_in_page
    page.goto(live_server + "/settings#csv-import")
    zone = page.locator("[data-dropzone]")
    expect(zone).to_contain_text("Drag a file here")
    payload = base64.b64encode((FILES / "linkedin_connections.csv").read_bytes()).decode()
    transfer = page.evaluate_handle(
        """(b64) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], "Connections.csv", { type: "text/csv" }));
            return dt;
        }""",
        payload,
    )
    zone.dispatch_event("dragover", {"dataTransfer": transfer})
    expect(zone).to_have_class("dropzone dropzone-active")
    zone.dispatch_event("drop", {"dataTransfer": transfer})

    status = page.locator(".import-status")
    expect(status).to_contain_text(
        "4 rows read: 4 contacts created, 0 updated, 0 unchanged, 0 rejected."
    )
    expect(status).to_contain_text("LinkedIn connections (CSV)")
    page.goto(live_server + "/contacts")
    expect(page.get_by_text("Grace Hopper")).to_be_visible()


def test_browsing_for_a_broken_file_shows_the_rejected_rows_download(
    signed_in_page: Page, live_server: str
) -> None:
    from playwright.sync_api import expect

    page = signed_in_page
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(live_server + "/imports")
    page.get_by_label("File to import").set_input_files(str(FILES / "broken_ragged.csv"))
    status = page.locator(".import-status")
    expect(status).to_contain_text("3 contacts created")
    link = page.get_by_role("link", name="Download the 2 rejected rows (CSV)")
    expect(link).to_be_visible()
    with page.expect_download() as download_info:
        link.click()
    content = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert "has 7 fields but the header has 3" in content


def test_a_file_that_is_not_contacts_is_refused_next_to_the_drop_zone(
    signed_in_page: Page, live_server: str
) -> None:
    from playwright.sync_api import expect

    page = signed_in_page
    page.goto(live_server + "/imports")
    page.get_by_label("File to import").set_input_files(str(FILES / "broken_binary.csv"))
    expect(page.get_by_role("alert")).to_contain_text("This is a binary file")
    expect(page.get_by_role("alert")).to_contain_text("Accepted formats")
    expect(page).to_have_url(live_server + "/imports")
