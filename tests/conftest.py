"""Shared fixtures: a migrated database per backend, a clean slate per test, the app."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.app import create_app
from pingcrm.config import Settings, load_settings
from pingcrm.db import make_engine, make_session_factory
from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.migrate import upgrade
from pingcrm.models import Base
from tests.support import postgres_url, require, strict

# The shared fake Google (Gmail, Calendar, People) for every test that connects an account.
pytest_plugins = ["tests.fixtures.google_world"]

DEFAULT_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _backends() -> list[str]:
    backends = ["sqlite"]
    if postgres_url() or strict():
        backends.append("postgresql")
    return backends


def _create_postgres_database(server_url: str) -> tuple[str, Engine]:
    url = make_url(server_url)
    name = f"pingcrm_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return url.set(database=name).render_as_string(hide_password=False), admin


@pytest.fixture(scope="session", params=_backends())
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A freshly migrated database: SQLite always, PostgreSQL when configured (or CI)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "pingcrm.db"
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    server = postgres_url()
    require(
        server is not None,
        "PostgreSQL tests need PINGCRM_TEST_DATABASE_URL, e.g. "
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    )
    assert server is not None
    url, admin = _create_postgres_database(server)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    name = make_url(url).database
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _wipe(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def session_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions on the test database; every table is emptied after the test."""
    yield make_session_factory(engine)
    _wipe(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for arranging data and checking results (commit to make data visible)."""
    with session_factory() as session:
        yield session


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings pointing at the test database, with fixed secrets."""
    return load_settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key="test-secret-key-" + "x" * 32,
        encryption_keys="u1yI1C7l8m3rhSn6bxk6mQ6jU6QlfvI9ovwlN8QZ2pA=",
        mcp_hmac_secret="test-mcp-secret-" + "y" * 32,
        login_attempts_per_address=1000,
    )


@pytest.fixture
def app(settings: Settings, engine: Engine, session_factory: sessionmaker[Session]) -> FastAPI:
    return create_app(settings, engine=engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def now() -> datetime:
    """The moment ``clock`` freezes; a folder's conftest or a module overrides it."""
    return DEFAULT_NOW


@pytest.fixture
def clock(now: datetime) -> Iterator[FrozenClock]:
    """Time frozen at ``now`` for the whole test (``clock.advance(...)`` moves it)."""
    frozen = FrozenClock(now)
    with use_clock(frozen):
        yield frozen
