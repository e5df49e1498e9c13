"""A generic CSV as other tools write it (issue 18): snake_case and foreign headers,
lists inside cells, handles, tags, notes and dates, all imported; re-importing changes
nothing."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.fixtures.builders import create_user, login

GENERIC = (
    "full_name,given_name,family_name,emails,phones,X,Telegram,LinkedIn,Tags,Notes,"
    "Birthday,Company,job_title\n"
    'Ada Lovelace,Ada,Lovelace,"ada@engines.io; ada.l@proton.me","+44 20 7946 0018",'
    '@adalove,https://t.me/ada_l,adalovelace,"friend; math","Met at Babbage\'s salon",'
    "1985-12-10,Analytical Engines,Countess\n"
    'Charles Babbage,,,"charles@engines.io, cb@post.uk",,,,,"inventor",,,,\n'
)
GERMAN = (
    "Vorname;Nachname;E-Mail;Telefon;Firma\n"
    "Grete;Müller;grete@example.de;+49 30 1234567;ACME GmbH\n"
)


def _upload(client: TestClient, csrf: str, name: str, body: str) -> str:
    response = client.post(
        "/imports",
        data={"csrf_token": csrf},
        files={"file": (name, body.encode("utf-8"), "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client.get(response.headers["location"]).text


def _contact_id(client: TestClient, query: str) -> int:
    listing = client.get(f"/contacts?q={query}").text
    match = re.search(r'href="/contacts/([0-9]+)"', listing)
    assert match, query
    return int(match.group(1))


def test_a_generic_csv_imports_every_column_that_has_a_home(
    client: TestClient, session: Session
) -> None:
    create_user(session)
    csrf = login(client)
    summary = _upload(client, csrf, "people.csv", GENERIC)
    assert "2 rows read: 2 contacts created" in summary

    ada_id = _contact_id(client, "Lovelace")
    page = client.get(f"/contacts/{ada_id}").text
    for shown in (
        "ada@engines.io",
        "ada.l@proton.me",
        "+44 20 7946 0018",
        ">@adalove</a>",
        ">@ada_l</a>",
        "linkedin.com/in/adalovelace",
        "Analytical Engines",
        "Countess",
        "10 December 1985",
        "friend",
        "math",
        "Met at Babbage&#39;s salon",
    ):
        assert shown in page, shown

    babbage_id = _contact_id(client, "Charles")
    page = client.get(f"/contacts/{babbage_id}").text
    assert "charles@engines.io" in page
    assert "cb@post.uk" in page
    assert "inventor" in page

    notes_shown = client.get(f"/contacts/{ada_id}").text.count("Met at Babbage&#39;s salon")
    again = _upload(client, csrf, "people.csv", GENERIC)
    assert "0 contacts created" in again
    page = client.get(f"/contacts/{ada_id}").text
    assert page.count("Met at Babbage&#39;s salon") == notes_shown


def test_german_headers_and_semicolons_are_understood(client: TestClient, session: Session) -> None:
    create_user(session)
    csrf = login(client)
    summary = _upload(client, csrf, "kontakte.csv", GERMAN)
    assert "1 contacts created" in summary or "1 contact created" in summary
    listing = client.get("/contacts?q=grete").text
    assert "Grete Müller" in listing
    assert "ACME GmbH" in listing
