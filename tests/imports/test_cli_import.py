"""``pingcrm import FILE --user EMAIL`` runs the import job in the foreground."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from pingcrm.cli import app
from pingcrm.config import Settings, get_settings
from pingcrm.models import Contact
from tests.fixtures.builders import create_user

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "files"


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    env = {
        "PINGCRM_DATABASE_URL": settings.resolved_database_url,
        "PINGCRM_DATA_DIR": str(settings.data_dir),
        "PINGCRM_SECRET_KEY": settings.secret_key,
        "PINGCRM_ENCRYPTION_KEYS": settings.encryption_keys,
        "PINGCRM_MCP_HMAC_SECRET": settings.mcp_hmac_secret,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield env
    get_settings.cache_clear()


def test_import_prints_the_summary(cli_env: dict[str, str], session: Session) -> None:
    create_user(session)
    result = CliRunner().invoke(
        app, ["import", str(FILES / "broken_ragged.csv"), "--user", "ada@example.com"]
    )
    assert result.exit_code == 0, result.output
    assert "broken_ragged.csv: Contacts (CSV)" in result.output
    assert "8 rows read: 3 contacts created, 0 updated, 1 unchanged, 2 rejected." in result.output
    assert "Rejected rows: " in result.output
    assert session.execute(select(func.count()).select_from(Contact)).scalar() == 3


def test_import_refuses_unknown_formats_and_users(
    cli_env: dict[str, str], session: Session
) -> None:
    create_user(session)
    unknown = CliRunner().invoke(
        app, ["import", str(FILES / "broken_unknown.csv"), "--user", "ada@example.com"]
    )
    assert unknown.exit_code == 1
    assert "Accepted formats" in unknown.output
    nobody = CliRunner().invoke(
        app, ["import", str(FILES / "contacts_v3.vcf"), "--user", "nobody@example.com"]
    )
    assert nobody.exit_code == 1
    assert "No account with the email" in nobody.output
