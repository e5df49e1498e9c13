"""The Account section: change password, change email, export, delete account."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pingcrm.models import Base, Contact, PlatformAccount, User
from tests.fixtures.builders import (
    DEFAULT_PASSWORD,
    api_token,
    create_contact,
    create_user,
    csrf_from,
    login,
    own_a_row_in_every_table,
)

HX = {"HX-Request": "true"}
NEW_PASSWORD = "a brand new passphrase"
# Tables that belong to nobody (process state shared by every user).
NOT_OWNED = {"rate_limits", "job_leases", "scheduler_heartbeats"}


def _owned_counts(
    session: Session, user_id: int, contact_ids: list[int], account_ids: list[int]
) -> dict[str, int]:
    """Rows of ``user_id`` in every table (tables without ``user_id`` via their parent)."""
    counts: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_OWNED:
            continue
        query = select(func.count()).select_from(table)
        if table.name == "users":
            query = query.where(table.c.id == user_id)
        elif "user_id" in table.c:
            query = query.where(table.c.user_id == user_id)
        elif table.name == "contact_tags":
            query = query.where(table.c.contact_id.in_(contact_ids))
        elif table.name == "sync_checkpoints":
            query = query.where(table.c.platform_account_id.in_(account_ids))
        elif table.name == "extension_pairings":
            query = query.where(table.c.claimed_by_user_id == user_id)
        else:
            raise AssertionError(f"who owns the rows of {table.name}? teach this test")
        counts[table.name] = session.execute(query).scalar_one()
    return counts


def _ids(session: Session, user_id: int) -> tuple[list[int], list[int]]:
    contacts = list(session.scalars(select(Contact.id).where(Contact.user_id == user_id)))
    accounts = list(
        session.scalars(select(PlatformAccount.id).where(PlatformAccount.user_id == user_id))
    )
    return contacts, accounts


def test_account_section_shows_the_email_and_explains_deletion(
    client: TestClient, session: Session
) -> None:
    create_user(session)
    login(client)
    page = client.get("/settings/account")
    assert '<strong class="account-email">ada@example.com</strong>' in page.text
    assert (
        "permanently deletes every contact, interaction, note, tag, suggestion and connection"
        in page.text
    )
    assert 'href="/account/export.json"' in page.text
    assert 'href="/account/export.vcf"' in page.text


def test_change_password_keeps_this_browser_and_ends_other_sessions_and_tokens(
    client: TestClient, session: Session, app: object
) -> None:
    create_user(session)
    old_token = api_token(client)
    with TestClient(app) as other_browser:  # type: ignore[arg-type]
        login(other_browser)
        assert other_browser.get("/settings").status_code == 200
        token = login(client)
        response = client.post(
            "/account/password",
            data={
                "current_password": DEFAULT_PASSWORD,
                "new_password": NEW_PASSWORD,
                "new_password_repeat": NEW_PASSWORD,
                "csrf_token": token,
            },
            headers=HX,
        )
        assert response.status_code == 200
        assert "Password changed. Every other session has been signed out." in response.text
        # This browser stays signed in; the other one is sent to the sign-in page.
        assert client.get("/settings").url.path == "/settings"
        assert other_browser.get("/settings").url.path == "/login"
    assert client.get("/api/v1/auth/me", headers=old_token).status_code == 401
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/settings").text)})
    refused = client.post(
        "/api/v1/auth/token", json={"email": "ada@example.com", "password": DEFAULT_PASSWORD}
    )
    assert refused.status_code == 401
    assert (
        client.get("/api/v1/auth/me", headers=api_token(client, password=NEW_PASSWORD)).json()[
            "data"
        ]["email"]
        == "ada@example.com"
    )


def test_change_password_refusals_show_next_to_the_field(
    client: TestClient, session: Session
) -> None:
    user = create_user(session)
    token = login(client)
    cases = [
        (
            {
                "current_password": "wrong-password",
                "new_password": NEW_PASSWORD,
                "new_password_repeat": NEW_PASSWORD,
            },
            "current_password",
            "The current password is incorrect.",
        ),
        (
            {
                "current_password": DEFAULT_PASSWORD,
                "new_password": NEW_PASSWORD,
                "new_password_repeat": "something else",
            },
            "new_password_repeat",
            "The two new passwords differ.",
        ),
        (
            {
                "current_password": DEFAULT_PASSWORD,
                "new_password": "short",
                "new_password_repeat": "short",
            },
            "new_password",
            "at least 8 characters",
        ),
    ]
    for data, field, message in cases:
        response = client.post("/account/password", data={**data, "csrf_token": token}, headers=HX)
        assert response.status_code == 422
        assert f'id="{field}-error"' in response.text
        assert message in response.text
    session.expire_all()
    assert session.get(User, user.id).token_version == 1  # type: ignore[union-attr]


def test_change_email(client: TestClient, session: Session) -> None:
    user = create_user(session)
    create_user(session, "eve@example.com")
    token = login(client)
    wrong = client.post(
        "/account/email",
        data={"new_email": "ada@new.example", "password": "nope-nope", "csrf_token": token},
        headers=HX,
    )
    assert wrong.status_code == 422
    assert 'id="email_password-error"' in wrong.text
    taken = client.post(
        "/account/email",
        data={"new_email": "eve@example.com", "password": DEFAULT_PASSWORD, "csrf_token": token},
        headers=HX,
    )
    assert taken.status_code == 422
    assert "Another account uses this email." in taken.text
    done = client.post(
        "/account/email",
        data={"new_email": "Ada@New.Example", "password": DEFAULT_PASSWORD, "csrf_token": token},
        headers=HX,
    )
    assert done.status_code == 200
    assert "Your sign-in email is now ada@new.example." in done.text
    session.expire_all()
    assert session.get(User, user.id).email == "ada@new.example"  # type: ignore[union-attr]
    assert api_token(client, email="ada@new.example")


def test_export_downloads(client: TestClient, session: Session) -> None:
    user = create_user(session)
    create_contact(session, user, "Grace Hopper", ["grace@navy.example"])
    login(client)
    as_json = client.get("/account/export.json")
    assert as_json.status_code == 200
    assert as_json.headers["content-disposition"].startswith("attachment; filename=")
    assert ".json" in as_json.headers["content-disposition"]
    assert "Grace Hopper" in json.dumps(as_json.json())
    vcard = client.get("/account/export.vcf")
    assert vcard.status_code == 200
    assert ".vcf" in vcard.headers["content-disposition"]
    assert "BEGIN:VCARD" in vcard.text
    assert "Grace Hopper" in vcard.text


def test_delete_account_refusals_delete_nothing(client: TestClient, session: Session) -> None:
    user = create_user(session)
    token = login(client)
    wrong_email = client.post(
        "/account/delete",
        data={
            "confirm_email": "other@example.com",
            "password": DEFAULT_PASSWORD,
            "csrf_token": token,
        },
        headers=HX,
    )
    assert wrong_email.status_code == 422
    assert "Type your email address to confirm the deletion." in wrong_email.text
    wrong_password = client.post(
        "/account/delete",
        data={
            "confirm_email": "ada@example.com",
            "password": "not-my-password",
            "csrf_token": token,
        },
        headers=HX,
    )
    assert wrong_password.status_code == 422
    assert 'id="delete_password-error"' in wrong_password.text
    session.expire_all()
    assert session.get(User, user.id) is not None


def test_delete_account_removes_every_row_it_owns_and_nothing_else(
    client: TestClient, session: Session
) -> None:
    ada = create_user(session)
    eve = create_user(session, "eve@example.com")
    own_a_row_in_every_table(session, ada)
    own_a_row_in_every_table(session, eve)
    ada_id, eve_id = ada.id, eve.id
    ada_ids, eve_ids = _ids(session, ada_id), _ids(session, eve_id)
    ada_before = _owned_counts(session, ada_id, *ada_ids)
    eve_before = _owned_counts(session, eve_id, *eve_ids)
    assert all(count > 0 for count in ada_before.values()), ada_before
    assert all(count > 0 for count in eve_before.values()), eve_before
    token = login(client)
    response = client.post(
        "/account/delete",
        data={
            "confirm_email": "ADA@example.com",
            "password": DEFAULT_PASSWORD,
            "csrf_token": token,
        },
        headers=HX,
        follow_redirects=False,
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/login"
    session.expire_all()
    assert _owned_counts(session, ada_id, *ada_ids) == dict.fromkeys(ada_before, 0)
    assert _owned_counts(session, eve_id, *eve_ids) == eve_before
    # Signed out: the pages ask to sign in again.
    assert client.get("/settings").url.path == "/login"


def test_deleting_the_only_account_lands_on_setup(client: TestClient, session: Session) -> None:
    create_user(session)
    token = login(client)
    response = client.post(
        "/account/delete",
        data={
            "confirm_email": "ada@example.com",
            "password": DEFAULT_PASSWORD,
            "csrf_token": token,
        },
    )
    assert response.url.path == "/setup"
    assert "Your account and all its data were deleted." in response.text


def test_account_api(client: TestClient, session: Session) -> None:
    user_id = create_user(session).id
    headers = api_token(client)
    me = client.get("/api/v1/account", headers=headers).json()["data"]
    assert me["email"] == "ada@example.com"
    bad = client.post(
        "/api/v1/account/password",
        json={"current_password": "wrong-one", "new_password": NEW_PASSWORD},
        headers=headers,
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["details"]["field"] == "current_password"
    changed = client.post(
        "/api/v1/account/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        headers=headers,
    )
    assert changed.status_code == 200
    # The token used for the call is now void; the fresh one in the answer works.
    assert client.get("/api/v1/account", headers=headers).status_code == 401
    fresh = {"Authorization": f"Bearer {changed.json()['data']['access_token']}"}
    email = client.post(
        "/api/v1/account/email",
        json={"new_email": "ada@elsewhere.example", "password": NEW_PASSWORD},
        headers=fresh,
    )
    assert email.status_code == 200
    assert email.json()["data"]["email"] == "ada@elsewhere.example"
    refused = client.request(
        "DELETE",
        "/api/v1/account",
        json={"password": NEW_PASSWORD, "confirm_email": "ada@example.com"},
        headers=fresh,
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["details"]["field"] == "confirm_email"
    deleted = client.request(
        "DELETE",
        "/api/v1/account",
        json={"password": NEW_PASSWORD, "confirm_email": "ada@elsewhere.example"},
        headers=fresh,
    )
    assert deleted.status_code == 200
    assert deleted.json()["data"] == {"deleted": True}
    session.expire_all()
    assert session.get(User, user_id) is None
    assert client.get("/api/v1/account", headers=fresh).status_code == 401
