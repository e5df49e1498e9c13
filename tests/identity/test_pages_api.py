"""The duplicates pages and API as a signed-in user uses them."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pingcrm.identity import service
from pingcrm.models import Contact, IdentityMatch, MatchStatus, User
from tests.fixtures.builders import api_token, create_contact, create_user, login


def queued_pair(session: Session, user: User) -> tuple[Contact, Contact, int]:
    robert = create_contact(session, user, "Robert Smith", ["robert@acme.io"], company="Acme")
    bob = create_contact(
        session, user, "Bob Smith", linkedin="bob-smith-1a2b3c4", company="Acme", title="CTO"
    )
    low, high = sorted((robert.id, bob.id))
    match = IdentityMatch(
        user_id=user.id, contact_a_id=low, contact_b_id=high, score=0.97, tier=2,
        signals={"matched": {"name": 0.95, "company": 1.0}, "guards": []},
    )  # fmt: skip
    session.add(match)
    session.commit()
    return robert, bob, match.id


def test_queue_shows_both_records_side_by_side_with_differences_and_shortcuts(
    client: TestClient, session: Session
) -> None:
    user = create_user(session)
    queued_pair(session, user)
    login(client)
    html = client.get("/identity").text
    assert "Robert Smith" in html
    assert "Bob Smith" in html
    assert "Similar name" in html
    assert "Same company" in html
    assert re.search(r'<tr class="differs">\s*<th scope="row">Name', html)
    assert re.search(r'<tr class="">\s*<th scope="row">Company', html)
    assert 'data-shortcut="m"' in html
    assert "<kbd>m</kbd> Merge" in html
    assert "1 waiting for review" in html


def test_merge_from_the_queue_then_undo_from_the_contact_page(
    client: TestClient, session: Session
) -> None:
    user = create_user(session)
    robert, bob, match_id = queued_pair(session, user)
    ids = (robert.id, bob.id)
    token = login(client)
    response = client.post(
        f"/identity/pairs/{match_id}/merge", data={"csrf_token": token, "back": "/identity"}
    )
    assert response.status_code == 200
    assert "Merged." in response.text
    assert "No duplicates to review." in response.text
    session.expire_all()
    [survivor] = [i for i in ids if session.get(Contact, i) is not None]
    card = client.get(f"/contacts/{survivor}/duplicates").text
    assert "Merged from" in card
    assert "Undo merge" in card
    [merge] = service.merge_history(session, user.id)
    page = client.post(
        f"/identity/merges/{merge.id}/undo",
        data={"csrf_token": token, "back": f"/contacts/{survivor}"},
    )
    assert page.status_code == 200
    assert "is a separate contact again" in page.text
    session.expire_all()
    assert sorted(session.scalars(select(Contact.full_name))) == ["Bob Smith", "Robert Smith"]
    history = client.get("/identity/merges").text
    assert "Undone" in history


def test_not_the_same_is_remembered(client: TestClient, session: Session) -> None:
    user = create_user(session)
    _, _, match_id = queued_pair(session, user)
    token = login(client)
    page = client.post(f"/identity/pairs/{match_id}/reject", data={"csrf_token": token})
    assert "will not be proposed again" in page.text
    session.expire_all()
    match = session.get(IdentityMatch, match_id)
    assert match is not None
    assert match.status is MatchStatus.REJECTED


def test_scan_now_runs_and_shows_in_the_history(client: TestClient, session: Session) -> None:
    user = create_user(session)
    create_contact(session, user, "Robert Smith", ["robert@acme.io"], company="Acme")
    create_contact(session, user, "Bob Smith", linkedin="bob-smith-1a2b3c4", company="Acme")
    token = login(client)
    page = client.post("/identity/scan", data={"csrf_token": token})
    assert "Scan started" in page.text
    html = client.get("/identity").text
    assert "1 probable" in html  # the scan history row
    assert "1 waiting for review" in html


def test_api_pairs_decisions_merges_undo_and_bad_input(
    client: TestClient, session: Session
) -> None:
    user = create_user(session)
    robert, bob, match_id = queued_pair(session, user)
    robert_id, bob_id = robert.id, bob.id
    headers = api_token(client)
    pairs = client.get("/api/v1/identity/pairs", headers=headers).json()["data"]
    assert [p["id"] for p in pairs] == [match_id]
    assert sorted(c["name"] for c in pairs[0]["contacts"]) == ["Bob Smith", "Robert Smith"]

    same = client.post(
        "/api/v1/identity/merges", json={"contact_id": robert_id, "other_id": robert_id},
        headers=headers,
    )  # fmt: skip
    assert same.status_code == 422
    assert "itself" in same.json()["error"]["message"]
    unknown = client.post(
        "/api/v1/identity/merges", json={"contact_id": robert_id, "other_id": 987654},
        headers=headers,
    )  # fmt: skip
    assert unknown.status_code == 404

    merged = client.post(f"/api/v1/identity/pairs/{match_id}/merge", headers=headers)
    assert merged.status_code == 200, merged.text
    merge = merged.json()["data"]["merge"]
    absorbed = merge["absorbed_contact_id"]
    again = client.post(
        "/api/v1/identity/merges", json={"contact_id": merge["survivor_id"], "other_id": absorbed},
        headers=headers,
    )  # fmt: skip
    assert again.status_code == 409
    assert "already merged" in again.json()["error"]["message"]

    undone = client.post(f"/api/v1/identity/merges/{merge['id']}/undo", headers=headers)
    assert undone.status_code == 200
    assert undone.json()["data"]["can_undo"] is False
    twice = client.post(f"/api/v1/identity/merges/{merge['id']}/undo", headers=headers)
    assert twice.status_code == 409
    session.expire_all()
    assert set(session.scalars(select(Contact.id))) == {robert_id, bob_id}

    settings = client.put(
        "/api/v1/identity/settings", json={"auto_merge_probable": True}, headers=headers
    )
    assert settings.json()["data"] == {"auto_merge_probable": True}


def test_settings_section_opts_in_to_auto_merge_off_by_default(
    client: TestClient, session: Session
) -> None:
    user = create_user(session)
    token = login(client)
    settings_page = client.get("/settings/duplicates").text
    assert 'id="duplicates"' in settings_page
    assert 'href="/settings/duplicates"' in settings_page
    form = client.get("/identity/settings").text
    assert 'name="auto_merge"' in form
    assert "checked" not in form
    saved = client.post(
        "/identity/settings",
        data={"csrf_token": token, "auto_merge": "on", "back": "/settings#duplicates"},
    )
    assert "will now merge themselves" in saved.text
    assert service.auto_merge_enabled(session, user.id) is True
    assert "checked" in client.get("/identity/settings").text


def test_a_pair_with_conflicting_identifiers_is_flagged_on_the_card_and_the_api(
    client: TestClient, session: Session
) -> None:
    user = create_user(session)
    one = create_contact(session, user, "John Smith", linkedin="john-smith-1", company="Acme")
    two = create_contact(session, user, "John Smith", linkedin="jsmith-sales", company="Acme")
    one_id, two_id = one.id, two.id
    low, high = sorted((one_id, two_id))
    session.add(
        IdentityMatch(
            user_id=user.id, contact_a_id=low, contact_b_id=high, score=0.9999, tier=2,
            signals={"matched": {"name": 1.0, "company": 1.0}, "guards": []},
        )
    )  # fmt: skip
    session.commit()
    login(client)
    html = client.get("/identity").text
    assert "Look before merging:" in html
    assert "Different LinkedIn profiles" in html
    assert "99% likely" in html  # a probable pair is never shown as 100 %
    assert "100%" not in html
    headers = api_token(client)
    pair = client.get("/api/v1/identity/pairs", headers=headers).json()["data"][0]
    assert pair["conflicts"] == ["Different LinkedIn profiles"]
    assert pair["label"] == "99% likely"

    body = {"contact_id": one_id, "other_id": two_id}
    warned = client.post("/api/v1/identity/merges", json=body, headers=headers)
    assert warned.status_code == 409
    assert warned.json()["error"]["details"]["conflicts"] == ["Different LinkedIn profiles"]
    session.expire_all()
    assert len(session.scalars(select(Contact.id).where(Contact.user_id == user.id)).all()) == 2
    merged = client.post(
        "/api/v1/identity/merges", json={**body, "confirm_conflicts": True}, headers=headers
    )
    assert merged.status_code == 201, merged.text
    session.expire_all()
    assert len(session.scalars(select(Contact.id).where(Contact.user_id == user.id)).all()) == 1
