"""JSON API v1 for contacts, interactions and notes, as a script sees it."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pingcrm.models import Contact, Interaction, Note
from tests.fixtures.builders import (
    api_token,
    create_contact,
    create_interaction,
    create_user,
    login,
)


def _auth(client: TestClient, session: Session, email: str = "ada@example.com") -> dict[str, str]:
    create_user(session, email)
    return api_token(client, email)


def test_create_read_update_delete_a_contact(client: TestClient, session: Session) -> None:
    headers = _auth(client, session)
    created = client.post(
        "/api/v1/contacts",
        headers=headers,
        json={
            "full_name": "Grace Hopper",
            "emails": ["grace@navy.mil"],
            "company": "US Navy",
            "tags": ["Pioneer"],
            "twitter": "@grace",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == {"data", "meta"}
    contact = body["data"]
    assert contact["full_name"] == "Grace Hopper"
    assert contact["emails"] == ["grace@navy.mil"]
    assert contact["tags"] == ["Pioneer"]
    assert contact["organization"]["name"] == "US Navy"
    assert contact["tier"] == "cold"
    assert {
        "kind": "twitter_handle",
        "value": "grace",
        "display_value": "grace",
        "url": "https://x.com/grace",
    } in contact["identifiers"]

    cid = contact["id"]
    fetched = client.get(f"/api/v1/contacts/{cid}", headers=headers)
    assert fetched.json()["data"]["bcc_hash"] == contact["bcc_hash"]

    patched = client.patch(
        f"/api/v1/contacts/{cid}", headers=headers, json={"title": "Rear Admiral"}
    )
    assert patched.status_code == 200
    assert patched.json()["data"]["title"] == "Rear Admiral"
    assert "title" in patched.json()["data"]["edited_fields"]

    deleted = client.delete(f"/api/v1/contacts/{cid}", headers=headers)
    assert deleted.json() == {"data": {"id": cid, "deleted": True}, "meta": {}}
    gone = client.get(f"/api/v1/contacts/{cid}", headers=headers)
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "not_found"


def test_bad_input_gets_clear_errors(client: TestClient, session: Session) -> None:
    headers = _auth(client, session)
    too_long = client.post("/api/v1/contacts", headers=headers, json={"full_name": "x" * 301})
    assert too_long.status_code == 422
    bad_email = client.post(
        "/api/v1/contacts", headers=headers, json={"full_name": "A", "emails": ["nope"]}
    )
    assert bad_email.status_code == 422
    error = bad_email.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"]["field"] == "emails"
    assert "“nope” is not a valid email address." in error["message"]
    client.post(
        "/api/v1/contacts", headers=headers, json={"full_name": "Ada", "emails": ["a@x.io"]}
    )
    duplicate = client.post(
        "/api/v1/contacts", headers=headers, json={"full_name": "B", "emails": ["A@x.io"]}
    )
    assert duplicate.status_code == 409
    assert "already belongs to Ada" in duplicate.json()["error"]["message"]
    assert session.scalar(select(func.count()).select_from(Contact)) == 1


def test_list_search_sort_and_cursor_paging(client: TestClient, session: Session) -> None:
    headers = _auth(client, session)
    user = session.scalars(select(Contact.user_id)).first()
    from pingcrm.models import User

    owner = session.scalars(select(User)).one()
    del user
    for i, name in enumerate(["Cleo", "Abe", "Bea"]):
        create_contact(session, owner, name, score=i * 4)
    page1 = client.get("/api/v1/contacts?limit=2", headers=headers).json()
    assert [c["full_name"] for c in page1["data"]] == ["Abe", "Bea"]
    assert page1["meta"]["total"] == 3
    assert page1["meta"]["next_cursor"]
    page2 = client.get(
        f"/api/v1/contacts?limit=2&cursor={page1['meta']['next_cursor']}", headers=headers
    ).json()
    assert [c["full_name"] for c in page2["data"]] == ["Cleo"]
    assert page2["meta"]["next_cursor"] is None
    by_score = client.get("/api/v1/contacts?sort=-score", headers=headers).json()
    assert [c["full_name"] for c in by_score["data"]] == ["Bea", "Abe", "Cleo"]
    strong = client.get("/api/v1/contacts?tier=strong", headers=headers).json()
    assert [c["full_name"] for c in strong["data"]] == ["Bea"]
    found = client.get("/api/v1/contacts?q=cle", headers=headers).json()
    assert [c["full_name"] for c in found["data"]] == ["Cleo"]
    bad = client.get("/api/v1/contacts?sort=shoe", headers=headers)
    assert bad.status_code == 422


def test_bulk_actions_change_only_the_callers_contacts(
    client: TestClient, session: Session
) -> None:
    headers = _auth(client, session)
    from pingcrm.models import User

    me = session.scalars(select(User)).one()
    other = create_user(session, "other@example.com")
    mine = [create_contact(session, me, f"Mine {i}").id for i in range(3)]
    theirs = create_contact(session, other, "Theirs").id

    def bulk(action: str, value: str | None = None) -> int:
        response = client.post(
            "/api/v1/contacts/bulk",
            headers=headers,
            json={"ids": [*mine, theirs], "action": action, "value": value},
        )
        assert response.status_code == 200, response.text
        return int(response.json()["data"]["affected"])

    assert bulk("add_tag", "VIP") == 3
    tagged = client.get("/api/v1/contacts?tag=vip", headers=headers).json()
    assert tagged["meta"]["total"] == 3
    assert bulk("set_priority", "high") == 3
    assert (
        client.get("/api/v1/contacts?priority=high", headers=headers).json()["meta"]["total"] == 3
    )
    assert bulk("remove_tag", "vip") == 3
    assert client.get("/api/v1/contacts?tag=vip", headers=headers).json()["meta"]["total"] == 0
    assert bulk("archive") == 3
    assert client.get("/api/v1/contacts", headers=headers).json()["meta"]["total"] == 0
    assert bulk("delete") == 3
    session.expire_all()
    remaining = session.scalars(select(Contact)).all()
    assert [(c.full_name, c.priority.value, c.search_text) for c in remaining] == [
        ("Theirs", "medium", "theirs")
    ]
    wrong = client.post(
        "/api/v1/contacts/bulk",
        headers=headers,
        json={"ids": [theirs], "action": "set_priority", "value": "urgent"},
    )
    assert wrong.status_code == 422


def test_interactions_and_notes_endpoints(client: TestClient, session: Session) -> None:
    headers = _auth(client, session)
    from pingcrm.models import User

    me = session.scalars(select(User)).one()
    contact = create_contact(session, me, "Ada")
    create_interaction(
        session, me, contact, occurred_at=datetime(2026, 1, 1, tzinfo=UTC), preview="older"
    )
    logged = client.post(
        "/api/v1/interactions",
        headers=headers,
        json={
            "contact_id": contact.id,
            "kind": "meeting",
            "platform": "meeting",
            "direction": "mutual",
            "occurred_at": "2026-02-01T10:00:00+00:00",
            "summary": "Coffee at the Royal Society",
        },
    )
    assert logged.status_code == 201, logged.text
    iid = logged.json()["data"]["id"]
    timeline = client.get(f"/api/v1/contacts/{contact.id}/interactions", headers=headers).json()
    assert [i["preview"] for i in timeline["data"]] == ["Coffee at the Royal Society", "older"]
    assert timeline["meta"]["total"] == 2
    fetched = client.get(f"/api/v1/contacts/{contact.id}", headers=headers).json()["data"]
    assert fetched["interaction_count"] == 2
    assert fetched["last_interaction_at"].startswith("2026-02-01T10:00:00")

    changed = client.patch(
        f"/api/v1/interactions/{iid}", headers=headers, json={"summary": "Tea instead"}
    )
    assert changed.json()["data"]["preview"] == "Tea instead"
    naive = client.patch(
        f"/api/v1/interactions/{iid}", headers=headers, json={"occurred_at": "2026-02-01T10:00"}
    )
    assert naive.status_code == 422
    assert client.delete(f"/api/v1/interactions/{iid}", headers=headers).status_code == 200
    assert session.scalar(select(func.count()).select_from(Interaction)) == 1

    note = client.post(
        f"/api/v1/contacts/{contact.id}/notes", headers=headers, json={"body": "Likes poetry"}
    )
    assert note.status_code == 201
    nid = note.json()["data"]["id"]
    found = client.get("/api/v1/contacts?q=poetry", headers=headers).json()
    assert [c["full_name"] for c in found["data"]] == ["Ada"]
    client.patch(f"/api/v1/notes/{nid}", headers=headers, json={"body": "Likes engines"})
    notes = client.get(f"/api/v1/contacts/{contact.id}/notes", headers=headers).json()
    assert [n["body"] for n in notes["data"]] == ["Likes engines"]
    assert client.get("/api/v1/contacts?q=poetry", headers=headers).json()["meta"]["total"] == 0
    empty = client.post(f"/api/v1/contacts/{contact.id}/notes", headers=headers, json={"body": " "})
    assert empty.status_code == 422
    assert client.delete(f"/api/v1/notes/{nid}", headers=headers).status_code == 200
    assert session.scalar(select(func.count()).select_from(Note)) == 0


def test_every_route_answers_404_for_another_users_rows(
    client: TestClient, session: Session
) -> None:
    owner = create_user(session, "owner@example.com")
    contact = create_contact(session, owner, "Private Person")
    interaction = create_interaction(session, owner, contact)
    from pingcrm.notes import service as notes

    note = notes.add_note(session, owner.id, contact.id, "secret note")
    session.commit()
    headers = _auth(client, session, "intruder@example.com")
    cid, iid, nid = contact.id, interaction.id, note.id
    calls = [
        ("GET", f"/api/v1/contacts/{cid}", None),
        ("PATCH", f"/api/v1/contacts/{cid}", {"title": "x"}),
        ("DELETE", f"/api/v1/contacts/{cid}", None),
        ("GET", f"/api/v1/contacts/{cid}/interactions", None),
        ("GET", f"/api/v1/contacts/{cid}/notes", None),
        ("POST", f"/api/v1/contacts/{cid}/notes", {"body": "x"}),
        ("POST", "/api/v1/interactions", {"contact_id": cid, "summary": "x"}),
        ("PATCH", f"/api/v1/interactions/{iid}", {"summary": "x"}),
        ("DELETE", f"/api/v1/interactions/{iid}", None),
        ("PATCH", f"/api/v1/notes/{nid}", {"body": "x"}),
        ("DELETE", f"/api/v1/notes/{nid}", None),
    ]
    for method, url, body in calls:
        response = client.request(method, url, headers=headers, json=body)
        assert response.status_code == 404, (method, url, response.text)
        assert "Private" not in response.text
    listed = client.get(
        "/api/v1/contacts?show_archived=true&show_second_tier=true", headers=headers
    )
    assert listed.json()["meta"]["total"] == 0
    session.expire_all()
    assert session.get(Contact, cid) is not None
    assert session.scalar(select(func.count()).select_from(Interaction)) == 1
    assert session.get(Note, nid) is not None


def test_odd_input_never_breaks_the_server(client: TestClient, session: Session) -> None:
    headers = _auth(client, session)
    huge = 10**12
    # Ids past the column's range are refused at the schema (422, the error shape).
    out_of_range = [
        client.get(f"/api/v1/contacts/{huge}", headers=headers),
        client.get(f"/api/v1/contacts/{huge}/interactions", headers=headers),
        client.patch(f"/api/v1/notes/{huge}", headers=headers, json={"body": "x"}),
        client.delete(f"/api/v1/interactions/{huge}", headers=headers),
    ]
    assert [r.status_code for r in out_of_range] == [422, 422, 422, 422]
    assert all(r.json()["error"]["code"] == "validation_error" for r in out_of_range)
    assert client.get("/api/v1/contacts/2147483647", headers=headers).status_code == 404
    bulk = client.post(
        "/api/v1/contacts/bulk", headers=headers, json={"ids": [huge], "action": "archive"}
    )
    assert bulk.status_code == 422
    listed = client.get(f"/api/v1/contacts?organization_id={huge}", headers=headers)
    assert listed.status_code == 422
    nul = client.post(
        "/api/v1/contacts",
        headers=headers,
        json={"full_name": "Ada\u0000 Lovelace", "tags": ["a\u0000b"]},
    )
    assert nul.status_code == 201, nul.text
    assert nul.json()["data"]["full_name"] == "Ada Lovelace"
    assert nul.json()["data"]["tags"] == ["ab"]
    for q in ['"', "*", "a OR b", "NEAR(x y)", "\u0000", "ünïcödé", "%_\\"]:
        response = client.get("/api/v1/contacts", params={"q": q}, headers=headers)
        assert response.status_code == 200, q
    login(client)
    page = client.get("/contacts?page=²&organization_id=99999999999&sort=x&tier=hot&q=%00")
    assert page.status_code == 200
    assert "Ada Lovelace" in page.text
