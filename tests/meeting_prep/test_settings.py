"""Settings → Gmail → Sync settings: the meeting-prep switch, on by default."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.meeting_prep import service
from pingcrm.models import PlatformAccount, Provider
from pingcrm.platform_accounts import service as accounts
from tests.fakes.google.state import ALL_SCOPES
from tests.fixtures.builders import create_user, login


def _switch(html: str) -> str:
    start = html.index('data-testid="meeting-prep-switch"')
    return html[start : html.index(">", start)]


def test_the_switch_is_on_by_default_and_turns_off(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = create_user(session)
    account = accounts.connect(
        session,
        settings,
        user_id=user.id,
        provider=Provider.GMAIL,
        external_id="ada@gmail.com",
        credentials={"refresh_token": "r"},
        scopes=" ".join(ALL_SCOPES),
    )
    session.commit()
    csrf = login(client)
    page = client.get("/settings").text
    assert "Meeting-prep emails" in page
    assert "checked" in _switch(page)

    off = client.post(
        f"/settings/gmail/{account.id}/meeting-prep",
        data={"csrf_token": csrf},
        headers={"HX-Request": "true"},
    )
    assert off.status_code == 200
    assert "Meeting-prep emails for ada@gmail.com are off." in off.text
    assert "checked" not in _switch(off.text)
    session.expire_all()
    stored = session.get(PlatformAccount, account.id)
    assert stored is not None
    assert service.is_enabled(stored) is False

    on = client.post(
        f"/settings/gmail/{account.id}/meeting-prep",
        data={"csrf_token": csrf, "enabled": "on"},
        headers={"HX-Request": "true"},
    )
    assert "Meeting-prep emails for ada@gmail.com are on." in on.text
    assert "checked" in _switch(on.text)


def test_without_the_send_scope_the_switch_is_disabled(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = create_user(session)
    accounts.connect(
        session,
        settings,
        user_id=user.id,
        provider=Provider.GMAIL,
        external_id="ada@gmail.com",
        credentials={"refresh_token": "r"},
        scopes=" ".join(s for s in ALL_SCOPES if not s.endswith("gmail.send")),
    )
    session.commit()
    login(client)
    page = client.get("/settings").text
    assert "disabled" in _switch(page)
    assert "Re-authorize to enable meeting-prep emails" in page


def test_the_api_switch(client: TestClient, session: Session, settings: Settings) -> None:
    from tests.fixtures.builders import api_token

    user = create_user(session)
    account = accounts.connect(
        session,
        settings,
        user_id=user.id,
        provider=Provider.GMAIL,
        external_id="ada@gmail.com",
        credentials={"refresh_token": "r"},
        scopes=" ".join(ALL_SCOPES),
    )
    session.commit()
    headers = api_token(client)
    answer = client.put(
        f"/api/v1/gmail/accounts/{account.id}/meeting-prep",
        json={"enabled": False},
        headers=headers,
    )
    assert answer.status_code == 200
    assert answer.json()["data"] == {"account_id": account.id, "enabled": False, "can_send": True}
    bad = client.put(
        f"/api/v1/gmail/accounts/{account.id}/meeting-prep",
        json={"enabled": "maybe"},
        headers=headers,
    )
    assert bad.status_code == 422
    missing = client.put(
        "/api/v1/gmail/accounts/999999/meeting-prep", json={"enabled": True}, headers=headers
    )
    assert missing.status_code == 404
