"""Connecting X accounts: the OAuth round trip, disconnecting (revoked at X, the synced
interactions stay), and what the Settings card shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx2
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.errors import NotFound
from pingcrm.models import PlatformAccount, Provider
from pingcrm.platform_accounts import service as accounts
from pingcrm.sync import oauth2
from pingcrm.sync.badges import Badge, badge_for
from pingcrm.sync.errors import ProviderAuthError, ProviderTransientError
from pingcrm.sync.oauth2 import OAuthError
from pingcrm.twitter import oauth
from pingcrm.twitter.client import XApiError, XClient
from pingcrm.twitter.sync import dm_access_note


@dataclass(frozen=True)
class XAccountView:
    """One row of the X card."""

    account: PlatformAccount
    badge: Badge
    handle: str
    dm_note: str | None
    auto_sync: bool
    last_synced_at: datetime | None


def start_connect(session: Session, settings: Settings, user_id: int) -> str:
    """X's authorization URL for ``user_id`` (state and PKCE verifier kept here)."""
    return oauth.authorization_url(session, settings, user_id)


def finish_connect(
    session: Session,
    settings: Settings,
    user_id: int,
    *,
    code: str | None,
    state: str | None,
    error: str | None = None,
    http: httpx2.Client | None = None,
) -> PlatformAccount:
    """Complete the callback for the signed-in ``user_id``: check the state, exchange the
    code, learn who the X user is, store the tokens encrypted. Reconnecting the same X
    user updates its account."""
    verifier = oauth.consume_state(session, settings, user_id, state or "")
    code = oauth2.check_callback("X", code=code, error=error)
    tokens = oauth.exchange_code(settings, code, verifier, http=http)
    missing = {"tweet.read", "users.read"} - tokens.scopes if tokens.scopes else set()
    if missing:
        raise OAuthError(
            f"X did not grant {', '.join(sorted(missing))}; PingCRM needs it to sync. "
            "Click Connect again and allow it."
        )
    client = XClient(settings, tokens.as_credentials(), http=http)
    try:
        me = client.me()
    except (XApiError, ProviderAuthError, ProviderTransientError) as exc:
        raise OAuthError(f"X's profile could not be read: {exc}") from exc
    finally:
        client.close()
    handle = str(me.get("username") or "")
    return accounts.connect(
        session,
        settings,
        user_id=user_id,
        provider=Provider.TWITTER,
        external_id=str(me["id"]),
        credentials=client.credentials,
        display_name=f"@{handle}" if handle else str(me.get("name") or me["id"]),
        scopes=" ".join(sorted(tokens.scopes)),
    )


def disconnect(
    session: Session,
    settings: Settings,
    user_id: int,
    account_id: int,
    *,
    http: httpx2.Client | None = None,
) -> PlatformAccount:
    """Revoke the tokens at X (best effort), forget them; the synced interactions stay."""
    account = x_account(session, user_id, account_id)
    credentials = accounts.read_credentials(settings, account)
    if credentials.get("refresh_token"):
        oauth.revoke(settings, str(credentials["refresh_token"]), "refresh_token", http=http)
    if credentials.get("access_token"):
        oauth.revoke(settings, str(credentials["access_token"]), "access_token", http=http)
    accounts.disconnect(account)
    session.flush()
    return account


def list_views(session: Session, user_id: int) -> list[XAccountView]:
    """The user's X accounts as the card shows them."""
    return [
        XAccountView(
            account=account,
            badge=badge_for(account),
            handle=account.display_name or account.external_id,
            dm_note=dm_access_note(account.sync_settings),
            auto_sync=accounts.auto_sync_enabled(account),
            last_synced_at=account.last_synced_at,
        )
        for account in accounts.list_accounts(session, user_id, Provider.TWITTER)
    ]


def x_account(session: Session, user_id: int, account_id: int) -> PlatformAccount:
    """The user's X account ``account_id`` (NotFound for any other)."""
    account = accounts.get_account(session, user_id, account_id)
    if account.provider is not Provider.TWITTER:
        raise NotFound("This X account does not exist.")
    return account
