"""``pingcrm export``, ``import-json``, ``demo`` and ``backup`` as a user runs them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import vobject
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from pingcrm.cli import app
from pingcrm.config import get_settings
from pingcrm.models import Contact, User
from tests.fixtures.builders import create_contact, create_user


def _count_contacts(session: Session, email: str) -> int:
    session.expire_all()
    return session.execute(
        select(func.count())
        .select_from(Contact)
        .join(User, User.id == Contact.user_id)
        .where(User.email == email)
    ).scalar_one()


def test_demo_then_export_then_import_json(
    cli: CliRunner, cli_session: Session, tmp_path: Path
) -> None:
    create_user(cli_session, "ada@example.com")
    create_user(cli_session, "copy@example.com")
    truth = tmp_path / "truth.json"

    result = cli.invoke(
        app,
        ["demo", "--user", "ada@example.com", "--contacts", "120", "--seed", "3",
         "--truth", str(truth)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created 120 contacts" in result.output
    pairs = json.loads(truth.read_text())
    assert pairs
    assert {"a", "b", "kind", "evidence"} <= set(pairs[0])
    # The demo merges the certain duplicates it planted and says so.
    assert "1 certain duplicate merged" in result.output
    assert "The contacts list shows 108 of the 120: 1 merged into their duplicate" in (
        result.output
    )
    assert _count_contacts(cli_session, "ada@example.com") == 119

    again = cli.invoke(app, ["demo", "--user", "ada@example.com", "--contacts", "10"])
    assert again.exit_code == 1
    assert "already has 119 contacts" in again.output
    assert "--force" in again.output

    stdout = cli.invoke(app, ["export", "--user", "ada@example.com"])
    assert stdout.exit_code == 0, stdout.output
    document = json.loads(stdout.stdout)
    assert document["format_version"] == 1
    assert len(document["contacts"]) == 119

    exported = tmp_path / "ada.json"
    result = cli.invoke(app, ["export", "--user", "ada@example.com", "-o", str(exported)])
    assert result.exit_code == 0, result.output
    assert "Exported 119 contacts" in result.output

    result = cli.invoke(app, ["import-json", str(exported), "--user", "copy@example.com"])
    assert result.exit_code == 0, result.output
    assert "119 contacts" in result.output
    assert _count_contacts(cli_session, "copy@example.com") == 119

    refused = cli.invoke(app, ["import-json", str(exported), "--user", "copy@example.com"])
    assert refused.exit_code == 1
    assert "is not empty" in refused.output
    assert _count_contacts(cli_session, "copy@example.com") == 119


def test_export_vcard_to_a_file(cli: CliRunner, cli_session: Session, tmp_path: Path) -> None:
    user = create_user(cli_session, "ada@example.com")
    create_contact(cli_session, user, "Grace Hopper", ["grace@navy.mil"], company="US Navy")
    target = tmp_path / "contacts.vcf"
    result = cli.invoke(
        app, ["export", "--user", "ada@example.com", "--format", "vcard", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    (card,) = list(vobject.readComponents(target.read_text()))
    assert card.fn.value == "Grace Hopper"
    assert card.email.value == "grace@navy.mil"
    assert card.org.value == ["US Navy"]


def test_unknown_user_and_bad_files_are_clear_errors(
    cli: CliRunner, cli_session: Session, tmp_path: Path
) -> None:
    for args in (
        ["export", "--user", "nobody@example.com"],
        ["demo", "--user", "nobody@example.com", "--contacts", "5"],
    ):
        result = cli.invoke(app, args)
        assert result.exit_code == 1
        assert "No account with the email 'nobody@example.com'" in result.output
    create_user(cli_session, "ada@example.com")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = cli.invoke(app, ["import-json", str(broken), "--user", "ada@example.com"])
    assert result.exit_code == 1
    assert "is not a JSON export" in result.output
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps({"format_version": 7}))
    result = cli.invoke(app, ["import-json", str(foreign), "--user", "ada@example.com"])
    assert result.exit_code == 1
    assert "format version 1" in result.output


def test_backup_copies_the_database_and_refuses_to_overwrite(
    cli: CliRunner, cli_session: Session, tmp_path: Path
) -> None:
    user = create_user(cli_session, "ada@example.com")
    for index in range(3):
        create_contact(cli_session, user, f"Person {index}")
    target = tmp_path / "backups" / "pingcrm-backup.db"

    result = cli.invoke(app, ["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert str(target) in result.output
    assert "KB" in result.output or "MB" in result.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        names = {row[0] for row in copy.execute("SELECT full_name FROM contacts")}
        users = [row[0] for row in copy.execute("SELECT email FROM users")]
    assert names == {"Person 0", "Person 1", "Person 2"}
    assert users == ["ada@example.com"]

    create_contact(cli_session, user, "Person 3")
    refused = cli.invoke(app, ["backup", str(target)])
    assert refused.exit_code == 1
    assert "already exists" in refused.output
    assert "--force" in refused.output

    forced = cli.invoke(app, ["backup", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM contacts").fetchone() == (4,)


def test_backup_on_postgresql_prints_the_pg_dump_command(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(
        "PINGCRM_DATABASE_URL", "postgresql+psycopg://pingcrm:s3cret@db.internal:5433/crm"
    )
    get_settings.cache_clear()
    result = cli.invoke(app, ["backup", str(tmp_path / "crm.dump")])
    assert result.exit_code == 1
    assert "pg_dump --format=custom" in result.output
    assert "--host=db.internal --port=5433 --username=pingcrm crm" in result.output
    assert "s3cret" not in result.output
    assert not (tmp_path / "crm.dump").exists()
