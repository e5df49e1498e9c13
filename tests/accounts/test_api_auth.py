"""``POST /api/v1/auth/token`` and bearer authentication."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from pingcrm.kit.clock import FrozenClock, use_clock, utcnow
from tests.fixtures.builders import api_token, create_user


def test_token_exchange_returns_the_documented_envelope(
    client: TestClient, session: Session
) -> None:
    create_user(session)
    response = client.post(
        "/api/v1/auth/token", json={"email": "ada@example.com", "password": "correct horse battery"}
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["token_type"] == "bearer"
    assert data["expires_in"] == 3600
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {data['access_token']}"})
    assert me.json()["data"]["email"] == "ada@example.com"


def test_bad_credentials_get_the_error_shape(client: TestClient, session: Session) -> None:
    create_user(session)
    response = client.post(
        "/api/v1/auth/token", json={"email": "ada@example.com", "password": "wrong"}
    )
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "invalid_credentials",
            "message": "Email or password is incorrect.",
            "details": {},
        }
    }


def test_malformed_json_is_a_clear_422(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/token", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "The request body is not valid JSON."


def test_no_token_and_a_garbage_token_are_refused(client: TestClient) -> None:
    assert client.get("/api/v1/auth/me").status_code == 401
    garbage = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer abc.def.ghi"})
    assert garbage.status_code == 401
    assert garbage.json()["error"]["code"] == "authentication_required"


def test_an_expired_token_is_refused(client: TestClient, session: Session) -> None:
    create_user(session)
    clock = FrozenClock(utcnow())
    with use_clock(clock):
        headers = api_token(client)
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
        clock.advance(timedelta(minutes=61))
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_oversized_bodies_are_refused_with_413(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/token", content=b"x" * 2_000_000, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_health_reports_the_database(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["data"]["checks"]["database"]["ok"] is True
