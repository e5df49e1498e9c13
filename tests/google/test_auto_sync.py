"""Settings → Gmail → Sync settings: "Sync automatically" stops the scheduled syncs of
one account (never its meeting-prep emails); Sync now keeps working."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.models import PlatformAccount, Provider
from pingcrm.platform_accounts import service as accounts
from pingcrm.worker.execute import expand
from pingcrm.worker.registry import load_jobs
from tests.fakes.google.state import ALL_SCOPES
from tests.fixtures.builders import api_token, create_user, login


def _switch(html: str) -> str:
    start = html.index('data-testid="auto-sync-switch"')
    return html[start : html.index(">", start)]


def _scheduled(session_factory: sessionmaker[Session], job: str) -> set[int | None]:
    return {call.account_id for call in expand(load_jobs()[job], session_factory, "schedule")}


def _connect(session: Session, settings: Settings, user_id: int, address: str) -> PlatformAccount:
    return accounts.connect(
        session,
        settings,
        user_id=user_id,
        provider=Provider.GMAIL,
        external_id=address,
        credentials={"refresh_token": "r"},
        scopes=" ".join(ALL_SCOPES),
    )


def test_turning_auto_sync_off_stops_scheduled_syncs_but_not_meeting_prep(
    client: TestClient,
    session: Session,
    settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    user = create_user(session)
    work = _connect(session, settings, user.id, "ada@work.example")
    home = _connect(session, settings, user.id, "ada@gmail.com")
    session.commit()
    csrf = login(client)
    assert "checked" in _switch(client.get("/settings").text)

    off = client.post(
        f"/settings/gmail/{home.id}/auto-sync",
        data={"csrf_token": csrf},
        headers={"HX-Request": "true"},
    )
    assert off.status_code == 200
    assert "Automatic syncs of ada@gmail.com are off; Sync now still works." in off.text
    for job in ("google.email_sync", "google.calendar_sync", "google.contacts_sync"):
        assert _scheduled(session_factory, job) == {work.id}, job
    assert _scheduled(session_factory, "meeting_prep.scan") == {work.id, home.id}

    on = client.post(
        f"/settings/gmail/{home.id}/auto-sync",
        data={"csrf_token": csrf, "enabled": "on"},
        headers={"HX-Request": "true"},
    )
    assert "ada@gmail.com syncs automatically again." in on.text
    assert _scheduled(session_factory, "google.email_sync") == {work.id, home.id}


def test_the_api_switch_is_per_user(
    client: TestClient, session: Session, settings: Settings
) -> None:
    ada = create_user(session)
    eve = create_user(session, "eve@example.com")
    mine = _connect(session, settings, ada.id, "ada@gmail.com")
    theirs = _connect(session, settings, eve.id, "eve@gmail.com")
    session.commit()
    headers = api_token(client)

    answer = client.put(
        f"/api/v1/connections/{mine.id}/auto-sync", json={"enabled": False}, headers=headers
    )
    assert answer.status_code == 200
    assert answer.json()["data"] == {"account_id": mine.id, "auto_sync": False}
    refused = client.put(
        f"/api/v1/connections/{theirs.id}/auto-sync", json={"enabled": False}, headers=headers
    )
    assert refused.status_code == 404
    session.expire_all()
    stored = session.get(PlatformAccount, theirs.id)
    assert stored is not None
    assert accounts.auto_sync_enabled(stored) is True
