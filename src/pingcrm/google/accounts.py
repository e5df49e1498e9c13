"""Connecting Gmail accounts: the OAuth round trip, several accounts per user, the
primary account (for BCC addresses), disconnecting, and what the Settings card shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx2
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.errors import NotFound
from pingcrm.google import oauth, quota
from pingcrm.google.client import GoogleApiError, GoogleClient
from pingcrm.models import PlatformAccount, Provider
from pingcrm.platform_accounts import service as accounts
from pingcrm.settings import repository as settings_repository
from pingcrm.sync import oauth2
from pingcrm.sync.badges import Badge, badge_for
from pingcrm.sync.errors import ProviderAuthError, ProviderTransientError
from pingcrm.sync.oauth2 import OAuthError


@dataclass(frozen=True)
class GmailAccountView:
    """One row of the Gmail card."""

    account: PlatformAccount
    badge: Badge
    is_primary: bool
    can_send: bool
    last_synced_at: datetime | None


def start_connect(session: Session, settings: Settings, user_id: int) -> str:
    """The consent-screen URL for ``user_id`` (state and PKCE verifier kept here)."""
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
    code, learn the Gmail address, store the tokens encrypted. Never creates or switches a
    PingCRM user; reconnecting an address updates its account."""
    verifier = oauth.consume_state(session, settings, user_id, state or "")
    code = oauth2.check_callback("Google", code=code, error=error)
    tokens = oauth.exchange_code(settings, code, verifier, http=http)
    credentials = tokens.as_credentials()
    if oauth.GMAIL_READONLY not in tokens.scopes:
        raise OAuthError(
            'Gmail read access was not granted: tick "Read your email" on Google\'s '
            "consent screen to connect."
        )
    client = GoogleClient(settings, credentials, quota_key=f"connect:{user_id}", http=http)
    try:
        profile = client.get_json(
            client.gmail_url("/profile"), units=quota.UNITS["gmail.getProfile"]
        )
    except (GoogleApiError, ProviderAuthError, ProviderTransientError) as exc:
        raise OAuthError(f"Google's profile could not be read: {exc}") from exc
    finally:
        client.close()
    address = str(profile.get("emailAddress") or "").strip().lower()
    if not address:
        raise OAuthError("Google did not tell which Gmail address this is.")
    account = accounts.connect(
        session,
        settings,
        user_id=user_id,
        provider=Provider.GMAIL,
        external_id=address,
        credentials=client.credentials,
        display_name=address,
        scopes=credentials["scope"],
    )
    prefs = settings_repository.get_or_create(session, user_id)
    if prefs.primary_gmail_account_id is None:
        prefs.primary_gmail_account_id = account.id
    session.flush()
    return account


def disconnect(
    session: Session,
    settings: Settings,
    user_id: int,
    account_id: int,
    *,
    http: httpx2.Client | None = None,
) -> PlatformAccount:
    """Revoke the token at Google (best effort), forget the credentials; the synced
    interactions stay. A primary account hands the role to another connected one."""
    account = _gmail_account(session, user_id, account_id)
    credentials = accounts.read_credentials(settings, account)
    token = credentials.get("refresh_token") or credentials.get("access_token")
    if token:
        oauth.revoke(settings, str(token), http=http)
    accounts.disconnect(account)
    prefs = settings_repository.get_or_create(session, user_id)
    if prefs.primary_gmail_account_id == account.id:
        others = [
            a
            for a in accounts.list_accounts(session, user_id, Provider.GMAIL)
            if a.id != account.id and a.credentials_encrypted
        ]
        prefs.primary_gmail_account_id = others[0].id if others else None
    session.flush()
    return account


def set_primary(session: Session, user_id: int, account_id: int) -> PlatformAccount:
    """Make the account the one BCC addresses are built on."""
    account = _gmail_account(session, user_id, account_id)
    prefs = settings_repository.get_or_create(session, user_id)
    prefs.primary_gmail_account_id = account.id
    session.flush()
    return account


def can_send(account: PlatformAccount) -> bool:
    """Whether meeting-prep emails may be sent from this account (gmail.send granted)."""
    return oauth.GMAIL_SEND in (account.scopes or "").split()


def list_views(session: Session, user_id: int) -> list[GmailAccountView]:
    """The user's Gmail accounts as the card shows them."""
    prefs = settings_repository.get_or_create(session, user_id)
    return [
        GmailAccountView(
            account=account,
            badge=badge_for(account),
            is_primary=account.id == prefs.primary_gmail_account_id,
            can_send=can_send(account),
            last_synced_at=account.last_synced_at,
        )
        for account in accounts.list_accounts(session, user_id, Provider.GMAIL)
    ]


def _gmail_account(session: Session, user_id: int, account_id: int) -> PlatformAccount:
    account = accounts.get_account(session, user_id, account_id)
    if account.provider is not Provider.GMAIL:
        raise NotFound("This Gmail account does not exist.")
    return account
