"""Concurrent sign-ins: at most ``password_hash_concurrency`` Argon2 hashes run at once
(each holds 64 MB while it runs); the others wait their turn and still succeed, and the
server keeps answering other requests meanwhile; a sign-in that would wait longer than
``password_hash_wait_seconds`` is told the server is busy instead."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pingcrm.accounts.passwords import (
    DUMMY_HASH,
    SLOTS,
    hash_password,
    limit_concurrent_hashing,
    verify_password,
)
from pingcrm.app import create_app
from pingcrm.config import Settings
from tests.fixtures.builders import DEFAULT_PASSWORD, create_user, csrf_from

SIGN_INS = 12
WAIT_SECONDS = 60  # a bound for a broken run, never reached by a passing one


class VerifyProbe:
    """Wraps pwdlib's Argon2 verification: counts how many run at once (``peak``) and
    runs ``before`` inside each, as if the hash took that long."""

    def __init__(self, before: Callable[[], None]) -> None:
        self.before = before
        self.running = 0
        self.peak = 0
        self.calls = 0
        self._lock = threading.Lock()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        original = Argon2Hasher.verify

        def verify(hasher: Argon2Hasher, secret: str | bytes, hash: str | bytes) -> bool:
            with self._lock:
                self.running += 1
                self.calls += 1
                self.peak = max(self.peak, self.running)
            try:
                self.before()
                return original(hasher, secret, hash)
            finally:
                with self._lock:
                    self.running -= 1

        monkeypatch.setattr(Argon2Hasher, "verify", verify)


@pytest.fixture(autouse=True)
def _restore_the_limit() -> Iterator[None]:
    previous, wait = SLOTS.limit, SLOTS.wait_seconds
    yield
    limit_concurrent_hashing(previous, wait)


def _sign_in(client: TestClient) -> int:
    response = client.post(
        "/api/v1/auth/token", json={"email": "ada@example.com", "password": DEFAULT_PASSWORD}
    )
    return response.status_code


def test_concurrent_sign_ins_all_succeed_with_at_most_the_limit_hashing(
    settings: Settings, engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_user(session)
    limit = 2
    limited = settings.model_copy(update={"password_hash_concurrency": limit})
    app = create_app(limited, engine=engine)
    # Each verification waits until `limit` of them run side by side: the limit is
    # reached (not one at a time), and any sign-in let through beyond it shows in `peak`.
    side_by_side = threading.Barrier(limit, timeout=WAIT_SECONDS)
    probe = VerifyProbe(side_by_side.wait)
    probe.install(monkeypatch)

    with TestClient(app) as client, ThreadPoolExecutor(SIGN_INS) as pool:
        statuses = list(pool.map(lambda _: _sign_in(client), range(SIGN_INS)))

    assert statuses == [200] * SIGN_INS
    assert probe.calls == SIGN_INS
    assert probe.peak == limit


def test_the_server_answers_other_requests_while_sign_ins_wait_for_a_hash(
    settings: Settings, engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_user(session)
    app = create_app(settings.model_copy(update={"password_hash_concurrency": 1}), engine=engine)
    holding, release = threading.Event(), threading.Event()

    def first_holds_the_only_slot() -> None:
        if not holding.is_set():
            holding.set()
            if not release.wait(WAIT_SECONDS):
                raise RuntimeError("the health check never answered while a hash ran")

    probe = VerifyProbe(first_holds_the_only_slot)
    probe.install(monkeypatch)

    with TestClient(app) as client, ThreadPoolExecutor(4) as pool:
        sign_ins = [pool.submit(_sign_in, client) for _ in range(4)]
        assert holding.wait(WAIT_SECONDS)
        health = client.get("/api/health")
        release.set()
        statuses = [future.result() for future in sign_ins]

    assert health.status_code == 200
    assert statuses == [200] * 4
    assert probe.peak == 1


def test_an_unknown_email_is_checked_against_a_hash_as_costly_as_a_real_one() -> None:
    parameters = hash_password("any password at all").rsplit("$", 2)[0]
    assert DUMMY_HASH.rsplit("$", 2)[0] == parameters
    assert verify_password("pingcrm-timing-equaliser", DUMMY_HASH)


# Long enough for a free slot to be taken at once, short enough for the test to end soon.
SHORT_WAIT = 0.2


def test_a_sign_in_that_would_wait_too_long_for_a_hash_is_told_to_try_again(
    settings: Settings, engine: Engine, session: Session
) -> None:
    create_user(session)
    limited = settings.model_copy(
        update={"password_hash_concurrency": 1, "password_hash_wait_seconds": SHORT_WAIT}
    )
    credentials = {"email": "ada@example.com", "password": DEFAULT_PASSWORD}
    with TestClient(create_app(limited, engine=engine)) as client:
        form = {**credentials, "csrf_token": csrf_from(client.get("/login").text)}
        with SLOTS.slot():  # another sign-in is hashing and does not finish in time
            api = client.post("/api/v1/auth/token", json=credentials)
            page = client.post("/login", data=form, follow_redirects=False)
        # Once the slot is free, the same sign-ins go through.
        api_after = _sign_in(client)
        page_after = client.post("/login", data=form, follow_redirects=False)

    assert api.status_code == 503
    assert api.headers["Retry-After"] == "1"
    assert api.json()["error"]["code"] == "server_busy"
    assert page.status_code == 503
    assert "The server is busy with other sign-ins. Try again in a few seconds." in page.text
    assert api_after == 200
    assert page_after.status_code == 303
