"""``pingcrm identity scan --user E [--json]``."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from pingcrm.cli import app
from tests.fixtures.builders import create_contact, create_user


def test_identity_scan_json_lists_pairs_with_names_emails_score_tier_signals(
    cli: CliRunner, cli_session: Session
) -> None:
    user = create_user(cli_session, "ada@example.com")
    create_contact(cli_session, user, "Robert Smith", ["robert@acme.io"], company="Acme")
    create_contact(cli_session, user, "Bob Smith", ["bob.smith@proton.me"], company="Acme")
    create_contact(cli_session, user, "Carla Jones", ["carla@acme.io"], company="Acme")

    result = cli.invoke(app, ["identity", "scan", "--user", "ada@example.com", "--json"])
    assert result.exit_code == 0, result.output
    [pair] = json.loads(result.output)["pairs"]
    people = sorted((c["name"], c["emails"]) for c in pair["contacts"])
    assert people == [("Bob Smith", ["bob.smith@proton.me"]), ("Robert Smith", ["robert@acme.io"])]
    assert pair["tier"] == 2
    assert pair["score"] >= 0.87
    assert pair["signals"] == ["company", "name"]
    assert pair["action"] == "review"

    text = cli.invoke(app, ["identity", "scan", "--user", "ada@example.com"])
    assert text.exit_code == 0, text.output
    assert "1 probable" in text.output
    assert "Robert Smith ~ Bob Smith" in text.output or "Bob Smith ~ Robert Smith" in text.output


def test_identity_scan_for_an_unknown_account_is_a_clear_error(cli: CliRunner) -> None:
    result = cli.invoke(app, ["identity", "scan", "--user", "nobody@example.com"])
    assert result.exit_code != 0
    assert "No account with the email" in result.output
