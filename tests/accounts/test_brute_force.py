"""Login limits an attacker cannot turn against the owner, and an X-Forwarded-For that
counts only from configured proxies."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pingcrm.app import create_app
from pingcrm.config import Settings
from tests.fixtures.builders import DEFAULT_PASSWORD, create_user, csrf_from


def _from(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, base_url="http://testserver", client=(address, 50000))


def _attempt(client: TestClient, password: str, headers: dict[str, str] | None = None) -> int:
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": "ada@example.com", "password": password, "csrf_token": token},
        headers=headers or {},
        follow_redirects=False,
    )
    return response.status_code


def test_an_attacker_locked_out_does_not_lock_the_owner_out(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    create_user(session)
    attacker = _from(app, "203.0.113.9")
    codes = [_attempt(attacker, "guess") for _ in range(settings.login_attempts_per_account + 1)]
    assert codes[0] == 401
    assert codes[-1] == 429
    # The owner, elsewhere, still signs in.
    assert _attempt(_from(app, "198.51.100.7"), DEFAULT_PASSWORD) == 303
    # The attacker is still refused, even with the right password.
    assert _attempt(attacker, DEFAULT_PASSWORD) == 429


def test_x_forwarded_for_is_ignored_from_an_untrusted_peer(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    create_user(session)
    attacker = _from(app, "127.0.0.1")
    for index in range(settings.login_attempts_per_account + 1):
        # A fresh forged address every time: it must not reset the limit.
        _attempt(attacker, "guess", {"X-Forwarded-For": f"192.0.2.{index}"})
    assert _attempt(attacker, "guess", {"X-Forwarded-For": "192.0.2.200"}) == 429


def test_x_forwarded_for_from_a_trusted_proxy_names_the_client(
    settings: Settings, engine: Engine, session: Session
) -> None:
    create_user(session)
    proxied = create_app(
        settings.model_copy(update={"trusted_proxies": "10.0.0.0/8"}), engine=engine
    )
    proxy = _from(proxied, "10.1.2.3")
    for _ in range(settings.login_attempts_per_account + 1):
        _attempt(proxy, "guess", {"X-Forwarded-For": "192.0.2.1, 10.9.9.9"})
    assert _attempt(proxy, "guess", {"X-Forwarded-For": "192.0.2.1"}) == 429
    # Another client behind the same proxy is a different address.
    assert _attempt(proxy, DEFAULT_PASSWORD, {"X-Forwarded-For": "192.0.2.2"}) == 303
