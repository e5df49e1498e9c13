"""The extension's push: dedup by message URN, matching by member id / slug (never by
name), the backfill list, refusals that write nothing (docs/linkedin.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import (
    Contact,
    ContactIdentifier,
    Interaction,
    Notification,
    Provider,
    SyncKind,
    SyncRun,
    User,
)
from pingcrm.scoring.service import recompute_scores
from tests.fixtures.builders import create_contact, create_user, login, stored_score
from tests.linkedin.helpers import contact, message, pair_extension

PUSH = "/api/v1/linkedin/push"


@pytest.fixture
def ada(session: Session) -> User:
    return create_user(session)


@pytest.fixture
def extension(client: TestClient, ada: User) -> dict[str, str]:
    with use_clock(FrozenClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))):
        return pair_extension(client)


def _counts(session: Session) -> dict[str, int]:
    session.expire_all()
    return {
        model.__tablename__: int(
            session.execute(select(func.count()).select_from(model)).scalar_one()
        )
        for model in (Contact, ContactIdentifier, Interaction, SyncRun, Notification)
    }


def _push(client: TestClient, headers: dict[str, str], body: Any) -> Any:
    return client.post(PUSH, json=body, headers=headers)


def test_a_push_creates_people_with_their_messages_and_a_sync_run(
    client: TestClient, session: Session, extension: dict[str, str]
) -> None:
    body = {
        "contacts": [
            contact(
                "ACoAAA1", headline="Analyst at Engines", avatar_url="https://media.licdn.com/a.jpg"
            ),
            contact("ACoAAB2", "Charles", "Babbage"),
        ],
        "messages": [
            message("ACoAAA1", 1, when="2026-11-20T10:00:00Z"),
            message("ACoAAA1", 2, direction="outbound", when="2026-11-21T10:00:00+01:00"),
            message("ACoAAB2", 3),
        ],
    }
    answer = _push(client, extension, body)
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert (data["new_contacts"], data["new_messages"], data["duplicate_messages"]) == (2, 3, 0)
    ada = session.execute(select(Contact).where(Contact.full_name == "Ada Lovelace")).scalar_one()
    assert ada.linkedin_headline == "Analyst at Engines"
    assert ada.last_interaction_at == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    assert ada.interaction_count == 2
    # The score the user sees is already that of the pushed conversation.
    assert stored_score(session, ada.id).score > 0
    assert recompute_scores(session, ada.user_id).contacts_changed == 0
    timeline = (
        session.execute(
            select(Interaction)
            .where(Interaction.contact_id == ada.id)
            .order_by(Interaction.occurred_at)
        )
        .scalars()
        .all()
    )
    assert [(i.direction.value, i.preview) for i in timeline] == [
        ("inbound", "Message 1 with ACoAAA1"),
        ("outbound", "Message 2 with ACoAAA1"),
    ]
    assert timeline[0].platform.value == "linkedin"
    run = session.execute(select(SyncRun)).scalar_one()
    assert (run.provider, run.kind, run.status.value) == (
        Provider.LINKEDIN,
        SyncKind.EXTENSION_PUSH,
        "success",
    )
    assert (run.new_interactions, run.new_contacts) == (3, 2)
    note = session.execute(select(Notification)).scalar_one()
    assert note.title == "LinkedIn sync finished"
    assert "3 new interactions" in note.body
    # Both lack title, company and avatar: the backfill asks for them, with their slugs.
    assert sorted(b["public_id"] for b in data["backfill"]) == [
        "ada-lovelace-acoaaa1",
        "charles-babbage-acoaab2",
    ]
    item = next(b for b in data["backfill"] if b["contact_id"] == ada.id)
    assert item == {
        "contact_id": ada.id,
        "member_urn": "urn:li:fsd_profile:ACoAAA1",
        "public_id": "ada-lovelace-acoaaa1",
        "profile_url": "https://www.linkedin.com/in/ada-lovelace-acoaaa1",
    }
    status = client.get("/api/v1/extension/status", headers=extension).json()["data"]
    assert (status["profiles_synced"], status["messages_synced"]) == (2, 3)
    assert status["last_sync_at"] is not None
    login(client)
    history = client.get("/settings/sync-history/linkedin")
    assert "LinkedIn sync history" in history.text
    assert "extension push" in history.text
    assert "3 new interactions · 2 new contacts" in history.text
    card = client.get("/settings/linkedin").text
    assert "data-linkedin-messages>3<" in card
    assert "data-linkedin-profiles>2<" in card


def test_a_second_push_of_the_same_messages_adds_nothing(
    client: TestClient, session: Session, extension: dict[str, str]
) -> None:
    body = {
        "contacts": [contact("ACoAAA1")],
        "messages": [message("ACoAAA1", 1), message("ACoAAA1", 2)],
    }
    assert _push(client, extension, body).json()["data"]["new_messages"] == 2
    before = _counts(session)
    again = _push(client, extension, body).json()["data"]
    assert again["new_contacts"] == 0
    assert again["new_messages"] == 0
    assert again["duplicate_messages"] == 2
    after = _counts(session)
    assert after["interactions"] == before["interactions"] == 2
    assert after["contacts"] == before["contacts"] == 1
    assert after["sync_runs"] == 2  # each push shows in Sync History
    # Only the new message of a later push is new.
    body["messages"].append(message("ACoAAA1", 3))
    assert _push(client, extension, body).json()["data"]["new_messages"] == 1


def test_namesakes_with_different_member_ids_stay_two_contacts(
    client: TestClient, session: Session, ada: User, extension: dict[str, str]
) -> None:
    create_contact(session, ada, "John Smith")  # someone from email, no LinkedIn
    body = {
        "contacts": [
            contact("ACoAAJ1", "John", "Smith", public_id="john-smith-1"),
            contact("ACoAAJ2", "John", "Smith", public_id="john-smith-2"),
        ],
        "messages": [message("ACoAAJ1", 1), message("ACoAAJ2", 2)],
    }
    data = _push(client, extension, body).json()["data"]
    assert data["new_contacts"] == 2
    johns = (
        session.execute(
            select(Contact).where(Contact.full_name == "John Smith").order_by(Contact.id)
        )
        .scalars()
        .all()
    )
    assert len(johns) == 3
    assert [j.interaction_count for j in johns] == [0, 1, 1]
    # A later push of one of them lands on the right one.
    data = _push(
        client, extension, {"contacts": [body["contacts"][1]], "messages": [message("ACoAAJ2", 3)]}
    ).json()["data"]
    assert data["new_contacts"] == 0
    session.expire_all()
    assert session.get(Contact, johns[2].id).interaction_count == 2  # type: ignore[union-attr]


def test_people_are_matched_by_member_id_then_by_profile_slug(
    client: TestClient, session: Session, ada: User, extension: dict[str, str]
) -> None:
    known = create_contact(
        session, ada, "Augusta King", linkedin="https://www.linkedin.com/in/ada-l"
    )
    body = {
        "contacts": [contact("ACoAAA1", "Ada", "Lovelace", public_id="ada-l")],
        "messages": [message("ACoAAA1", 1)],
    }
    data = _push(client, extension, body).json()["data"]
    assert (data["new_contacts"], data["updated_contacts"]) == (0, 1)
    session.expire_all()
    assert session.get(Contact, known.id).interaction_count == 1  # type: ignore[union-attr]
    # Now known by member id: a changed slug still finds them.
    body["contacts"][0]["public_id"] = "ada-lovelace-new"
    body["messages"] = [message("ACoAAA1", 2)]
    data = _push(client, extension, body).json()["data"]
    assert data["new_contacts"] == 0
    found = client.get(
        "/api/v1/linkedin/contact",
        params={"member_urn": "urn:li:fsd_profile:ACoAAA1"},
        headers=extension,
    )
    assert found.json()["data"] == {"contact_id": known.id, "full_name": "Augusta King"}
    by_slug = client.get(
        "/api/v1/linkedin/contact", params={"public_id": "ada-l"}, headers=extension
    )
    assert by_slug.json()["data"]["contact_id"] == known.id
    missing = client.get(
        "/api/v1/linkedin/contact", params={"public_id": "nobody"}, headers=extension
    )
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_a_profile_linked_by_its_member_id_keeps_the_ids_case(
    client: TestClient, session: Session, extension: dict[str, str]
) -> None:
    """Messaging links some profiles as ``/in/ACoAAB…``: that id is case-sensitive, so the
    backfill and the contact page keep it as LinkedIn wrote it (a vanity slug is
    lower-cased)."""
    member = "ACoAABxYzQrStUvW09_k"
    person = {
        "member_urn": f"urn:li:fsd_profile:{member}",
        "profile_url": f"https://www.linkedin.com/in/{member}/",
        "first_name": "Grace",
        "last_name": "Hopper",
    }
    vanity = contact("ACoAAVANITY1", "Alan", "Turing", public_id="Alan-Turing")
    data = _push(client, extension, {"contacts": [person, vanity], "messages": []}).json()["data"]
    items = {item["member_urn"]: item for item in data["backfill"]}
    grace = items[f"urn:li:fsd_profile:{member}"]
    assert grace["public_id"] == member
    assert grace["profile_url"] == f"https://www.linkedin.com/in/{member}"
    alan = items["urn:li:fsd_profile:ACoAAVANITY1"]
    assert alan["public_id"] == "alan-turing"
    login(client)
    page = client.get(f"/contacts/{grace['contact_id']}")
    assert page.status_code == 200
    assert f'href="https://www.linkedin.com/in/{member}"' in page.text
    assert member.lower() not in page.text
    # The extension finds her by that id too.
    found = client.get("/api/v1/linkedin/contact", params={"public_id": member}, headers=extension)
    assert found.json()["data"]["contact_id"] == grace["contact_id"]


def test_messages_of_a_known_member_need_no_contact_entry(
    client: TestClient, session: Session, extension: dict[str, str]
) -> None:
    _push(client, extension, {"contacts": [contact("ACoAAA1")], "messages": []})
    data = _push(client, extension, {"messages": [message("ACoAAA1", 1)]}).json()["data"]
    assert data["new_messages"] == 1


BAD_PUSHES = {
    "member urn": ({"contacts": [contact("x")], "messages": []}, "contacts.0.member_urn"),
    "not a urn": (
        {"contacts": [{**contact("ACoAAA1"), "member_urn": "ada-lovelace"}]},
        "contacts.0.member_urn",
    ),
    "message urn": (
        {
            "contacts": [contact("ACoAAA1")],
            "messages": [{**message("ACoAAA1", 1), "message_urn": "42"}],
        },
        "messages.0.message_urn",
    ),
    "direction": (
        {
            "contacts": [contact("ACoAAA1")],
            "messages": [{**message("ACoAAA1", 1), "direction": "sideways"}],
        },
        "messages.0.direction",
    ),
    "date": (
        {
            "contacts": [contact("ACoAAA1")],
            "messages": [{**message("ACoAAA1", 1), "occurred_at": "yesterday"}],
        },
        "messages.0.occurred_at",
    ),
    "naive date": (
        {
            "contacts": [contact("ACoAAA1")],
            "messages": [{**message("ACoAAA1", 1), "occurred_at": "2026-11-01T10:00:00"}],
        },
        "messages.0.occurred_at",
    ),
    "unknown member": (
        {
            "contacts": [contact("ACoAAA1")],
            "messages": [message("ACoAAA1", 1), message("ACoAAZ9", 2)],
        },
        "messages.1.member_urn",
    ),
    "profile url": (
        {"contacts": [{**contact("ACoAAA1"), "profile_url": "javascript:alert(1)"}]},
        "contacts.0.profile_url",
    ),
    "not an object": ([contact("ACoAAA1")], ""),
}


@pytest.mark.parametrize("case", sorted(BAD_PUSHES))
def test_a_malformed_push_is_refused_with_field_details_and_writes_nothing(
    case: str, client: TestClient, session: Session, extension: dict[str, str]
) -> None:
    body, field = BAD_PUSHES[case]
    before = _counts(session)
    answer = _push(client, extension, body)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "validation_error"
    assert field in [e["field"] for e in error["details"]["errors"]]
    assert _counts(session) == before


@pytest.mark.parametrize(
    ("where", "body", "headers"),
    [
        ("key", {"contacts": [{**contact("ACoAAA1"), "li_at": "AQEDAR"}]}, {}),
        (
            "value",
            {
                "contacts": [contact("ACoAAA1")],
                "messages": [{**message("ACoAAA1", 1), "text": "cookie li_at=AQED"}],
            },
            {},
        ),
        (
            "nested key",
            {"contacts": [contact("ACoAAA1")], "meta": {"cookies": {"JSESSIONID": "ajax:1"}}},
            {},
        ),
        ("header", {"contacts": [contact("ACoAAA1")]}, {"Cookie": "JSESSIONID=ajax:123"}),
        ("header name", {"contacts": [contact("ACoAAA1")]}, {"X-Li-At": "AQED"}),
    ],
)
def test_a_push_carrying_linkedin_cookies_is_refused(
    where: str,
    body: dict[str, Any],
    headers: dict[str, str],
    client: TestClient,
    session: Session,
    extension: dict[str, str],
) -> None:
    before = _counts(session)
    answer = client.post(PUSH, json=body, headers={**extension, **headers})
    assert answer.status_code == 422, where
    assert answer.json()["error"]["code"] == "cookie_refused"
    assert "li_at" in answer.json()["error"]["message"]
    assert _counts(session) == before
    client.cookies.clear()


def test_an_oversized_push_gets_413_with_the_error_shape(
    client: TestClient, session: Session, extension: dict[str, str]
) -> None:
    before = _counts(session)
    text = "x" * 19_000
    body = {
        "contacts": [contact("ACoAAA1")],
        "messages": [{**message("ACoAAA1", n), "text": text} for n in range(300)],
    }
    answer = _push(client, extension, body)
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "payload_too_large"
    assert _counts(session) == before
    # Bigger than the app's general 1 MB limit but under 5 MB: accepted.
    body["messages"] = body["messages"][:100]
    assert _push(client, extension, body).status_code == 200


def test_the_backfill_lists_at_most_10_and_skips_fetched_profiles(
    client: TestClient, session: Session, extension: dict[str, str]
) -> None:
    people = [contact(f"ACoAAP{n}", "Person", f"Number{n}") for n in range(12)]
    data = _push(client, extension, {"contacts": people, "messages": []}).json()["data"]
    assert len(data["backfill"]) == 10
    sent = [
        {"member_urn": b["member_urn"], "title": "Engineer", "company": "Acme"}
        for b in data["backfill"]
    ]
    profiles = client.post("/api/v1/linkedin/profiles", json={"profiles": sent}, headers=extension)
    assert profiles.status_code == 200, profiles.text
    assert profiles.json()["data"] == {"updated": 10, "avatars_stored": 0, "avatars_needed": []}
    data = _push(client, extension, {"contacts": people[:1], "messages": []}).json()["data"]
    left = {b["member_urn"] for b in data["backfill"]}
    assert len(left) == 2
    assert left.isdisjoint({s["member_urn"] for s in sent})


def test_profiles_never_overwrite_hand_edited_fields(
    client: TestClient, session: Session, ada: User, extension: dict[str, str]
) -> None:
    _push(client, extension, {"contacts": [contact("ACoAAA1")], "messages": []})
    person = session.execute(select(Contact)).scalar_one()
    from pingcrm.contacts import service as contacts
    from pingcrm.contacts.schemas import ContactUpdate

    contacts.update_contact(session, ada.id, person.id, ContactUpdate(title="Countess"))
    session.commit()
    body = {
        "profiles": [
            {
                "member_urn": "urn:li:fsd_profile:ACoAAA1",
                "title": "Analyst",
                "company": "Engines Ltd",
                "location": "London",
                "headline": "Poetical science",
            }
        ]
    }
    data = client.post("/api/v1/linkedin/profiles", json=body, headers=extension).json()["data"]
    assert data["updated"] == 1
    session.expire_all()
    person = session.get(Contact, person.id)
    assert person is not None
    assert (person.title, person.company, person.location, person.linkedin_headline) == (
        "Countess",
        "Engines Ltd",
        "London",
        "Poetical science",
    )
    assert person.organization_id is not None


def test_another_users_contacts_are_out_of_reach(
    client: TestClient, session: Session, extension: dict[str, str]
) -> None:
    bob = create_user(session, "bob@example.com")
    bobs = create_contact(session, bob, "Grace Hopper", linkedin="grace-h")
    assert (
        client.get(
            "/api/v1/linkedin/contact", params={"public_id": "grace-h"}, headers=extension
        ).status_code
        == 404
    )
    put = client.put(
        f"/api/v1/linkedin/avatars/{bobs.id}",
        content=b"\xff\xd8\xff",
        headers={**extension, "Content-Type": "image/jpeg"},
    )
    assert put.status_code == 404
    assert put.json()["error"]["code"] == "not_found"
    # Bob's profile cannot be changed through a member id only Bob knows.
    session.add(
        ContactIdentifier(
            user_id=bob.id,
            contact_id=bobs.id,
            kind="linkedin_id",
            value="ACoAAG1",
            display_value="ACoAAG1",
        )
    )
    session.commit()
    data = client.post(
        "/api/v1/linkedin/profiles",
        json={"profiles": [{"member_urn": "urn:li:fsd_profile:ACoAAG1", "title": "Admiral"}]},
        headers=extension,
    ).json()["data"]
    assert data["updated"] == 0
    session.expire_all()
    assert session.get(Contact, bobs.id).title is None  # type: ignore[union-attr]
    # A push naming Bob's member id makes Ada her own contact, never touches Bob's.
    _push(
        client,
        extension,
        {"contacts": [contact("ACoAAG1", "Grace", "Hopper")], "messages": [message("ACoAAG1", 1)]},
    )
    session.expire_all()
    assert session.get(Contact, bobs.id).interaction_count == 0  # type: ignore[union-attr]
