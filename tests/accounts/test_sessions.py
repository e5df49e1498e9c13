"""Sessions end server-side: a kept cookie stops working after logout, "Sign out
everywhere", a password change or an email change (the browser making the change stays
signed in)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.fixtures.builders import DEFAULT_PASSWORD, api_token, create_user, csrf_from, login


def _browser(app: FastAPI) -> TestClient:
    return TestClient(app, base_url="http://testserver")


def _signed_in(client: TestClient) -> bool:
    response = client.get("/contacts", follow_redirects=False)
    return response.status_code == 200


def _replay(app: FastAPI, cookie: str) -> TestClient:
    """Another browser holding a copy of an old session cookie."""
    thief = _browser(app)
    thief.cookies.set("pingcrm_session", cookie)
    return thief


def test_logout_ends_the_session_even_for_a_kept_copy_of_the_cookie(
    app: FastAPI, session: Session
) -> None:
    create_user(session)
    browser = _browser(app)
    csrf = login(browser)
    stolen = browser.cookies["pingcrm_session"]
    assert _signed_in(_replay(app, stolen))

    response = browser.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303

    thief = _replay(app, stolen)
    page = thief.get("/contacts", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")
    # Nor can the old cookie write through the API.
    write = thief.post(
        "/api/v1/contacts", json={"full_name": "Mallory"}, headers={"X-CSRF-Token": csrf}
    )
    assert write.status_code == 401


def test_sign_out_everywhere_ends_every_browser_and_api_token(
    app: FastAPI, session: Session
) -> None:
    create_user(session)
    laptop, phone = _browser(app), _browser(app)
    csrf = login(laptop)
    login(phone)
    token = api_token(laptop)
    assert laptop.get("/api/v1/auth/me", headers=token).status_code == 200
    settings_page = laptop.get("/settings/account")
    assert "Sign out everywhere" in settings_page.text

    response = laptop.post(
        "/account/sessions/end", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert not _signed_in(laptop)
    assert not _signed_in(phone)
    assert laptop.get("/api/v1/auth/me", headers=token).status_code == 401
    # Signing in again works.
    login(phone)
    assert _signed_in(phone)


def test_a_password_change_keeps_this_browser_and_ends_the_others(
    app: FastAPI, session: Session
) -> None:
    create_user(session)
    laptop, phone = _browser(app), _browser(app)
    csrf = login(laptop)
    login(phone)
    response = laptop.post(
        "/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": "a brand new secret",
            "new_password_repeat": "a brand new secret",
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert _signed_in(laptop)
    assert not _signed_in(phone)


def test_an_email_change_keeps_this_browser_and_ends_the_others(
    app: FastAPI, session: Session
) -> None:
    create_user(session)
    laptop, phone = _browser(app), _browser(app)
    csrf = login(laptop)
    login(phone)
    response = laptop.post(
        "/account/email",
        data={"new_email": "ada@new.example", "password": DEFAULT_PASSWORD, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert _signed_in(laptop)
    assert not _signed_in(phone)
    assert csrf_from(laptop.get("/settings").text)


def test_password_rechecks_are_rate_limited(app: FastAPI, session: Session) -> None:
    """A stolen session cannot be used to guess the password behind it."""
    create_user(session)
    browser = _browser(app)
    csrf = login(browser)
    messages = []
    for _ in range(6):
        response = browser.post(
            "/account/email",
            data={"new_email": "eve@example.com", "password": "guess", "csrf_token": csrf},
            headers={"HX-Request": "true"},
        )
        messages.append(response.text)
    assert "The password is incorrect." in messages[0]
    assert "Too many wrong passwords" in messages[-1]
    # Even the right password waits now.
    right = browser.post(
        "/account/email",
        data={"new_email": "ada@new.example", "password": DEFAULT_PASSWORD, "csrf_token": csrf},
        headers={"HX-Request": "true"},
    )
    assert "Too many wrong passwords" in right.text
    api = TestClient(app, base_url="http://testserver")
    token = api_token(api)
    deletion = api.request(
        "DELETE",
        "/api/v1/account",
        json={"password": DEFAULT_PASSWORD, "confirm_email": "ada@example.com"},
        headers=token,
    )
    assert deletion.status_code == 429
    assert deletion.json()["error"]["code"] == "rate_limited"


def test_the_api_lists_signed_in_browsers_and_signs_out_everywhere(
    app: FastAPI, session: Session
) -> None:
    """``POST /api/v1/account/sessions/end``: after the password, every browser and every
    access token (the caller's too) stops working; a wrong password ends nothing."""
    create_user(session)
    laptop, phone = _browser(app), _browser(app)
    laptop_csrf = login(laptop)
    login(phone)
    api = _browser(app)
    token = api_token(api)
    other_token = api_token(api)

    listed = api.get("/api/v1/account/sessions", headers=token)
    assert listed.status_code == 200
    browsers = listed.json()["data"]
    assert len(browsers) == 2
    assert [b["current"] for b in browsers] == [False, False]
    # The laptop's own session is marked as the current one when it asks.
    own = laptop.get("/api/v1/account/sessions").json()["data"]
    assert sorted(b["current"] for b in own) == [False, True]
    assert "id" not in own[0]

    wrong = api.post("/api/v1/account/sessions/end", json={"password": "guess"}, headers=token)
    assert wrong.status_code == 422
    assert wrong.json()["error"]["details"] == {"field": "password"}
    assert _signed_in(laptop)
    assert _signed_in(phone)
    assert api.get("/api/v1/contacts", headers=token).status_code == 200

    ended = api.post(
        "/api/v1/account/sessions/end", json={"password": DEFAULT_PASSWORD}, headers=token
    )
    assert ended.status_code == 200
    assert ended.json()["data"] == {"ended_sessions": 2, "tokens_revoked": True}

    # The revoked tokens, the caller's included, can no longer call the API.
    for headers in (token, other_token):
        refused = api.get("/api/v1/contacts", headers=headers)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "authentication_required"
        write = api.post("/api/v1/contacts", json={"full_name": "Mallory"}, headers=headers)
        assert write.status_code == 401
    # Nor can the browsers, through pages or the API.
    assert not _signed_in(laptop)
    assert not _signed_in(phone)
    assert laptop.get("/api/v1/contacts", headers={"X-CSRF-Token": laptop_csrf}).status_code == 401
    # A new sign-in works, and lists no browser.
    fresh = api_token(api)
    assert api.get("/api/v1/account/sessions", headers=fresh).json()["data"] == []


def test_the_api_signs_out_everywhere_from_a_page_session(app: FastAPI, session: Session) -> None:
    """Called by the browser itself (session + CSRF), it signs that browser out too."""
    create_user(session)
    laptop = _browser(app)
    csrf = login(laptop)
    response = laptop.post(
        "/api/v1/account/sessions/end",
        json={"password": DEFAULT_PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200
    assert response.json()["data"]["ended_sessions"] == 1
    assert not _signed_in(laptop)
