"""Connecting X through the OAuth 2.0 round trip (fake X authorize page, PKCE S256,
server-side single-use state), the unconfigured card, Sync now, auto-sync, disconnect
(revoked at X, interactions kept) and the JSON API."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.app import create_app
from pingcrm.config import Settings
from pingcrm.models import Interaction, OAuthState, PlatformAccount, Provider, RunStatus, SyncRun
from pingcrm.platform_accounts import oauth_states
from pingcrm.platform_accounts import service as accounts
from tests.fakes.server import serve_asgi
from tests.fakes.twitter.app import build_app
from tests.fakes.twitter.state import FakeX
from tests.fixtures.builders import create_user, login
from tests.twitter.conftest import ME, x_settings


@dataclass
class Web:
    x: FakeX
    settings: Settings
    client: TestClient
    csrf: str
    session: Session
    user_id: int


@pytest.fixture
def web(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session], session: Session
) -> Iterator[Web]:
    x = FakeX(client_secret="confidential-secret")
    x.add_user(ME, "me_on_x", "Me Myself", "My bio")
    x.add_user("2001", "grace", "Grace Hopper", "Compilers")
    x.consent_user = ME
    x.add_dm(ME, "2001", "hello there", datetime.now(UTC))
    with serve_asgi(build_app(x)) as url:
        configured = x_settings(settings, x, url)
        user = create_user(session)
        app = create_app(configured, engine=engine)
        with TestClient(app, base_url="http://testserver") as client:
            csrf = login(client)
            yield Web(x, configured, client, csrf, session, user.id)


def authorize(web: Web, *, deny: bool = False) -> str:
    """Click Connect X, then Authorize app (or Cancel) on the fake X; the callback URL."""
    start = web.client.get("/settings/twitter/connect", follow_redirects=False)
    assert start.status_code == 303
    auth_url = start.headers["location"]
    page = httpx2.get(auth_url)
    assert page.status_code == 200, page.text
    fields = {
        k: html.unescape(v)
        for k, v in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page.text)
    }
    data = {**fields, "account": ME, "decision": "deny" if deny else "allow"}
    base = auth_url.split("/i/oauth2")[0]
    back = httpx2.post(f"{base}/i/oauth2/authorize/consent", data=data)
    assert back.status_code == 302
    return str(back.headers["location"])


def follow(web: Web, location: str) -> str:
    split = urlsplit(location)
    response = web.client.get(f"{split.path}?{split.query}", follow_redirects=True)
    assert response.status_code == 200
    return response.text


def _accounts(session: Session) -> list[PlatformAccount]:
    session.expire_all()
    return list(
        session.scalars(select(PlatformAccount).where(PlatformAccount.provider == Provider.TWITTER))
    )


def test_connect_uses_pkce_s256_state_and_the_read_scopes(web: Web) -> None:
    location = authorize(web)
    request = web.x.authorize_requests[-1]

    assert request["scope"].split() == ["tweet.read", "users.read", "dm.read", "offline.access"]
    assert request["code_challenge_method"] == "S256"
    assert request["redirect_uri"] == web.settings.resolved_x_redirect_uri
    assert request["redirect_uri"].endswith("/settings/twitter/callback")
    # Only the state travels; the verifier stays server-side, encrypted.
    stored = web.session.scalars(select(OAuthState)).one()
    assert stored.state_digest == oauth_states.digest(request["state"])
    assert request["code_challenge"] not in stored.verifier_encrypted

    page = follow(web, location)

    assert "Connected @me_on_x" in page
    [account] = _accounts(web.session)
    assert (account.external_id, account.display_name) == (ME, "@me_on_x")
    credentials = accounts.read_credentials(web.settings, account)
    assert credentials["refresh_token"] in web.x.refresh_tokens
    assert credentials["refresh_token"] not in (account.credentials_encrypted or "")
    # The verifier matched the challenge at X's token endpoint (a confidential client: Basic).
    assert [r["grant_type"] for r in web.x.token_requests] == ["authorization_code"]
    assert web.session.scalars(select(OAuthState)).all() == []
    assert 'data-state="connected"' in web.client.get("/settings/twitter").text


def test_dm_write_is_asked_only_when_sending_is_enabled(web: Web) -> None:
    web.client.app.state.settings = web.settings.model_copy(update={"x_dm_write": True})  # type: ignore[attr-defined]
    authorize(web)
    assert "dm.write" in web.x.authorize_requests[-1]["scope"].split()


def test_a_state_works_once_and_only_for_its_user(web: Web) -> None:
    location = authorize(web)
    follow(web, location)
    again = follow(web, location)
    assert "unknown or expired" in again
    assert len(_accounts(web.session)) == 1

    # A state issued to another user is refused (and used up).
    other = create_user(web.session, "mallory@example.com")
    query = parse_qs(urlsplit(authorize(web)).query)
    row = web.session.scalars(select(OAuthState)).one()
    row.user_id = other.id
    web.session.commit()
    page = follow(
        web, f"/settings/twitter/callback?code={query['code'][0]}&state={query['state'][0]}"
    )
    assert "unknown or expired" in page


def test_cancel_on_x_connects_nothing(web: Web) -> None:
    page = follow(web, authorize(web, deny=True))
    assert "did not grant access" in page
    assert _accounts(web.session) == []


def test_without_a_client_id_the_card_explains_how_to_create_one(
    settings: Settings, engine: Engine, session: Session
) -> None:
    create_user(session)
    app = create_app(settings, engine=engine)
    with TestClient(app, base_url="http://testserver") as client:
        csrf = login(client)
        page = client.get("/settings/twitter").text
        assert "X is not set up on this server" in page
        assert "PINGCRM_X_CLIENT_ID" in page
        assert "docs/twitter.md" in page
        assert settings.resolved_x_redirect_uri in page
        refused = client.post("/api/v1/twitter/connect", headers={"X-CSRF-Token": csrf})
        assert refused.status_code == 409
        assert "PINGCRM_X_CLIENT_ID" in refused.json()["error"]["message"]


def test_sync_now_auto_sync_and_disconnect(web: Web) -> None:
    follow(web, authorize(web))
    [account] = _accounts(web.session)
    headers = {"X-CSRF-Token": web.csrf, "HX-Request": "true"}

    synced = web.client.post(f"/settings/twitter/{account.id}/sync/dms", headers=headers)
    assert synced.status_code == 200
    assert "DMs sync of @me_on_x started" in synced.text
    web.session.expire_all()
    run = web.session.scalars(select(SyncRun)).one()
    assert (run.kind.value, run.status, run.new_interactions) == ("dms", RunStatus.SUCCESS, 1)

    off = web.client.post(
        f"/settings/twitter/{account.id}/auto-sync", headers=headers, data={"enabled": ""}
    )
    assert "Automatic syncs of @me_on_x are off" in off.text
    assert 'data-testid="x-auto-sync-switch" checked' not in off.text

    history = web.client.get("/settings/sync-history/twitter").text
    assert "DMs" in history or "dms" in history

    live = accounts.read_credentials(web.settings, _accounts(web.session)[0])
    gone = web.client.post(f"/settings/twitter/{account.id}/disconnect", headers=headers)
    assert "Disconnected @me_on_x" in gone.text
    assert live["refresh_token"] in web.x.revoked
    assert live["refresh_token"] not in web.x.refresh_tokens
    [after] = _accounts(web.session)
    assert after.credentials_encrypted is None
    assert len(web.session.scalars(select(Interaction)).all()) == 1  # kept
    assert 'data-state="disconnected"' in gone.text


def test_the_api_lists_connects_and_disconnects(web: Web) -> None:
    started = web.client.post("/api/v1/twitter/connect", headers={"X-CSRF-Token": web.csrf})
    assert started.status_code == 200
    assert "code_challenge_method=S256" in started.json()["data"]["authorization_url"]
    follow(web, authorize(web))
    listed = web.client.get("/api/v1/twitter/accounts").json()["data"]
    assert [(a["handle"], a["state"], a["auto_sync"]) for a in listed] == [
        ("@me_on_x", "connected", True)
    ]
    gone = web.client.delete(
        f"/api/v1/twitter/accounts/{listed[0]['id']}", headers={"X-CSRF-Token": web.csrf}
    ).json()["data"]
    assert gone["state"] == "disconnected"
