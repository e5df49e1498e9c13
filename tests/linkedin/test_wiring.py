"""LinkedIn is in the provider wiring but push-based: no server-side sync job."""

from __future__ import annotations

from typer.testing import CliRunner

from pingcrm.cli import app
from pingcrm.models import Provider, SyncKind
from pingcrm.wiring.providers import PROVIDERS, sync_job_name
from tests.cli.conftest import cli, cli_database, cli_engine, cli_session

__all__ = ["cli", "cli_database", "cli_engine", "cli_session"]


def test_linkedin_is_wired_without_jobs() -> None:
    assert PROVIDERS[Provider.LINKEDIN].jobs == ()
    assert sync_job_name(Provider.LINKEDIN, SyncKind.EXTENSION_PUSH) is None


def test_pingcrm_sync_linkedin_explains_the_extension_syncs(cli: CliRunner) -> None:
    result = cli.invoke(app, ["sync", "linkedin", "--user", "ada@example.com"])
    assert result.exit_code == 1
    assert "linkedin has no server-side sync: it syncs from its browser extension" in result.output
