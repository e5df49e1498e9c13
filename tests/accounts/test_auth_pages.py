"""First-run setup, sign-in, sign-out, CSRF and the login rate limit, as a user sees them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from tests.fixtures.builders import DEFAULT_PASSWORD, create_user, csrf_from, login


def test_a_fresh_install_sends_the_visitor_to_setup_and_setup_creates_the_account(
    client: TestClient,
) -> None:
    first = client.get("/")
    assert first.url.path == "/setup"
    assert "Create your account" in first.text
    token = csrf_from(first.text)
    response = client.post(
        "/setup",
        data={
            "email": "Founder@Example.com",
            "password": "s3cret-pass",
            "password_confirm": "s3cret-pass",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    # Setup closes once an account exists.
    assert client.get("/setup").url.path == "/login"


def test_setup_refuses_mismatched_passwords_and_short_passwords(client: TestClient) -> None:
    token = csrf_from(client.get("/setup").text)
    mismatch = client.post(
        "/setup",
        data={
            "email": "a@example.com",
            "password": "longenough",
            "password_confirm": "different1",
            "csrf_token": token,
        },
    )
    assert mismatch.status_code == 422
    assert "The two passwords differ." in mismatch.text
    short = client.post(
        "/setup",
        data={
            "email": "a@example.com",
            "password": "short",
            "password_confirm": "short",
            "csrf_token": token,
        },
    )
    assert short.status_code == 422
    assert "at least 8 characters" in short.text
    assert client.get("/").url.path == "/setup"


def test_a_form_without_its_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/setup")
    response = client.post(
        "/setup",
        data={"email": "a@example.com", "password": "longenough", "password_confirm": "longenough"},
    )
    assert response.status_code == 403
    assert "This form has expired" in response.text
    assert client.get("/").url.path == "/setup"


def test_wrong_password_and_unknown_email_get_the_same_message(
    client: TestClient, session: Session
) -> None:
    create_user(session)
    token = csrf_from(client.get("/login").text)
    wrong = client.post(
        "/login", data={"email": "ada@example.com", "password": "nope-nope", "csrf_token": token}
    )
    unknown = client.post(
        "/login", data={"email": "who@example.com", "password": "nope-nope", "csrf_token": token}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "Email or password is incorrect." in wrong.text
    assert "Email or password is incorrect." in unknown.text


def test_pages_need_a_signed_in_user_and_return_there_after_login(
    client: TestClient, session: Session
) -> None:
    create_user(session)
    response = client.get("/contacts?q=ann", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fcontacts%3Fq%3Dann"
    token = csrf_from(client.get("/login").text)
    done = client.post(
        "/login",
        data={
            "email": "ada@example.com",
            "password": DEFAULT_PASSWORD,
            "next": "/contacts?q=ann",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert done.headers["location"] == "/contacts?q=ann"


def test_login_never_redirects_off_site(client: TestClient, session: Session) -> None:
    create_user(session)
    token = csrf_from(client.get("/login").text)
    done = client.post(
        "/login",
        data={
            "email": "ada@example.com",
            "password": DEFAULT_PASSWORD,
            "next": "//evil.example/x",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert done.headers["location"] == "/dashboard"


def test_login_is_rate_limited_per_account(
    client: TestClient, session: Session, settings: Settings
) -> None:
    create_user(session)
    token = csrf_from(client.get("/login").text)
    for _ in range(settings.login_attempts_per_account):
        client.post(
            "/login",
            data={"email": "ada@example.com", "password": "wrong-pass", "csrf_token": token},
        )
    # Even the right password is refused until the window passes.
    blocked = client.post(
        "/login",
        data={"email": "ada@example.com", "password": DEFAULT_PASSWORD, "csrf_token": token},
    )
    assert blocked.status_code == 429
    assert "Too many sign-in attempts" in blocked.text


def test_logout_ends_the_session(client: TestClient, session: Session) -> None:
    create_user(session)
    token = login(client)
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/contacts", follow_redirects=False).status_code == 303


def test_registration_is_closed_unless_enabled(client: TestClient, session: Session) -> None:
    create_user(session)
    page = client.get("/register")
    assert page.status_code == 403
    assert "Registration is closed" in page.text
