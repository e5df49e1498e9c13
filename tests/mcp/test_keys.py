"""MCP keys: shown once, only an HMAC digest stored, replaced on regenerate, revocable."""

from __future__ import annotations

import hashlib
import hmac

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.mcp.keys import authenticate
from tests.fixtures.builders import api_token, create_user, login


def test_generate_status_replace_and_revoke_through_the_api(
    client: TestClient, session: Session, settings: Settings
) -> None:
    create_user(session)
    headers = api_token(client)
    assert client.get("/api/v1/settings/mcp-key", headers=headers).json()["data"]["active"] is (
        False
    )

    first = client.post(
        "/api/v1/settings/mcp-key", headers=headers, json={"allow_changes": True}
    ).json()["data"]
    key = first["key"]
    assert key.startswith("pingcrm_")
    assert len(key) >= len("pingcrm_") + 43
    status = client.get("/api/v1/settings/mcp-key", headers=headers).json()["data"]
    assert status["active"] is True
    assert status["allow_changes"] is True
    assert "key" not in status

    stored = session.execute(text("SELECT digest FROM mcp_keys")).scalar_one()
    expected = hmac.new(settings.mcp_hmac_secret.encode(), key.encode(), hashlib.sha256)
    assert stored == expected.hexdigest()
    assert stored != hashlib.sha256(key.encode()).hexdigest()
    dump = " ".join(str(v) for v in session.execute(text("SELECT * FROM mcp_keys")).one())
    assert key not in dump

    second = client.post("/api/v1/settings/mcp-key", headers=headers, json={}).json()["data"]
    session.expire_all()
    assert authenticate(session, settings, key) is None
    caller = authenticate(session, settings, second["key"])
    assert caller is not None
    assert caller.allow_changes is False
    session.commit()  # authenticate() records the use; release SQLite's write lock

    revoked = client.delete("/api/v1/settings/mcp-key", headers=headers).json()["data"]
    assert revoked["active"] is False
    session.expire_all()
    assert authenticate(session, settings, second["key"]) is None


def test_the_settings_panel_shows_the_key_once(client: TestClient, session: Session) -> None:
    create_user(session)
    token = login(client)
    htmx = {"HX-Request": "true", "X-CSRF-Token": token}
    assert 'hx-get="/settings/mcp"' in client.get("/settings/mcp-access").text
    assert "No key" in client.get("/settings/mcp", headers=htmx).text

    made = client.post("/settings/mcp/generate", headers=htmx, data={"allow_changes": "true"})
    key = made.text.split('id="mcp-new-key">')[1].split("<")[0]
    assert key.startswith("pingcrm_")
    assert f'data-copy="{key}"' in made.text
    assert "it will not be shown again" in made.text

    again = client.get("/settings/mcp", headers=htmx).text
    assert key not in again
    assert "Active" in again
    assert "read and change" in again

    gone = client.post("/settings/mcp/revoke", headers=htmx).text
    assert "Key revoked" in gone
    assert "No key" in gone


def test_the_client_setup_guide_is_linked_and_rendered(
    client: TestClient, session: Session
) -> None:
    create_user(session)
    login(client)
    assert 'href="/help/mcp"' in client.get("/settings/mcp-access").text
    guide = client.get("/help/mcp")
    assert guide.status_code == 200
    assert "<h2>2. Configure your client</h2>" in guide.text
    assert "claude_desktop_config.json" in guide.text
    assert client.get("/help/nope").status_code == 404
