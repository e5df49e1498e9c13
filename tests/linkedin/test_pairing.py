"""Pairing the extension, its token's audience, refresh and disconnect (docs/linkedin.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.linkedin import tokens
from pingcrm.models import ExtensionToken, PlatformAccount, Provider, User
from tests.fixtures.builders import api_token, create_user, csrf_from, login
from tests.linkedin.helpers import new_code, pair_extension

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    with use_clock(FrozenClock(START)) as frozen:
        assert isinstance(frozen, FrozenClock)
        yield frozen


@pytest.fixture
def ada(session: Session) -> User:
    return create_user(session)


def _error(response: object, status: int, code: str) -> dict:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def _token_count(session: Session) -> int:
    session.expire_all()
    return int(session.execute(select(func.count()).select_from(ExtensionToken)).scalar_one())


def test_pairing_hands_the_token_to_the_popup_exactly_once(
    client: TestClient, session: Session, ada: User, clock: FrozenClock
) -> None:
    code = new_code()
    registered = client.post("/api/v1/extension/pairings", json={"code": code.lower()})
    assert registered.status_code == 201
    assert registered.json()["data"]["code"] == code
    again = client.post("/api/v1/extension/pairings", json={"code": code})
    assert again.status_code == 201
    assert again.json()["data"]["expires_at"] == registered.json()["data"]["expires_at"]

    pending = client.get(f"/api/v1/extension/pairings/{code}")
    assert pending.json()["data"]["status"] == "pending"

    claimed = client.post("/api/v1/linkedin/pair", json={"code": code}, headers=api_token(client))
    assert claimed.status_code == 200
    paired = client.get(f"/api/v1/extension/pairings/{code}").json()["data"]
    assert paired["status"] == "paired"
    assert paired["server_user"] == "ada@example.com"
    claims = tokens.read("test-secret-key-" + "x" * 32, paired["token"])
    assert claims.expires_at == START + timedelta(days=30)
    # Only a digest of the token id is stored, never the token.
    row = session.execute(select(ExtensionToken)).scalar_one()
    assert row.jti == tokens.jti_digest(claims.jti)
    assert claims.jti not in row.jti
    _error(client.get(f"/api/v1/extension/pairings/{code}"), 404, "not_found")
    account = session.execute(select(PlatformAccount)).scalar_one()
    assert account.provider is Provider.LINKEDIN


def test_bad_codes_get_the_documented_errors_and_write_nothing(
    client: TestClient, session: Session, ada: User, clock: FrozenClock
) -> None:
    headers = api_token(client)
    for bad in ("PING-ABC", "PING-OOOOOO", "PING-1LI0AB", "hello"):
        _error(
            client.post("/api/v1/extension/pairings", json={"code": bad}), 422, "validation_error"
        )
    _error(
        client.post("/api/v1/linkedin/pair", json={"code": new_code()}, headers=headers),
        404,
        "not_found",
    )
    expired = new_code()
    client.post("/api/v1/extension/pairings", json={"code": expired})
    clock.advance(timedelta(minutes=10, seconds=1))
    _error(client.get(f"/api/v1/extension/pairings/{expired}"), 410, "code_expired")
    _error(
        client.post("/api/v1/linkedin/pair", json={"code": expired}, headers=headers),
        410,
        "code_expired",
    )
    _error(client.get(f"/api/v1/extension/pairings/{new_code()}"), 404, "not_found")
    assert _token_count(session) == 0
    assert session.execute(select(func.count()).select_from(PlatformAccount)).scalar_one() == 0


def test_a_code_is_claimed_by_one_user_only(
    client: TestClient, session: Session, ada: User, clock: FrozenClock
) -> None:
    create_user(session, "bob@example.com")
    code = new_code()
    client.post("/api/v1/extension/pairings", json={"code": code})
    assert (
        client.post(
            "/api/v1/linkedin/pair", json={"code": code}, headers=api_token(client)
        ).status_code
        == 200
    )
    bob = api_token(client, "bob@example.com")
    _error(client.post("/api/v1/linkedin/pair", json={"code": code}, headers=bob), 409, "conflict")
    _error(
        client.post("/api/v1/linkedin/pair", json={"code": code}, headers=api_token(client)),
        409,
        "conflict",
    )
    # Re-registering a claimed code is refused too.
    _error(client.post("/api/v1/extension/pairings", json={"code": code}), 409, "conflict")
    token = client.get(f"/api/v1/extension/pairings/{code}").json()["data"]
    assert token["server_user"] == "ada@example.com"


def test_wrong_codes_are_rate_limited_per_user(
    client: TestClient, ada: User, clock: FrozenClock
) -> None:
    headers = api_token(client)
    for _ in range(10):
        _error(
            client.post("/api/v1/linkedin/pair", json={"code": new_code()}, headers=headers),
            404,
            "not_found",
        )
    good = new_code()
    client.post("/api/v1/extension/pairings", json={"code": good})
    response = client.post("/api/v1/linkedin/pair", json={"code": good}, headers=headers)
    _error(response, 429, "rate_limited")
    assert response.headers["retry-after"]


def test_polling_is_rate_limited(client: TestClient, clock: FrozenClock) -> None:
    code = new_code()
    client.post("/api/v1/extension/pairings", json={"code": code})
    statuses = [client.get(f"/api/v1/extension/pairings/{code}").status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60
    assert statuses[60] == 429
    clock.advance(timedelta(seconds=61))
    assert client.get(f"/api/v1/extension/pairings/{code}").status_code == 200


def test_pairing_and_disconnecting_from_the_settings_page(
    client: TestClient, session: Session, ada: User, clock: FrozenClock
) -> None:
    csrf = login(client)
    page = client.get("/settings/linkedin")
    assert "Connect" in page.text
    assert "profiles you view" not in page.text
    assert "Load unpacked" in page.text
    dialog = client.get("/settings/linkedin/connect")
    assert "PING-X7K3M2" in dialog.text
    code = new_code()
    client.post("/api/v1/extension/pairings", json={"code": code})
    refused = client.post("/settings/linkedin/pair", data={"code": code}, follow_redirects=False)
    assert refused.status_code == 403  # no CSRF token
    done = client.post(
        "/settings/linkedin/pair", data={"code": code, "csrf_token": csrf}, follow_redirects=False
    )
    assert done.status_code == 303
    token = client.get(f"/api/v1/extension/pairings/{code}").json()["data"]["token"]
    extension = {"Authorization": f"Bearer {token}"}
    page = client.get("/settings/linkedin")
    assert "Profiles synced" in page.text
    assert 'data-state="connected"' in page.text
    assert client.get("/api/v1/extension/status", headers=extension).json()["data"]["status"] == (
        "connected"
    )
    gone = client.post(
        "/settings/linkedin/disconnect",
        data={"csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert gone.status_code == 303
    _error(
        client.get("/api/v1/extension/status", headers=extension), 401, "authentication_required"
    )
    assert 'data-state="disconnected"' in client.get("/settings/linkedin").text


def test_the_extension_token_opens_only_the_extension_endpoints(
    client: TestClient, ada: User, clock: FrozenClock
) -> None:
    extension = pair_extension(client)
    api = api_token(client)
    status = client.get("/api/v1/extension/status", headers=extension)
    assert status.status_code == 200
    assert status.json()["data"] == {
        "user": "ada@example.com",
        "profiles_synced": 0,
        "messages_synced": 0,
        "last_sync_at": None,
        "status": "connected",
    }
    # Suggestions (list, regenerate) take it; nothing else of the API does.
    assert client.get("/api/v1/suggestions", headers=extension).status_code == 200
    _error(client.post("/api/v1/suggestions/999/regenerate", headers=extension), 404, "not_found")
    for path in ("/api/v1/contacts", "/api/v1/notifications", "/api/v1/suggestions/1"):
        _error(client.get(path, headers=extension), 401, "authentication_required")
    _error(
        client.post("/api/v1/suggestions/generate", headers=extension),
        401,
        "authentication_required",
    )
    # Pages never look at bearer tokens.
    client.cookies.clear()
    page = client.get("/settings", headers=extension, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")
    # And the extension endpoints refuse API access tokens and page sessions.
    for path in ("/api/v1/extension/status", "/api/v1/linkedin/contact?public_id=x"):
        _error(client.get(path, headers=api), 401, "authentication_required")
    _error(
        client.post("/api/v1/linkedin/push", json={}, headers=api), 401, "authentication_required"
    )
    login(client)
    _error(client.get("/api/v1/extension/status"), 401, "authentication_required")
    forged = tokens.issue("another-secret-" + "z" * 32, ada.id, None, 30)[0]
    _error(
        client.get("/api/v1/extension/status", headers={"Authorization": f"Bearer {forged}"}),
        401,
        "authentication_required",
    )


def test_refresh_rotates_the_token_and_retires_the_old_one(
    client: TestClient, session: Session, ada: User, clock: FrozenClock
) -> None:
    old = pair_extension(client)
    clock.advance(timedelta(days=31))
    _error(client.get("/api/v1/extension/status", headers=old), 401, "token_expired")
    refreshed = client.post("/api/v1/extension/refresh", headers=old)
    assert refreshed.status_code == 200
    data = refreshed.json()["data"]
    assert datetime.fromisoformat(data["expires_at"]) == START + timedelta(days=61)
    new = {"Authorization": f"Bearer {data['token']}"}
    assert client.get("/api/v1/extension/status", headers=new).status_code == 200
    _error(client.post("/api/v1/extension/refresh", headers=old), 401, "reauth_required")
    _error(client.get("/api/v1/extension/status", headers=old), 401, "authentication_required")
    # A valid token may be refreshed too; an API token never.
    assert client.post("/api/v1/extension/refresh", headers=new).status_code == 200
    _error(
        client.post("/api/v1/extension/refresh", headers=api_token(client)), 401, "reauth_required"
    )
    _error(client.post("/api/v1/extension/refresh"), 401, "reauth_required")


def test_a_token_90_days_past_expiry_needs_pairing_again(
    client: TestClient, ada: User, clock: FrozenClock
) -> None:
    first = pair_extension(client)
    clock.advance(timedelta(days=30 + 90))
    assert client.post("/api/v1/extension/refresh", headers=first).status_code == 200
    second = pair_extension(client)
    clock.advance(timedelta(days=30 + 90, seconds=1))
    _error(client.post("/api/v1/extension/refresh", headers=second), 401, "reauth_required")


def test_the_card_shows_a_pairing_past_its_renewal_as_expired(
    client: TestClient, ada: User, clock: FrozenClock
) -> None:
    """Within 90 days of its token's expiry the extension renews silently (Connected);
    after that it cannot, and the card says so and offers to pair again."""
    pair_extension(client)
    login(client)
    clock.advance(timedelta(days=30 + 89))
    page = client.get("/settings/linkedin").text
    assert 'data-state="connected"' in page
    assert "Pair again" not in page

    clock.advance(timedelta(days=2))
    page = client.get("/settings/linkedin").text
    assert 'data-state="connected"' not in page
    assert '<span class="badge badge-error" data-state="expired">Expired</span>' in page
    assert "pairing expired" in page
    assert "Pair the extension again." in page
    assert "Pair again" in page
    assert "Profiles synced" in page  # what was synced stays visible

    # A code typed in Settings whose token the popup has not fetched yet: Connected.
    code = new_code()
    client.post("/api/v1/extension/pairings", json={"code": code})
    claimed = client.post("/api/v1/linkedin/pair", json={"code": code}, headers=api_token(client))
    assert claimed.status_code == 200
    page = client.get("/settings/linkedin").text
    assert 'data-state="connected"' in page
    assert 'data-state="expired"' not in page
    polled = client.get(f"/api/v1/extension/pairings/{code}").json()["data"]
    assert polled["status"] == "paired"

    # Pairing again makes it Connected.
    fresh = pair_extension(client)
    page = client.get("/settings/linkedin").text
    assert 'data-state="connected"' in page
    assert 'data-state="expired"' not in page
    assert client.get("/api/v1/extension/status", headers=fresh).json()["data"]["status"] == (
        "connected"
    )


def test_disconnect_from_the_popup_revokes_every_token_of_the_pairing(
    client: TestClient, session: Session, ada: User, clock: FrozenClock
) -> None:
    first = pair_extension(client)
    rotated = client.post("/api/v1/extension/refresh", headers=first).json()["data"]["token"]
    current = {"Authorization": f"Bearer {rotated}"}
    other_browser = pair_extension(client)
    gone = client.post("/api/v1/extension/disconnect", headers=current)
    assert gone.status_code == 200
    assert gone.json()["data"] == {"revoked": 1}
    _error(client.get("/api/v1/extension/status", headers=current), 401, "authentication_required")
    _error(client.post("/api/v1/extension/refresh", headers=current), 401, "reauth_required")
    # The other browser's pairing still works; the card stays Connected.
    assert client.get("/api/v1/extension/status", headers=other_browser).status_code == 200
    assert client.post("/api/v1/extension/disconnect", headers=other_browser).status_code == 200
    session.expire_all()
    account = session.execute(select(PlatformAccount)).scalar_one()
    assert account.credentials_encrypted is None
