"""Small hardening findings: security headers on a 413, HSTS behind https, no caching of
pages with personal data, local-only redirects, private database files."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pingcrm.app import create_app
from pingcrm.config import Settings, load_settings
from pingcrm.db import make_engine
from pingcrm.web.ui.responses import safe_local_path
from tests.fixtures.builders import DEFAULT_PASSWORD, create_user, csrf_from, login


def test_a_413_carries_the_security_headers(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/token", content=b"x" * 2_000_000, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


def test_pages_and_api_answers_are_never_cached_but_static_files_may_be(
    client: TestClient, session: Session
) -> None:
    create_user(session)
    login(client)
    for path in ("/contacts", "/settings", "/api/v1/auth/me"):
        assert client.get(path).headers["cache-control"] == "no-store", path
    assert client.get("/static/app.css").headers.get("cache-control") != "no-store"


def test_hsts_only_under_an_https_base_url(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    assert "strict-transport-security" not in client.get("/login").headers
    https_app = create_app(
        settings.model_copy(update={"base_url": "https://crm.example.com"}), engine=engine
    )
    with TestClient(https_app, base_url="https://crm.example.com") as secure:
        assert "max-age=" in secure.get("/login").headers["strict-transport-security"]


@pytest.mark.parametrize(
    "target",
    [
        "/\\evil.example",
        "/\\/evil.example",
        "//evil.example",
        "https://evil.example",
        "/%0d%0aSet-Cookie:x",
        "/\tevil",
        "javascript:alert(1)",
        "",
    ],
)
def test_safe_local_path_refuses_every_way_off_site(target: str) -> None:
    assert safe_local_path(target, "/dashboard") in ("/dashboard", "/%0d%0aSet-Cookie:x")
    assert safe_local_path("/contacts?q=ann", "/dashboard") == "/contacts?q=ann"


def test_login_does_not_follow_a_backslash_next(client: TestClient, session: Session) -> None:
    create_user(session)
    token = csrf_from(client.get("/login").text)
    done = client.post(
        "/login",
        data={
            "email": "ada@example.com",
            "password": DEFAULT_PASSWORD,
            "next": "/\\evil.example",
            "csrf_token": token,
        },
        headers={"HX-Request": "true"},
        follow_redirects=False,
    )
    assert done.headers["HX-Redirect"] == "/dashboard"


def test_database_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "pingcrm.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    for candidate in (path, path.with_name("pingcrm.db-wal")):
        if candidate.exists():
            assert stat.S_IMODE(candidate.stat().st_mode) == 0o600, candidate
    engine.dispose()
    # Settings' secrets stay private too (unchanged behaviour).
    load_settings(data_dir=tmp_path / "data")
    assert stat.S_IMODE((tmp_path / "data" / "secrets.json").stat().st_mode) == 0o600
