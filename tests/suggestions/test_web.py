"""The suggestions page and ``/api/v1/suggestions`` as a user and the extension see them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from pingcrm.cli import app
from pingcrm.config import get_settings
from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import Direction, Priority, User
from pingcrm.suggestions.service import reactivate_snoozed
from tests.fixtures.builders import (
    api_token,
    create_contact,
    create_interaction,
    create_user,
    login,
)

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def overdue(session: Session, user: User, name: str, email: str) -> int:
    contact = create_contact(
        session, user, name, [email], priority=Priority.HIGH, telegram="@" + name.split()[0].lower()
    )
    create_interaction(
        session,
        user,
        contact,
        direction=Direction.INBOUND,
        occurred_at=NOW - timedelta(days=60),
        preview="Great to meet you",
    )
    return contact.id


def test_generate_list_and_act_through_the_api(client: TestClient, session: Session) -> None:
    with use_clock(FrozenClock(NOW)) as clock:
        user = create_user(session)
        ada_id = overdue(session, user, "Ada Lovelace", "ada@example.com")
        overdue(session, user, "Alan Turing", "alan@example.com")
        headers = api_token(client)

        generated = client.post("/api/v1/suggestions/generate", headers=headers)
        assert generated.json()["data"] == {"created": 2, "skipped": {}}

        listed = client.get(f"/api/v1/suggestions?contact_id={ada_id}", headers=headers).json()
        assert listed["meta"]["total"] == 1
        item = listed["data"][0]
        assert item["contact_name"] == "Ada Lovelace"
        assert item["reason"].startswith("No contact for 60 days")
        assert item["suggested_message"].startswith("Hi Ada, it's been about 2 months")
        assert item["channel"] == "email"

        again = client.post(f"/api/v1/suggestions/{item['id']}/regenerate", headers=headers)
        assert again.status_code == 200
        assert again.json()["data"]["suggested_message"] != item["suggested_message"]

        edited = client.patch(
            f"/api/v1/suggestions/{item['id']}",
            headers=headers,
            json={"message": "Hi Ada!", "channel": "telegram"},
        )
        assert edited.json()["data"]["suggested_message"] == "Hi Ada!"

        snoozed = client.post(
            f"/api/v1/suggestions/{item['id']}/snooze", headers=headers, json={"duration": "2w"}
        )
        assert snoozed.json()["data"]["status"] == "snoozed"
        pending = client.get("/api/v1/suggestions", headers=headers).json()
        assert [s["contact_name"] for s in pending["data"]] == ["Alan Turing"]

        clock.advance(timedelta(days=15))
        assert reactivate_snoozed(session) == 1
        session.commit()
        headers = api_token(client)  # the old token expired two weeks ago
        pending = client.get("/api/v1/suggestions", headers=headers).json()
        assert {s["contact_name"] for s in pending["data"]} == {"Ada Lovelace", "Alan Turing"}

        done = client.post(f"/api/v1/suggestions/{item['id']}/done", headers=headers)
        assert done.json()["data"]["status"] == "done"
        everything = client.get("/api/v1/suggestions?status=all", headers=headers).json()
        assert everything["meta"]["total"] == 2


def test_bad_input_and_other_users_suggestions(client: TestClient, session: Session) -> None:
    with use_clock(FrozenClock(NOW)):
        owner = create_user(session)
        overdue(session, owner, "Ada Lovelace", "ada@example.com")
        create_user(session, email="eve@example.com")
        owner_headers = api_token(client)
        client.post("/api/v1/suggestions/generate", headers=owner_headers)
        listed = client.get("/api/v1/suggestions", headers=owner_headers).json()["data"]
        suggestion_id = listed[0]["id"]
        eve = api_token(client, "eve@example.com")

        assert client.get(f"/api/v1/suggestions/{suggestion_id}", headers=eve).status_code == 404
        stolen = client.post(f"/api/v1/suggestions/{suggestion_id}/dismiss", headers=eve)
        assert stolen.status_code == 404
        assert client.get("/api/v1/suggestions", headers=eve).json()["data"] == []

        bad = client.post(
            f"/api/v1/suggestions/{suggestion_id}/snooze",
            headers=owner_headers,
            json={"duration": "1y"},
        )
        assert bad.status_code == 422
        bad_status = client.get("/api/v1/suggestions?status=maybe", headers=owner_headers)
        assert bad_status.json()["error"]["message"].startswith("status must be one of")
        still = client.get(f"/api/v1/suggestions/{suggestion_id}", headers=owner_headers)
        assert still.json()["data"]["status"] == "pending"


def test_the_page_shows_cards_and_htmx_actions_remove_them(
    client: TestClient, session: Session
) -> None:
    with use_clock(FrozenClock(NOW)):
        user = create_user(session)
        overdue(session, user, "Ada Lovelace", "ada@example.com")
        token = login(client)
        empty = client.get("/suggestions")
        assert "Nothing to do right now." in empty.text

        generated = client.post("/suggestions/generate", data={"csrf_token": token})
        assert generated.status_code == 200
        page = client.get("/suggestions").text
        assert "Ada Lovelace" in page
        assert "No contact for 60 days; your high-priority rule says every 30 days." in page
        assert "Hi Ada, it&#39;s been about 2 months" in page
        assert 'href="mailto:ada@example.com?body=Hi%20Ada' in page

        suggestion_id = int(page.split('id="suggestion-')[1].split('"')[0])
        htmx = {"HX-Request": "true", "X-CSRF-Token": token}
        removed = client.post(f"/suggestions/{suggestion_id}/done", headers=htmx)
        assert removed.status_code == 200
        assert "Marked as done. Nice!" in removed.text
        assert "suggestion-card" not in removed.text
        assert "Ada Lovelace" not in client.get("/suggestions").text
        assert "Ada Lovelace" in client.get("/suggestions?status=done").text


def test_the_cli_generates_and_lists_suggestions(
    session: Session, monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path
) -> None:
    monkeypatch.setenv("PINGCRM_DATABASE_URL", database_url)
    monkeypatch.setenv("PINGCRM_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        with use_clock(FrozenClock(NOW)):
            user = create_user(session)
            overdue(session, user, "Ada Lovelace", "ada@example.com")
            result = CliRunner().invoke(app, ["suggestions", "generate", "--user", user.email])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "1 new suggestion." in result.output
    assert "- Ada Lovelace (email): No contact for" in result.output


def test_the_dashboard_widget_acts_on_suggestions(client: TestClient, session: Session) -> None:
    with use_clock(FrozenClock(NOW)):
        user = create_user(session)
        overdue(session, user, "Ada Lovelace", "ada@example.com")
        token = login(client)
        client.post("/suggestions/generate", data={"csrf_token": token})
        dashboard = client.get("/dashboard").text
        assert "No contact for 60 days" in dashboard
        suggestion_id = int(dashboard.split("/suggestions/")[1].split("/")[0])
        snoozed = client.post(
            f"/suggestions/{suggestion_id}/snooze",
            data={"duration": "2w"},
            headers={"HX-Request": "true", "X-CSRF-Token": token},
        )
        assert "Snoozed until 24 Mar 2026." in snoozed.text
        assert "No contact for 60 days" not in client.get("/dashboard").text
