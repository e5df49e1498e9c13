"""A list counts at most a cap of matches (a search, or the plain list of a large book):
past it the API says ``total_capped`` and the page says "N+ contacts", and paging still
reaches every match; rare words and shorter lists keep their exact count. (The cap is
lowered so a small book can cross it.)"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from pingcrm.contacts import repository
from tests.fixtures.builders import api_token, create_contact, create_user, login


@pytest.fixture
def book(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repository, "SEARCH_COUNT_CAP", 5)
    monkeypatch.setattr(repository, "LIST_COUNT_CAP", 5)
    owner = create_user(session, "ada@example.com")
    for i in range(12):
        create_contact(session, owner, f"Person{i:02d} Common", commit=False)
    for i in range(3):
        create_contact(session, owner, f"Rare{i} Unusual", commit=False)
    session.commit()


def test_a_broad_search_reports_a_capped_total_and_pages_to_the_end(
    client: TestClient, book: None
) -> None:
    headers = api_token(client, "ada@example.com")
    first = client.get("/api/v1/contacts?q=common&limit=4", headers=headers).json()

    assert first["meta"]["total"] == 5
    assert first["meta"]["total_capped"] is True
    assert first["meta"]["pages"] == 2  # at least the next one
    names: list[str] = [c["full_name"] for c in first["data"]]
    cursor = first["meta"]["next_cursor"]
    while cursor:
        body = client.get(
            f"/api/v1/contacts?q=common&limit=4&cursor={cursor}", headers=headers
        ).json()
        names += [c["full_name"] for c in body["data"]]
        cursor = body["meta"]["next_cursor"]
    assert names == [f"Person{i:02d} Common" for i in range(12)]


def test_rare_words_and_short_lists_keep_an_exact_total(client: TestClient, book: None) -> None:
    headers = api_token(client, "ada@example.com")
    rare = client.get("/api/v1/contacts?q=unusual&limit=2", headers=headers).json()
    tagged = client.get("/api/v1/contacts?q=rare&limit=1", headers=headers).json()
    everyone = client.get("/api/v1/contacts?limit=20", headers=headers).json()

    assert (rare["meta"]["total"], rare["meta"]["total_capped"]) == (3, False)
    assert rare["meta"]["pages"] == 2
    assert (tagged["meta"]["total"], tagged["meta"]["pages"]) == (3, 3)
    assert (everyone["meta"]["total"], everyone["meta"]["total_capped"]) == (15, False)


def test_a_plain_list_past_the_cap_reports_a_capped_total_and_pages_to_the_end(
    client: TestClient, book: None
) -> None:
    headers = api_token(client, "ada@example.com")
    first = client.get("/api/v1/contacts?limit=4", headers=headers).json()

    assert (first["meta"]["total"], first["meta"]["total_capped"]) == (5, True)
    names: list[str] = [c["full_name"] for c in first["data"]]
    cursor = first["meta"]["next_cursor"]
    while cursor:
        body = client.get(f"/api/v1/contacts?limit=4&cursor={cursor}", headers=headers).json()
        names += [c["full_name"] for c in body["data"]]
        cursor = body["meta"]["next_cursor"]
    assert len(names) == 15
    assert names == sorted(names, key=str.lower)


def test_the_page_says_n_plus_contacts_for_a_capped_search(
    client: TestClient, book: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pingcrm.web.ui.contacts import list as contacts_list

    monkeypatch.setattr(contacts_list, "PAGE_SIZE", 4)
    login(client, "ada@example.com")

    broad = client.get("/contacts?q=common")
    rare = client.get("/contacts?q=unusual")

    assert broad.status_code == 200
    assert "5+ contacts · page 1 of 2+" in broad.text
    assert 'rel="next"' in broad.text
    assert "3 contacts" in rare.text
    assert "+ contacts" not in rare.text


def test_a_search_stops_counting_sooner_than_the_plain_list(
    client: TestClient, book: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search is counted up to its own, lower cap ("1,000+"; here 3+) while the plain
    list keeps counting up to the list's ("10,000+"; here all 15)."""
    monkeypatch.setattr(repository, "SEARCH_COUNT_CAP", 3)
    monkeypatch.setattr(repository, "LIST_COUNT_CAP", 20)
    headers = api_token(client, "ada@example.com")

    search = client.get("/api/v1/contacts?q=common&limit=4", headers=headers).json()
    everyone = client.get("/api/v1/contacts?limit=4", headers=headers).json()
    rare = client.get("/api/v1/contacts?q=unusual&limit=2", headers=headers).json()

    assert (search["meta"]["total"], search["meta"]["total_capped"]) == (3, True)
    assert (everyone["meta"]["total"], everyone["meta"]["total_capped"]) == (15, False)
    assert (rare["meta"]["total"], rare["meta"]["total_capped"]) == (3, False)


def test_every_page_of_a_narrow_search_reports_the_same_total(
    client: TestClient, book: None
) -> None:
    """The first pages count the matches while sorting them; a page past the end or one
    reached by cursor counts them apart: the same total on each."""
    headers = api_token(client, "ada@example.com")
    pages = [
        client.get(f"/api/v1/contacts?q=rare&limit=1&page={n}", headers=headers).json()
        for n in (1, 2, 3, 4)
    ]
    second = client.get(
        f"/api/v1/contacts?q=rare&limit=1&cursor={pages[0]['meta']['next_cursor']}",
        headers=headers,
    ).json()

    assert [p["meta"]["total"] for p in [*pages, second]] == [3, 3, 3, 3, 3]
    assert [len(p["data"]) for p in pages] == [1, 1, 1, 0]
    assert second["data"] == pages[1]["data"]


def test_the_openapi_list_envelope_documents_the_capped_total(client: TestClient) -> None:
    schema = client.get("/openapi.json")
    meta = schema.json()["components"]["schemas"]["ListMeta"]["properties"]
    assert meta["total_capped"]["type"] == "boolean"
    assert "lower bound" in meta["total"]["description"]
