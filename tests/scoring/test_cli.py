"""``pingcrm scores recompute --user E`` as a user runs it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from pingcrm.cli import app
from pingcrm.config import get_settings
from pingcrm.contacts.identifiers import new_bcc_hash
from pingcrm.kit.clock import utcnow
from pingcrm.models import (
    Contact,
    ContactScore,
    Direction,
    Interaction,
    InteractionKind,
    Platform,
)
from tests.fixtures.builders import create_user


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("PINGCRM_DATABASE_URL", database_url)
    monkeypatch.setenv("PINGCRM_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_recompute_scores_the_users_contacts(session: Session, cli_env: None) -> None:
    user = create_user(session)
    person = Contact(
        user_id=user.id, full_name="Grace Hopper", sort_name="grace hopper", bcc_hash=new_bcc_hash()
    )
    session.add(person)
    session.flush()
    for index, direction in enumerate([Direction.INBOUND, Direction.OUTBOUND] * 3):
        session.add(
            Interaction(
                user_id=user.id,
                contact_id=person.id,
                platform=Platform.EMAIL,
                kind=InteractionKind.EMAIL,
                direction=direction,
                occurred_at=utcnow() - timedelta(days=index + 1),
                preview="hello",
                provider_id=f"m{index}",
            )
        )
    session.commit()

    result = CliRunner().invoke(app, ["scores", "recompute", "--user", "ada@example.com"])

    assert result.exit_code == 0, result.output
    assert "Scored 1 contacts; 1 changed." in result.output
    session.expire_all()
    assert session.get(ContactScore, person.id).score >= 7  # type: ignore[union-attr]


def test_unknown_user_is_a_clear_error(session: Session, cli_env: None) -> None:
    result = CliRunner().invoke(app, ["scores", "recompute", "--user", "nobody@example.com"])
    assert result.exit_code == 1
    assert "No account with the email 'nobody@example.com'" in result.output
