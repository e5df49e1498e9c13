"""The X sync provider: one platform account (an X user), two kinds (DMs, mentions).

Rotated OAuth tokens are written to the account in their *own* committed transaction the
moment X hands them out (before they are used), so neither a failure later in the run
nor a killed process can leave the account with a refresh token X has already retired.
Each batch's transaction stays the run's own.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from pingcrm.config import Settings
from pingcrm.errors import PingError
from pingcrm.kit.crypto import SecretBox
from pingcrm.models import PlatformAccount, Provider, SyncKind
from pingcrm.platform_accounts import service as accounts
from pingcrm.sync.provider import SyncContext
from pingcrm.twitter.client import XClient
from pingcrm.twitter.sync import XSync


def token_saver(
    factory: sessionmaker[Session], settings: Settings, account: PlatformAccount
) -> Any:
    """A ``persist`` callback for :class:`XClient`: store the new token pair of
    ``account`` encrypted and commit at once, in a session of its own."""

    user_id, account_id = account.user_id, account.id

    def persist(credentials: dict[str, Any]) -> None:
        with factory() as own:
            row = accounts.get_account(own, user_id, account_id)
            accounts.store_credentials(settings, row, credentials)
            encrypted = row.credentials_encrypted
            own.commit()
        # The run's session sees the stored value without writing it a second time.
        set_committed_value(account, "credentials_encrypted", encrypted)

    return persist


def client_for(ctx: SyncContext) -> XClient:
    """The client of a sync run's account (rotated tokens committed on their own)."""
    factory = sessionmaker(bind=ctx.session.get_bind(), expire_on_commit=False)
    return XClient(ctx.settings, ctx.credentials, token_saver(factory, ctx.settings, ctx.account))


def stored_refresh_token(settings: Settings, encrypted: str | None) -> str | None:
    """The refresh token inside stored credentials (tests and diagnostics)."""
    if not encrypted:
        return None
    data = json.loads(SecretBox(settings.fernet_keys).decrypt(encrypted))
    return str(data.get("refresh_token")) if isinstance(data, dict) else None


class TwitterProvider:
    """DMs and mentions of one connected X account."""

    provider = Provider.TWITTER
    kinds: tuple[SyncKind, ...] = (SyncKind.DMS, SyncKind.MENTIONS)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def sync(self, ctx: SyncContext, kind: SyncKind) -> None:
        with client_for(ctx) as client:
            run = XSync(ctx, client)
            if kind is SyncKind.DMS:
                run.sync_dms()
            elif kind is SyncKind.MENTIONS:
                run.sync_mentions()
            else:
                raise PingError(f"X has no {kind.value} sync.")
