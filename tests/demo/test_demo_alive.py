"""``pingcrm demo`` leaves a dashboard that is alive at once: scores, suggestions and a
duplicate scan, an explanation of the contacts the list hides, and no invented failure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from pingcrm.cli import app as cli_app
from pingcrm.config import get_settings
from tests.fixtures.builders import create_user, login


def _count(html: str, element_id: str) -> int:
    match = re.search(rf'id="{element_id}">([0-9,]+)<', html)
    assert match, element_id
    return int(match.group(1).replace(",", ""))


def test_demo_brings_the_dashboard_to_life_and_explains_hidden_contacts(
    client: TestClient,
    session: Session,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    create_user(session, "ada@example.com")
    monkeypatch.setenv("PINGCRM_DATABASE_URL", database_url)
    monkeypatch.setenv("PINGCRM_DATA_DIR", str(tmp_path / "cli"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli_app, ["demo", "--user", "ada@example.com", "--contacts", "400", "--seed", "3"]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "Created 400 contacts" in result.output
    assert re.search(r"The contacts list shows [0-9,]+ of the 400: .*2nd-tier", result.output)
    assert "suggestions for today" in result.output

    login(client)
    dashboard = client.get("/dashboard").text
    strong, warm = _count(dashboard, "count-strong"), _count(dashboard, "count-warm")
    assert strong + warm > 0, "every contact still 0 · Cold"
    assert _count(dashboard, "count-suggestions") > 0
    assert "No suggestions for today" not in dashboard
    # The dashboard explains why its count is not the 400 the demo announced.
    assert re.search(r"[0-9]+ 2nd-tier", dashboard)

    identity = client.get("/identity").text
    assert "No scan yet" not in identity

    notifications = client.get("/notifications").text
    assert "Telegram sync failed" not in notifications
    assert "Reconnect Telegram" not in notifications
    assert "Demo data loaded" in notifications
