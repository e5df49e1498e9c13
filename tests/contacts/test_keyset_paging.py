"""API paging by keyset: following ``next_cursor`` walks every contact once, in order,
for each sort (ties and contacts never talked to included), and a cursor is a position
in the sort order, not an offset."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from pingcrm.models import Contact
from tests.fixtures.builders import api_token, create_contact, create_user

SORTS = [
    "name",
    "-name",
    "score",
    "-score",
    "last_interaction",
    "-last_interaction",
    "interaction_count",
    "-interaction_count",
]


def _book(session: Session) -> None:
    owner = create_user(session, "ada@example.com")
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(23):
        # Names, scores and dates repeat (ties broken by id); every third never talked to.
        contact = create_contact(session, owner, f"Person {i % 5}", score=i % 4, commit=False)
        last = None if i % 3 == 0 else base + timedelta(days=i % 7)
        session.execute(
            update(Contact)
            .where(Contact.id == contact.id)
            .values(last_interaction_at=last, interaction_count=i % 6)
        )
    session.commit()


def _walk(client: TestClient, headers: dict[str, str], sort: str) -> tuple[list[int], list[int]]:
    ids: list[int] = []
    pages: list[int] = []
    url = f"/api/v1/contacts?limit=4&sort={sort}"
    while url:
        body = client.get(url, headers=headers).json()
        ids += [c["id"] for c in body["data"]]
        pages.append(body["meta"]["page"])
        cursor = body["meta"]["next_cursor"]
        url = f"/api/v1/contacts?limit=4&sort={sort}&cursor={cursor}" if cursor else ""
    return ids, pages


@pytest.mark.parametrize("sort", SORTS)
def test_following_the_cursor_lists_every_contact_once_in_the_sort_order(
    client: TestClient, session: Session, sort: str
) -> None:
    _book(session)
    headers = api_token(client, "ada@example.com")
    everyone = client.get(f"/api/v1/contacts?limit=200&sort={sort}", headers=headers).json()
    expected = [c["id"] for c in everyone["data"]]
    assert len(expected) == 23

    walked, pages = _walk(client, headers, sort)

    assert walked == expected
    assert pages == [1, 2, 3, 4, 5, 6]


def test_the_cursor_is_a_position_so_new_contacts_before_it_do_not_shift_the_next_page(
    client: TestClient, session: Session
) -> None:
    owner = create_user(session, "ada@example.com")
    for name in ["Cy", "Di", "Ed", "Flo"]:
        create_contact(session, owner, name)
    headers = api_token(client, "ada@example.com")
    first = client.get("/api/v1/contacts?limit=2", headers=headers).json()
    assert [c["full_name"] for c in first["data"]] == ["Cy", "Di"]
    cursor = first["meta"]["next_cursor"]
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    assert raw.startswith("k:")
    assert json.loads(raw[2:])["v"][0] == "di"

    create_contact(session, owner, "Abe")  # sorts before the cursor: an offset would repeat Di

    second = client.get(f"/api/v1/contacts?limit=2&cursor={cursor}", headers=headers).json()
    assert [c["full_name"] for c in second["data"]] == ["Ed", "Flo"]


def test_a_cursor_of_another_sort_or_a_forged_one_is_refused(
    client: TestClient, session: Session
) -> None:
    owner = create_user(session, "ada@example.com")
    for name in ["Cy", "Di", "Ed"]:
        create_contact(session, owner, name)
    headers = api_token(client, "ada@example.com")
    cursor = client.get("/api/v1/contacts?limit=2", headers=headers).json()["meta"]["next_cursor"]

    other_sort = client.get(
        f"/api/v1/contacts?limit=2&sort=-score&cursor={cursor}", headers=headers
    )
    forged_raw = 'k:{"s":"name","v":[{"a":1},3],"p":2}'
    forged = base64.urlsafe_b64encode(forged_raw.encode()).decode().rstrip("=")
    tampered = client.get(f"/api/v1/contacts?limit=2&cursor={forged}", headers=headers)

    assert other_sort.status_code == 422
    assert other_sort.json()["error"]["details"] == {"field": "cursor"}
    assert "sorted differently" in other_sort.json()["error"]["message"]
    assert tampered.status_code == 422
    assert tampered.json()["error"]["details"] == {"field": "cursor"}
