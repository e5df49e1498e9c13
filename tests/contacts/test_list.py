"""The contacts list page: search, filters, sort, pagination, bulk actions, isolation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pingcrm.models import (
    Contact,
    Direction,
    Organization,
    Platform,
    Priority,
    Suggestion,
    User,
)
from pingcrm.notes import service as notes
from pingcrm.scoring.service import recompute_scores
from tests.conftest import DEFAULT_NOW as NOW
from tests.fixtures.builders import create_contact, create_interaction, create_user, login

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def me(session: Session) -> User:
    return create_user(session)


@pytest.fixture
def csrf(client: TestClient, me: User) -> str:
    return login(client)


def names(html: str) -> list[str]:
    """Contact names in the order the list shows them."""
    return re.findall(r'<a href="/contacts/\d+">([^<]+)</a>', html)


@pytest.fixture
def people(session: Session, me: User) -> dict[str, Contact]:
    ada = create_contact(
        session,
        me,
        "Ada Lovelace",
        emails=["ada@analytical.io"],
        company="Analytical",
        title="Mathematician",
        telegram="@countess",
        tags=["Poet"],
        score=8,
    )
    bob = create_contact(session, me, "Bob Smith", emails=["bob@builders.com"], score=5)
    cy = create_contact(
        session, me, "Cy Young", twitter="@pitcher", score=1, priority=Priority.HIGH
    )
    notes.add_note(session, me.id, bob.id, "Owes me a book about gardening")
    session.commit()
    create_interaction(
        session,
        me,
        cy,
        platform=Platform.TELEGRAM,
        preview="Let's talk baseball tomorrow",
        occurred_at=NOW - timedelta(days=1),
    )
    create_interaction(session, me, ada, occurred_at=NOW - timedelta(days=30))
    create_interaction(session, me, ada, occurred_at=NOW - timedelta(days=40))
    return {"ada": ada, "bob": bob, "cy": cy}


SEARCHES = [
    ("lovelace", ["Ada Lovelace"]),
    ("ADA@analytical", ["Ada Lovelace"]),
    ("countess", ["Ada Lovelace"]),
    ("pitcher", ["Cy Young"]),
    ("poet", ["Ada Lovelace"]),
    ("gardening", ["Bob Smith"]),
    ("baseball", ["Cy Young"]),
    ("basebal", ["Cy Young"]),
    ("mathematician analytical", ["Ada Lovelace"]),
    ("100%", []),
    ("nobody", []),
]

FILTERS: list[tuple[dict[str, str], list[str]]] = [
    ({}, ["Ada Lovelace", "Bob Smith", "Cy Young"]),
    ({"tag": "poet"}, ["Ada Lovelace"]),
    ({"priority": "high"}, ["Cy Young"]),
    ({"tier": "strong"}, ["Ada Lovelace"]),
    ({"tier": "warm"}, ["Bob Smith"]),
    ({"tier": "cold"}, ["Cy Young"]),
    ({"platform": "telegram"}, ["Cy Young"]),
    ({"platform": "email"}, ["Ada Lovelace"]),
    ({"has_suggestion": "1"}, ["Bob Smith"]),
    ({"sort": "-name"}, ["Cy Young", "Bob Smith", "Ada Lovelace"]),
    ({"sort": "-score"}, ["Ada Lovelace", "Bob Smith", "Cy Young"]),
    ({"sort": "score"}, ["Cy Young", "Bob Smith", "Ada Lovelace"]),
    ({"sort": "-last_interaction"}, ["Cy Young", "Ada Lovelace", "Bob Smith"]),
    ({"sort": "last_interaction"}, ["Bob Smith", "Ada Lovelace", "Cy Young"]),
    ({"sort": "-interaction_count"}, ["Ada Lovelace", "Cy Young", "Bob Smith"]),
    ({"sort": "nonsense"}, ["Ada Lovelace", "Bob Smith", "Cy Young"]),
    ({"tier": "strong", "q": "ada", "sort": "-score"}, ["Ada Lovelace"]),
]


def test_search_matches_names_emails_handles_tags_notes_and_previews(
    client: TestClient, csrf: str, people: dict[str, Contact]
) -> None:
    for q, expected in SEARCHES:
        response = client.get("/contacts", params={"q": q})
        assert response.status_code == 200
        assert names(response.text) == expected, q


def test_filters_and_sorts(
    client: TestClient, session: Session, me: User, csrf: str, people: dict[str, Contact]
) -> None:
    session.add(
        Suggestion(
            user_id=me.id, contact_id=people["bob"].id, trigger="time", reason="r", channel="email"
        )
    )
    session.commit()
    for params, expected in FILTERS:
        assert names(client.get("/contacts", params=params).text) == expected, params


def test_organization_filter_and_hidden_second_tier_and_archived(
    client: TestClient, session: Session, me: User, csrf: str, people: dict[str, Contact]
) -> None:
    create_contact(session, me, "Zed Tier", is_second_tier=True)
    create_contact(session, me, "Old Friend", priority=Priority.ARCHIVED)
    org_id = people["ada"].organization_id
    assert names(client.get(f"/contacts?organization_id={org_id}").text) == ["Ada Lovelace"]
    assert "Zed Tier" not in names(client.get("/contacts").text)
    assert "Zed Tier" in names(client.get("/contacts?show_second_tier=1").text)
    assert "Old Friend" not in names(client.get("/contacts").text)
    assert "Old Friend" in names(client.get("/contacts?show_archived=1").text)
    assert names(client.get("/contacts?priority=archived").text) == ["Old Friend"]


def test_the_filter_menu_shows_the_organization_the_list_is_filtered_by(
    client: TestClient, session: Session, me: User, csrf: str
) -> None:
    # More organizations than the menu lists: one that sorts last, reached from its page.
    session.add_all(
        Organization(user_id=me.id, name=f"Firm {i:03d}", normalized_name=f"firm {i:03d}")
        for i in range(500)
    )
    zeta = Organization(user_id=me.id, name="Zeta Labs", normalized_name="zeta labs")
    session.add(zeta)
    session.commit()
    zoe = create_contact(session, me, "Zoe Zeta", company="Zeta Labs")
    zoe.organization_id = zeta.id
    session.commit()
    page = client.get(f"/contacts?organization_id={zeta.id}").text
    assert names(page) == ["Zoe Zeta"]
    assert f'<option value="{zeta.id}" selected>Zeta Labs</option>' in page
    assert "Zeta Labs</option>" not in client.get("/contacts").text


def test_pagination_and_htmx_results_block(
    client: TestClient, session: Session, me: User, csrf: str
) -> None:
    for i in range(55):
        create_contact(session, me, f"Person {i:02d}", commit=False)
    session.commit()
    first = client.get("/contacts?q=person")
    assert names(first.text)[0] == "Person 00"
    assert len(names(first.text)) == 50
    assert "55 contacts · page 1 of 2" in first.text
    assert 'href="/contacts?q=person&amp;page=2"' in first.text
    second = client.get("/contacts?q=person&page=2", headers={"HX-Request": "true"})
    assert second.text.lstrip().startswith('<section id="results"')
    assert "<html" not in second.text
    assert names(second.text) == [f"Person {i}" for i in range(50, 55)]


def test_bulk_actions_from_the_list(
    client: TestClient, session: Session, me: User, csrf: str, people: dict[str, Contact]
) -> None:
    other = create_user(session, "other@example.com")
    theirs = create_contact(session, other, "Not Mine")
    ids = [people["ada"].id, people["bob"].id, theirs.id]

    def bulk(**data: object) -> str:
        response = client.post(
            "/contacts/bulk",
            data={"csrf_token": csrf, "ids": ids, "return_to": "/contacts?sort=-score", **data},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/contacts?sort=-score"
        return client.get(response.headers["location"]).text

    assert "Tagged 2 contacts." in bulk(bulk_action="add_tag", tag="Friends")
    assert names(client.get("/contacts?tag=friends").text) == ["Ada Lovelace", "Bob Smith"]
    assert "Untagged 2 contacts." in bulk(bulk_action="remove_tag", tag="friends")
    assert names(client.get("/contacts?tag=friends").text) == []
    assert "Priority set for 2 contacts." in bulk(bulk_action="set_priority", priority="low")
    assert names(client.get("/contacts?priority=low").text) == ["Ada Lovelace", "Bob Smith"]
    assert "Archived 2 contacts." in bulk(bulk_action="archive")
    assert names(client.get("/contacts").text) == ["Cy Young"]
    assert "Deleted 2 contacts." in bulk(bulk_action="archive", delete="1")
    session.expire_all()
    remaining = session.scalars(select(Contact.full_name).order_by(Contact.full_name)).all()
    assert remaining == ["Cy Young", "Not Mine"]
    mine = session.scalars(select(Contact).where(Contact.full_name == "Not Mine")).one()
    assert mine.priority == Priority.MEDIUM
    assert mine.search_text == "not mine"


def test_list_page_has_the_controls_a_user_needs(
    client: TestClient, csrf: str, people: dict[str, Contact]
) -> None:
    html = client.get("/contacts").text
    assert 'hx-push-url="true"' in html
    assert 'hx-target="#results"' in html
    assert "data-select-all" in html
    assert html.count('name="ids"') == 3
    assert 'data-confirm="Delete the selected contacts' in html
    assert "badge tier-strong" in html


def test_every_contact_page_route_answers_404_for_another_users_contact(
    client: TestClient, session: Session, csrf: str
) -> None:
    owner = create_user(session, "owner@example.com")
    contact = create_contact(session, owner, "Private Person")
    interaction = create_interaction(session, owner, contact)
    note = notes.add_note(session, owner.id, contact.id, "secret")
    session.commit()
    cid, iid, nid = contact.id, interaction.id, note.id
    gets = [f"/contacts/{cid}", f"/contacts/{cid}/edit"]
    posts = [
        (f"/contacts/{cid}/edit", {"full_name": "Hacked"}),
        (f"/contacts/{cid}/priority", {"priority": "high"}),
        (f"/contacts/{cid}/tags", {"tag": "x"}),
        (f"/contacts/{cid}/tags/remove", {"tag": "x"}),
        (f"/contacts/{cid}/interactions", {"summary": "x"}),
        (f"/contacts/{cid}/interactions/{iid}/delete", {}),
        (f"/contacts/{cid}/notes", {"body": "x"}),
        (f"/contacts/{cid}/notes/{nid}/edit", {"body": "x"}),
        (f"/contacts/{cid}/notes/{nid}/delete", {}),
        (f"/contacts/{cid}/delete", {}),
    ]
    for url in gets:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Private Person" not in response.text
    timeline = client.get(f"/contacts/{cid}/timeline", headers={"HX-Request": "true"})
    assert timeline.status_code == 404
    for url, data in posts:
        response = client.post(url, data={"csrf_token": csrf, **data})
        assert response.status_code == 404, url
    session.expire_all()
    stored = session.get(Contact, cid)
    assert stored is not None
    assert stored.full_name == "Private Person"
    assert stored.priority == Priority.MEDIUM
    assert stored.interaction_count == 1
    assert "Private Person" not in client.get("/contacts?q=private").text


def test_a_recompute_after_new_interactions_reorders_the_list_by_score(
    client: TestClient, session: Session, me: User, csrf: str
) -> None:
    chatty = create_contact(session, me, "Chad Chatty")
    create_contact(session, me, "Quinn Quiet")
    # Conversations whose scores are left as they were (as the nightly recompute finds
    # them).
    for day in range(1, 30, 3):
        for direction in (Direction.INBOUND, Direction.OUTBOUND):
            create_interaction(
                session, me, chatty, direction=direction,
                occurred_at=NOW - timedelta(days=day), preview="See you soon", commit=False,
            )  # fmt: skip
    session.commit()
    # Equal scores: the newer contact first.
    assert names(client.get("/contacts", params={"sort": "-score"}).text) == [
        "Quinn Quiet",
        "Chad Chatty",
    ]

    result = recompute_scores(session, me.id)
    session.commit()

    assert result.contacts_changed == 1
    page = client.get("/contacts", params={"sort": "-score"}).text
    assert names(page) == ["Chad Chatty", "Quinn Quiet"]
    assert names(client.get("/contacts", params={"sort": "score"}).text) == [
        "Quinn Quiet",
        "Chad Chatty",
    ]
    assert names(client.get("/contacts", params={"tier": "strong"}).text) == ["Chad Chatty"]
    chad = client.get(f"/contacts/{chatty.id}").text
    assert re.search(r'class="badge tier-strong">(\d+) · Strong', chad)
