"""CLI tests run the real ``pingcrm`` commands on their own migrated SQLite database
(the CLI reads its settings from the environment)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from pingcrm.config import get_settings
from pingcrm.db import make_engine, make_session_factory
from pingcrm.migrate import upgrade
from tests.conftest import _wipe


@pytest.fixture(scope="session")
def cli_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    directory = tmp_path_factory.mktemp("cli")
    url = f"sqlite:///{directory / 'pingcrm.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return directory, url


@pytest.fixture
def cli_engine(cli_database: tuple[Path, str]) -> Iterator[Engine]:
    engine = make_engine(cli_database[1])
    yield engine
    _wipe(engine)
    engine.dispose()


@pytest.fixture
def cli_session(cli_engine: Engine) -> Iterator[Session]:
    factory: sessionmaker[Session] = make_session_factory(cli_engine)
    with factory() as session:
        yield session


@pytest.fixture
def cli(
    cli_database: tuple[Path, str], cli_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CliRunner]:
    """A runner whose ``pingcrm`` commands use the CLI test database."""
    directory, url = cli_database
    monkeypatch.setenv("PINGCRM_DATABASE_URL", url)
    monkeypatch.setenv("PINGCRM_DATA_DIR", str(directory / "data"))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()
