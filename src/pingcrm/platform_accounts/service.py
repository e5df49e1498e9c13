"""Platform-account use cases: connect with encrypted credentials, read them back,
record sync outcomes (the badge is derived from these fields by ``sync.badges``)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.errors import NotFound
from pingcrm.kit.clock import utcnow
from pingcrm.kit.crypto import SecretBox
from pingcrm.models import PlatformAccount, Provider
from pingcrm.platform_accounts import repository


def _box(settings: Settings) -> SecretBox:
    return SecretBox(settings.fernet_keys)


def connect(
    session: Session,
    settings: Settings,
    *,
    user_id: int,
    provider: Provider,
    external_id: str,
    credentials: dict[str, Any],
    display_name: str | None = None,
    scopes: str = "",
) -> PlatformAccount:
    """Create or reconnect the account, storing ``credentials`` encrypted; clears errors."""
    account = repository.find(session, user_id, provider, external_id)
    if account is None:
        account = PlatformAccount(
            user_id=user_id,
            provider=provider,
            external_id=external_id[:320],
            sync_settings={},
        )
        session.add(account)
    account.display_name = display_name
    account.scopes = scopes
    account.credentials_encrypted = _box(settings).encrypt(json.dumps(credentials))
    account.last_attempt_failed = False
    account.last_error_is_auth = False
    account.last_error = None
    session.flush()
    return account


def get_account(session: Session, user_id: int, account_id: int) -> PlatformAccount:
    """The user's account; NotFound for unknown ids and other users' accounts."""
    account = repository.get(session, user_id, account_id)
    if account is None:
        raise NotFound("This connection does not exist.")
    return account


def list_accounts(
    session: Session, user_id: int, provider: Provider | None = None
) -> list[PlatformAccount]:
    """The user's connected accounts (of one provider)."""
    return repository.list_for_user(session, user_id, provider)


def read_credentials(settings: Settings, account: PlatformAccount) -> dict[str, Any]:
    """The decrypted credentials ({} when disconnected). Never log the result."""
    if not account.credentials_encrypted:
        return {}
    data = json.loads(_box(settings).decrypt(account.credentials_encrypted))
    return data if isinstance(data, dict) else {}


def store_credentials(
    settings: Settings, account: PlatformAccount, credentials: dict[str, Any]
) -> None:
    """Replace the stored credentials (a refreshed token), encrypted with the newest key."""
    account.credentials_encrypted = _box(settings).encrypt(json.dumps(credentials))


def disconnect(account: PlatformAccount) -> None:
    """Forget the credentials (the badge becomes Disconnected)."""
    account.credentials_encrypted = None
    account.last_attempt_failed = False
    account.last_error_is_auth = False
    account.last_error = None


def mark_success(account: PlatformAccount) -> None:
    """The last sync worked."""
    account.last_attempt_failed = False
    account.last_error_is_auth = False
    account.last_error = None
    account.last_synced_at = utcnow()


def mark_failure(account: PlatformAccount, message: str, *, auth: bool) -> None:
    """The last sync failed (``auth``: the credentials no longer work → Error badge)."""
    account.last_attempt_failed = True
    account.last_error_is_auth = auth
    account.last_error = message[:2000]
    account.last_error_at = utcnow()


AUTO_SYNC = "auto_sync"


def auto_sync_enabled(account: PlatformAccount) -> bool:
    """Whether the account's scheduled syncs run ("Sync automatically", on by default)."""
    return (account.sync_settings or {}).get(AUTO_SYNC, True) is not False


def set_auto_sync(
    session: Session, user_id: int, account_id: int, enabled: bool
) -> PlatformAccount:
    """Turn the account's scheduled syncs on or off; Sync now keeps working either way."""
    account = get_account(session, user_id, account_id)
    account.sync_settings = {**(account.sync_settings or {}), AUTO_SYNC: bool(enabled)}
    session.flush()
    return account
