"""Organizations: list with aggregates (search, sort, pages), detail with people, merge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import Contact, Organization, User
from tests.fixtures.builders import api_token, create_contact, create_user, login

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _person(
    session: Session,
    user: User,
    name: str,
    company: str,
    *,
    score: int = 0,
    interactions: int = 0,
    title: str | None = None,
    last: datetime | None = None,
) -> Contact:
    contact = create_contact(session, user, name, company=company, title=title, score=score)
    contact.interaction_count = interactions
    contact.last_interaction_at = last
    session.commit()
    return contact


def _org_id(session: Session, user: User, name: str) -> int:
    return session.scalars(
        select(Organization.id).where(Organization.user_id == user.id, Organization.name == name)
    ).one()


@pytest.fixture
def network(session: Session) -> User:
    """Acme (2 people), Globex (3 people), Initech (1 person), for ada; Acme for eve."""
    ada = create_user(session)
    _person(
        session,
        ada,
        "Alice Archer",
        "Acme",
        score=8,
        interactions=10,
        title="CTO",
        last=NOW - timedelta(days=2),
    )
    _person(session, ada, "Bob Brown", "Acme", score=4, interactions=5)
    _person(session, ada, "Carol Chen", "Globex", score=2, interactions=1)
    _person(session, ada, "Dan Dorsey", "Globex", score=2, interactions=1)
    _person(session, ada, "Erin Ellis", "Globex", score=3, interactions=2)
    _person(session, ada, "Fay Fox", "Initech", score=9, interactions=40)
    eve = create_user(session, "eve@example.com")
    _person(session, eve, "Secret Sam", "Acme", score=10, interactions=99)
    return ada


def test_list_shows_counts_and_average_scores(
    client: TestClient, session: Session, network: User
) -> None:
    login(client)
    page = client.get("/organizations")
    assert page.status_code == 200
    text = page.text
    assert text.index(">Acme</a>") < text.index(">Globex</a>") < text.index(">Initech</a>")
    acme_row = text[text.index(">Acme</a>") : text.index("</tr>", text.index(">Acme</a>"))]
    assert "<td>2</td>" in acme_row
    assert '<td class="hide-sm">15</td>' in acme_row
    assert "<td>6.0</td>" in acme_row
    globex_row = text[text.index(">Globex</a>") : text.index("</tr>", text.index(">Globex</a>"))]
    assert "<td>3</td>" in globex_row
    assert "<td>2.3</td>" in globex_row
    assert "Secret Sam" not in text
    assert "3 organizations" in text


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Acme", "Globex", "Initech"]),
        ("-name", ["Initech", "Globex", "Acme"]),
        ("-contacts", ["Globex", "Acme", "Initech"]),
        ("-interactions", ["Initech", "Acme", "Globex"]),
        ("-score", ["Initech", "Acme", "Globex"]),
        ("score", ["Globex", "Acme", "Initech"]),
    ],
)
def test_api_sorts(
    client: TestClient, session: Session, network: User, sort: str, expected: list[str]
) -> None:
    headers = api_token(client)
    response = client.get(f"/api/v1/organizations?sort={sort}", headers=headers)
    assert response.status_code == 200
    assert [o["name"] for o in response.json()["data"]] == expected


def test_api_search_and_pagination(client: TestClient, session: Session, network: User) -> None:
    headers = api_token(client)
    found = client.get("/api/v1/organizations?q=glob", headers=headers).json()
    assert [o["name"] for o in found["data"]] == ["Globex"]
    assert found["data"][0] == {
        "id": found["data"][0]["id"],
        "name": "Globex",
        "domain": None,
        "contact_count": 3,
        "interaction_count": 4,
        "average_score": 2.3,
    }
    first = client.get("/api/v1/organizations?limit=2", headers=headers).json()
    assert [o["name"] for o in first["data"]] == ["Acme", "Globex"]
    assert first["meta"]["total"] == 3
    rest = client.get(
        f"/api/v1/organizations?limit=2&cursor={first['meta']['next_cursor']}", headers=headers
    ).json()
    assert [o["name"] for o in rest["data"]] == ["Initech"]
    assert rest["meta"]["next_cursor"] is None
    bad = client.get("/api/v1/organizations?sort=height", headers=headers)
    assert bad.status_code == 422


def test_page_search_with_htmx_returns_only_the_results(
    client: TestClient, session: Session, network: User
) -> None:
    login(client)
    response = client.get("/organizations?q=ini", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert ">Initech</a>" in response.text
    assert ">Acme</a>" not in response.text
    assert "No organization matches “zzz”." in client.get("/organizations?q=zzz").text


def test_page_sort_by_contacts_and_pages(client: TestClient, session: Session) -> None:
    ada = create_user(session)
    for index in range(55):
        session.add(
            Organization(
                user_id=ada.id, name=f"Org {index:02d}", normalized_name=f"org {index:02d}"
            )
        )
    session.commit()
    _person(session, ada, "Zed Zane", "Org 54", score=5)
    login(client)
    by_contacts = client.get("/organizations?sort=-contacts").text
    assert by_contacts.index(">Org 54</a>") < by_contacts.index(">Org 00</a>")
    first = client.get("/organizations").text
    assert "Page 1 of 2" in first
    assert ">Org 54</a>" not in first
    assert ">Org 54</a>" in client.get("/organizations?page=2").text


def test_detail_lists_people_and_links_to_them(
    client: TestClient, session: Session, network: User
) -> None:
    acme = _org_id(session, network, "Acme")
    alice = session.scalars(select(Contact).where(Contact.full_name == "Alice Archer")).one()
    login(client)
    with use_clock(FrozenClock(NOW)):
        page = client.get(f"/organizations/{acme}")
    assert page.status_code == 200
    assert f'<a href="/contacts/{alice.id}">Alice Archer</a>' in page.text
    assert "CTO" in page.text
    assert "2 days ago" in page.text
    assert "Bob Brown" in page.text
    assert "Never" in page.text
    assert "Carol Chen" not in page.text
    headers = api_token(client)
    data = client.get(f"/api/v1/organizations/{acme}", headers=headers).json()
    assert data["data"]["contact_count"] == 2
    assert [p["full_name"] for p in data["data"]["people"]] == ["Alice Archer", "Bob Brown"]
    assert data["data"]["people"][0]["title"] == "CTO"
    assert data["meta"]["people"]["total"] == 2


def test_merge_moves_contacts_and_deletes_the_other(
    client: TestClient, session: Session, network: User
) -> None:
    acme, globex = _org_id(session, network, "Acme"), _org_id(session, network, "Globex")
    token = login(client)
    search = client.get(
        f"/organizations/{acme}?merge_q=glo", headers={"HX-Request": "true", "HX-Target": "merge"}
    )
    assert "<html" not in search.text
    assert f'name="other_id" value="{globex}"' in search.text
    assert "Merge into Acme" in search.text
    response = client.post(
        f"/organizations/{acme}/merge", data={"other_id": str(globex), "csrf_token": token}
    )
    assert response.status_code == 200
    assert "Merged Globex into Acme: 3 contacts moved." in response.text
    assert "Carol Chen" in response.text
    session.expire_all()
    assert session.get(Organization, globex) is None
    people = session.scalars(
        select(Contact.full_name).where(Contact.organization_id == acme).order_by(Contact.sort_name)
    ).all()
    assert people == ["Alice Archer", "Bob Brown", "Carol Chen", "Dan Dorsey", "Erin Ellis"]
    listing = client.get("/organizations").text
    assert ">Globex</a>" not in listing


def test_merge_refusals(client: TestClient, session: Session, network: User) -> None:
    acme = _org_id(session, network, "Acme")
    eve = session.scalars(select(User).where(User.email == "eve@example.com")).one()
    eves_acme = _org_id(session, eve, "Acme")
    token = login(client)
    itself = client.post(
        f"/organizations/{acme}/merge",
        data={"other_id": str(acme), "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert itself.status_code == 422
    assert "An organization cannot be merged with itself" in itself.text
    theirs = client.post(
        f"/organizations/{acme}/merge",
        data={"other_id": str(eves_acme), "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert theirs.status_code == 404
    assert "The organization to merge does not exist among your organizations." in theirs.text
    headers = api_token(client)
    api_self = client.post(
        f"/api/v1/organizations/{acme}/merge", json={"other_id": acme}, headers=headers
    )
    assert api_self.status_code == 422
    assert api_self.json()["error"]["details"]["field"] == "other_id"
    api_theirs = client.post(
        f"/api/v1/organizations/{acme}/merge", json={"other_id": eves_acme}, headers=headers
    )
    assert api_theirs.status_code == 404
    # Merging into someone else's organization is just as unknown.
    api_into_theirs = client.post(
        f"/api/v1/organizations/{eves_acme}/merge", json={"other_id": acme}, headers=headers
    )
    assert api_into_theirs.status_code == 404
    session.expire_all()
    assert session.get(Organization, eves_acme) is not None
    assert session.get(Organization, acme) is not None
    assert session.scalars(
        select(Contact.organization_id).where(Contact.user_id == eve.id)
    ).all() == [eves_acme]


def test_another_users_organization_is_not_found(
    client: TestClient, session: Session, network: User
) -> None:
    eve = session.scalars(select(User).where(User.email == "eve@example.com")).one()
    eves_acme = _org_id(session, eve, "Acme")
    headers = api_token(client)
    assert client.get(f"/api/v1/organizations/{eves_acme}", headers=headers).status_code == 404
    token = login(client)
    page = client.get(f"/organizations/{eves_acme}")
    assert page.status_code == 404
    assert "Secret Sam" not in page.text
    ada_acme = _org_id(session, network, "Acme")
    merge_into_theirs = client.post(
        f"/organizations/{eves_acme}/merge", data={"other_id": str(ada_acme), "csrf_token": token}
    )
    assert merge_into_theirs.status_code == 404
    assert "This organization does not exist." in merge_into_theirs.text
    search = client.get(f"/organizations/{ada_acme}?merge_q=acme").text
    assert f'name="other_id" value="{eves_acme}"' not in search


def test_empty_list(client: TestClient, session: Session) -> None:
    create_user(session)
    login(client)
    assert "No organizations yet." in client.get("/organizations").text
