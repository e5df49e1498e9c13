"""The column-mapping step in a real Chromium (issue 18): an odd CSV shows each column
with a field to choose and its first rows; a bad choice is explained; the import then
runs with the chosen fields, and the next file with the same header imports at once."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

HEADER = "Kontakt;Adresse électronique;Handynummer;Arbeitgeber;Intern\n"
PEOPLE = [
    ("Ada Lovelace", "ada@engines.io, ada.l@proton.me", "+44 20 7946 0018", "Analytical Engines"),
    ("Charles Babbage", "charles@engines.io", "", "Difference Ltd"),
    ("Mary Somerville", "mary@oxford.example", "", "Royal Society"),
    ("Michael Faraday", "michael@ri.example", "+44 20 7409 2992", "Royal Institution"),
    ("Caroline Herschel", "caroline@slough.example", "", "Observatory"),
    ("John Herschel", "john@slough.example", "", "Observatory"),
    ("Augustus De Morgan", "augustus@ucl.example", "", "UCL"),
]
ODD = HEADER + "".join(f"{n};{e};{p};{c};internal-{i}\n" for i, (n, e, p, c) in enumerate(PEOPLE))
AGAIN = "kontakt ; Adresse  électronique;HANDYNUMMER;arbeitgeber;intern\n" + (
    "Grace Hopper;grace@navy.example;+1 202 555 0143;US Navy;internal-9\n"
)


def _file(name: str, body: str) -> dict[str, object]:
    return {"name": name, "mimeType": "text/csv", "buffer": body.encode("utf-8")}


def test_an_odd_csv_is_mapped_by_hand_then_the_same_header_imports_directly(
    signed_in_page: Page, live_server: str
) -> None:
    from playwright.sync_api import expect

    page = signed_in_page
    page.goto(live_server + "/contacts")
    page.get_by_role("link", name="Import", exact=True).first.click()
    expect(page).to_have_url(live_server + "/imports")
    page.get_by_label("File to import").set_input_files(_file("scientists.csv", ODD))  # type: ignore[arg-type]

    expect(page).to_have_url(re.compile(r"/imports/[0-9]+/mapping$"))
    expect(page.get_by_role("heading", name="Choose the columns")).to_be_visible()
    preview = page.get_by_role("table", name="First rows of the file")
    expect(preview.locator("tbody tr")).to_have_count(5)
    expect(preview).to_contain_text("ada@engines.io, ada.l@proton.me")
    expect(preview).to_contain_text("Caroline Herschel")
    expect(preview).not_to_contain_text("Augustus De Morgan")  # the 7th row: not previewed
    expect(page.get_by_text("not recognised")).to_have_count(5)

    page.get_by_label("Kontakt").select_option(label="Full name")
    page.get_by_label("Arbeitgeber").select_option(label="Full name")
    page.get_by_role("button", name="Import with these columns").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "“Kontakt” and “Arbeitgeber” are both mapped to Full name"
    )
    # The choices survive the error.
    expect(page.get_by_label("Kontakt")).to_have_value("name")

    page.get_by_label("Adresse électronique").select_option(label="Email (one or a list)")
    page.get_by_label("Handynummer").select_option(label="Phone (one or a list)")
    page.get_by_label("Arbeitgeber").select_option(label="Company")
    expect(page.get_by_label("Intern")).to_have_value("ignore")
    page.get_by_role("button", name="Import with these columns").click()

    status = page.locator(".import-status")
    expect(status).to_contain_text(
        "7 rows read: 7 contacts created, 0 updated, 0 unchanged, 0 rejected."
    )
    expect(status).to_contain_text("Ignored column: Intern.")
    page.get_by_role("link", name="See your contacts").click()
    expect(page.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    expect(page.get_by_role("link", name="Augustus De Morgan")).to_be_visible()
    page.get_by_role("link", name="Ada Lovelace").click()
    expect(page.get_by_text("ada.l@proton.me")).to_be_visible()
    expect(page.get_by_text("Analytical Engines").first).to_be_visible()
    expect(page.get_by_text("internal-0")).to_have_count(0)

    # The same header (written differently) from the Settings drop zone: no question.
    page.goto(live_server + "/settings/csv-import")
    page.get_by_label("File to import").set_input_files(_file("more.csv", AGAIN))  # type: ignore[arg-type]
    status = page.locator(".import-status")
    expect(status).to_contain_text("1 rows read: 1 contacts created")
    expect(status).to_contain_text("mapping you chose before")
    expect(page).to_have_url(live_server + "/settings/csv-import")
    page.goto(live_server + "/contacts")
    expect(page.get_by_role("link", name="Grace Hopper")).to_be_visible()

    # "Let me choose the columns" asks again, starting from the saved choice.
    page.goto(live_server + "/imports")
    page.get_by_label("Let me choose the columns").check()
    page.get_by_label("File to import").set_input_files(_file("again.csv", AGAIN))  # type: ignore[arg-type]
    expect(page).to_have_url(re.compile(r"/imports/[0-9]+/mapping$"))
    expect(page.get_by_label("Arbeitgeber")).to_have_value("company")
    page.get_by_role("button", name="Cancel and delete the file").click()
    expect(page).to_have_url(live_server + "/imports")
    expect(page.get_by_text("Cancelled before the import started.")).to_be_visible()
