"""Connecting Gmail through the OAuth round trip (fake Google consent page), several
accounts, the unconfigured card, re-authorize prompt, disconnect."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.app import create_app
from pingcrm.config import Settings
from pingcrm.models import Interaction, PlatformAccount, Provider, User, UserSettings
from pingcrm.platform_accounts import service as accounts
from pingcrm.sync.oauth2 import OAuthError
from tests.fakes.google.state import GMAIL_SEND, FakeGoogle
from tests.fixtures.builders import create_contact, create_interaction, create_user, login
from tests.google.fake_account import google_settings, served

ME = "me@gmail.com"
WORK = "work@gmail.com"


@dataclass
class Web:
    google: FakeGoogle
    settings: Settings
    client: TestClient
    csrf: str
    session: Session
    user_id: int


@pytest.fixture
def web(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session], session: Session
) -> Iterator[Web]:
    google = FakeGoogle()
    google.add_account(ME)
    google.add_account(WORK)
    with served(google) as url:
        configured = google_settings(settings, google, url)
        user = create_user(session)
        app = create_app(configured, engine=engine)
        with TestClient(app, base_url="http://testserver") as client:
            csrf = login(client)
            yield Web(google, configured, client, csrf, session, user.id)


def consent(
    web: Web, *, account: str = ME, untick: tuple[str, ...] = (), deny: bool = False
) -> str:
    """Click Connect, then Allow (or Cancel) on the fake consent page; the callback URL."""
    start = web.client.get("/settings/gmail/connect", follow_redirects=False)
    assert start.status_code == 303
    auth_url = start.headers["location"]
    page = httpx2.get(auth_url)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    fields = {k: html.unescape(v) for k, v in fields.items()}
    scopes = [s for s in fields["scope"].split() if s not in untick]
    data: dict[str, str | list[str]] = {**fields, "account": account}
    data["grant"] = scopes
    data["decision"] = "deny" if deny else "allow"
    base = auth_url.split("/o/oauth2")[0]
    back = httpx2.post(f"{base}/o/oauth2/v2/auth/consent", data=data)
    assert back.status_code == 303
    return back.headers["location"]


def callback(web: Web, location: str) -> str:
    """Follow Google's redirect to PingCRM; the Settings page shown after it."""
    split = urlsplit(location)
    response = web.client.get(f"{split.path}?{split.query}", follow_redirects=True)
    assert response.status_code == 200
    return response.text


def _accounts(session: Session) -> list[PlatformAccount]:
    session.expire_all()
    return list(session.scalars(select(PlatformAccount).order_by(PlatformAccount.id)))


def test_connect_asks_google_for_offline_access_with_pkce_and_every_scope(web: Web) -> None:
    location = consent(web)
    request = web.google.authorize_requests[-1]

    assert request["access_type"] == "offline"
    assert request["prompt"] == "consent"
    assert request["include_granted_scopes"] == "true"
    assert request["code_challenge_method"] == "S256"
    assert set(request["scope"].split()) == {
        "openid",
        "email",
        "https://www.googleapis.com/auth/gmail.readonly",
        "https://www.googleapis.com/auth/contacts.readonly",
        "https://www.googleapis.com/auth/calendar.readonly",
        GMAIL_SEND,
    }
    assert request["redirect_uri"] == web.settings.resolved_google_redirect_uri
    page = callback(web, location)

    assert "Connected me@gmail.com" in page
    [account] = _accounts(web.session)
    assert (account.provider, account.external_id, account.user_id) == (
        Provider.GMAIL,
        ME,
        web.user_id,
    )
    stored = account.credentials_encrypted or ""
    refresh = accounts.read_credentials(web.settings, account)["refresh_token"]
    assert refresh in web.google.refresh_tokens
    assert refresh not in stored  # encrypted at rest
    assert web.google.token_requests[-1]["code_verifier"]  # PKCE verifier sent


def test_a_forged_or_replayed_state_is_refused_and_connects_nothing(web: Web) -> None:
    location = consent(web)
    split = urlsplit(location)
    query = parse_qs(split.query)
    forged = web.client.get(
        f"{split.path}?code={query['code'][0]}&state=forged", follow_redirects=True
    )
    assert "unknown or expired" in forged.text
    assert _accounts(web.session) == []
    # The genuine state still works once, and never twice.
    assert "Connected" in callback(web, location)
    again = web.client.get(f"{split.path}?{split.query}", follow_redirects=True)
    assert "unknown or expired" in again.text


def test_a_state_issued_to_another_user_is_refused(web: Web, session: Session) -> None:
    location = consent(web)
    create_user(session, "eve@example.com")
    other = TestClient(web.client.app, base_url="http://testserver")
    login(other, "eve@example.com")
    split = urlsplit(location)
    response = other.get(f"{split.path}?{split.query}", follow_redirects=True)
    assert "unknown or expired" in response.text
    assert _accounts(web.session) == []


def test_a_wrong_pkce_verifier_is_refused_by_google(web: Web) -> None:
    from pingcrm.google import oauth

    location = consent(web)
    code = parse_qs(urlsplit(location).query)["code"][0]
    with pytest.raises(OAuthError, match="invalid_grant"):
        oauth.exchange_code(web.settings, code, "not-the-verifier")


def test_cancelling_on_google_connects_nothing(web: Web) -> None:
    page = callback(web, consent(web, deny=True))
    assert "did not grant access" in page
    assert _accounts(web.session) == []


def test_several_accounts_each_with_its_row_and_the_first_is_primary(web: Web) -> None:
    callback(web, consent(web, account=ME))
    page = callback(web, consent(web, account=WORK))

    rows = _accounts(web.session)
    assert [a.external_id for a in rows] == [ME, WORK]
    assert {a.user_id for a in rows} == {web.user_id}
    assert page.count('class="stack gmail-account"') == 2
    prefs = web.session.get(UserSettings, web.user_id)
    assert prefs is not None
    assert prefs.primary_gmail_account_id == rows[0].id
    web.client.post(f"/settings/gmail/{rows[1].id}/primary", data={"csrf_token": web.csrf})
    web.session.expire_all()
    assert web.session.get(UserSettings, web.user_id).primary_gmail_account_id == rows[1].id  # type: ignore[union-attr]


def test_without_send_permission_the_card_offers_reauthorization(web: Web) -> None:
    page = callback(web, consent(web, untick=(GMAIL_SEND,)))
    assert "Re-authorize to enable meeting-prep emails" in page
    # Re-authorizing with the permission clears the prompt (same account, updated scopes).
    page = callback(web, consent(web))
    assert "Re-authorize to enable meeting-prep emails" not in page
    assert len(_accounts(web.session)) == 1


def test_disconnect_revokes_at_google_forgets_tokens_and_keeps_interactions(web: Web) -> None:
    callback(web, consent(web))
    [account] = _accounts(web.session)
    refresh = accounts.read_credentials(web.settings, account)["refresh_token"]
    user = web.session.get(User, web.user_id)
    assert user is not None
    create_interaction(web.session, user, create_contact(web.session, user, "Kim"))

    page = web.client.post(
        f"/settings/gmail/{account.id}/disconnect",
        data={"csrf_token": web.csrf},
        headers={"HX-Request": "true"},
    )

    assert page.status_code == 200
    assert "Disconnected me@gmail.com" in page.text
    assert refresh in web.google.revoked
    [after] = _accounts(web.session)
    assert after.credentials_encrypted is None
    assert web.session.scalar(select(Interaction.id)) is not None


def test_unconfigured_server_explains_and_disables_connect(
    settings: Settings, engine: Engine, session: Session
) -> None:
    create_user(session)
    app = create_app(settings, engine=engine)
    with TestClient(app, base_url="http://testserver") as client:
        login(client)
        page = client.get("/settings").text
    assert 'data-testid="gmail-unconfigured"' in page
    assert "PINGCRM_GOOGLE_CLIENT_ID" in page
    assert re.search(
        r'<button class="btn btn-primary" type="button" disabled[^>]*>Connect Gmail', page
    )


def test_sync_now_imports_mail_onto_the_contact_timeline(web: Web) -> None:
    callback(web, consent(web))
    [account] = _accounts(web.session)
    web.google.add_message(
        ME, sender="Nia Park <nia@example.org>", to=[ME], subject="Lunch?", snippet="Friday"
    )

    response = web.client.post(
        f"/settings/connections/{account.id}/sync/email",
        data={"csrf_token": web.csrf},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "Email sync of me@gmail.com started." in response.text
    web.session.expire_all()
    contact_id = web.session.scalar(select(Interaction.contact_id))
    page = web.client.get(f"/contacts/{contact_id}").text
    assert "Nia Park" in page
    assert "Lunch? — Friday" in page
    assert "Last sync: never" not in web.client.get("/settings").text


def test_the_api_lists_accounts_and_queues_a_sync(web: Web) -> None:
    from tests.fixtures.builders import api_token

    callback(web, consent(web))
    headers = api_token(web.client)
    listed = web.client.get("/api/v1/gmail/accounts", headers=headers).json()["data"]
    assert [(a["address"], a["state"], a["is_primary"], a["can_send"]) for a in listed] == [
        (ME, "connected", True, True)
    ]
    web.google.add_message(ME, sender="ola@example.org", to=[ME], subject="S", snippet="x")

    queued = web.client.post(f"/api/v1/connections/{listed[0]['id']}/sync/email", headers=headers)
    unknown = web.client.post(f"/api/v1/connections/{listed[0]['id']}/sync/nope", headers=headers)
    started = web.client.post("/api/v1/gmail/connect", headers=headers).json()["data"]

    assert queued.status_code == 202
    assert unknown.status_code == 404
    assert started["authorization_url"].startswith(web.settings.google_auth_url)
    runs = web.client.get("/api/v1/sync-runs", headers=headers).json()["data"]
    assert runs[0]["new_interactions"] == 1
