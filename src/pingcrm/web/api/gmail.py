"""``/api/v1/gmail/...`` (connect, accounts, primary, disconnect) and the generic
``/api/v1/connections/{account_id}/sync/{kind}`` ("Sync now" of any integration)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, status
from pydantic import BaseModel

from pingcrm.google import accounts as gmail_accounts
from pingcrm.kit.bounds import DbId
from pingcrm.platform_accounts import service as platform_accounts
from pingcrm.sync.now import parse_kind, sync_now
from pingcrm.web.api.envelope import Envelope, one
from pingcrm.web.deps import ApiUser, SessionDep, SettingsDep
from pingcrm.wiring.providers import sync_job_name

router = APIRouter(prefix="/api/v1", tags=["gmail"])


class GmailAccountOut(BaseModel):
    id: int
    address: str
    state: str
    error: str | None
    is_primary: bool
    can_send: bool
    last_synced_at: datetime | None


class AuthorizationOut(BaseModel):
    authorization_url: str


class SyncQueuedOut(BaseModel):
    account_id: int
    kind: str
    queued: bool = True


def _out(view: gmail_accounts.GmailAccountView) -> GmailAccountOut:
    return GmailAccountOut(
        id=view.account.id,
        address=view.account.external_id,
        state=view.badge.state,
        error=view.badge.error,
        is_primary=view.is_primary,
        can_send=view.can_send,
        last_synced_at=view.last_synced_at,
    )


def _view(session: SessionDep, user_id: int, account_id: DbId) -> GmailAccountOut:
    views = {v.account.id: v for v in gmail_accounts.list_views(session, user_id)}
    return _out(views[account_id])


@router.get("/gmail/accounts", summary="Connected Gmail accounts")
def list_accounts(session: SessionDep, user: ApiUser) -> Envelope[list[GmailAccountOut]]:
    """Each account with its badge state, primary flag and whether it may send."""
    return one([_out(v) for v in gmail_accounts.list_views(session, user.id)])


@router.post("/gmail/connect", summary="Start connecting a Gmail account")
def connect(
    session: SessionDep, settings: SettingsDep, user: ApiUser
) -> Envelope[AuthorizationOut]:
    """Open ``authorization_url`` in the user's browser; Google returns to the
    Settings callback, which must be reached with the same user signed in."""
    return one(
        AuthorizationOut(authorization_url=gmail_accounts.start_connect(session, settings, user.id))
    )


@router.put("/gmail/accounts/{account_id}/primary", summary="Use this account for BCC")
def set_primary(account_id: DbId, session: SessionDep, user: ApiUser) -> Envelope[GmailAccountOut]:
    gmail_accounts.set_primary(session, user.id, account_id)
    return one(_view(session, user.id, account_id))


@router.delete("/gmail/accounts/{account_id}", summary="Disconnect (revoke) a Gmail account")
def disconnect(
    account_id: DbId, session: SessionDep, settings: SettingsDep, user: ApiUser
) -> Envelope[GmailAccountOut]:
    """Revokes the token at Google and forgets it; synced interactions stay."""
    gmail_accounts.disconnect(session, settings, user.id, account_id)
    return one(_view(session, user.id, account_id))


@router.post(
    "/connections/{account_id}/sync/{kind}",
    summary="Sync now (any integration)",
    status_code=status.HTTP_202_ACCEPTED,
)
def sync(
    account_id: DbId, kind: str, request: Request, session: SessionDep, user: ApiUser
) -> Envelope[SyncQueuedOut]:
    """Queue the ``kind`` sync (email, contacts, calendar, …) of a connected account;
    follow it with ``GET /api/v1/sync-runs``."""
    account = sync_now(
        session, request.app.state.runner, user.id, account_id, parse_kind(kind), sync_job_name
    )
    return one(SyncQueuedOut(account_id=account.id, kind=kind))


class AutoSyncIn(BaseModel):
    enabled: bool


class AutoSyncOut(BaseModel):
    account_id: int
    auto_sync: bool


@router.put("/connections/{account_id}/auto-sync", summary="Turn scheduled syncs on or off")
def auto_sync(
    account_id: DbId, body: AutoSyncIn, session: SessionDep, user: ApiUser
) -> Envelope[AutoSyncOut]:
    """Whether the connection's scheduled syncs run (on by default); Sync now always works."""
    account = platform_accounts.set_auto_sync(session, user.id, account_id, body.enabled)
    return one(
        AutoSyncOut(account_id=account.id, auto_sync=platform_accounts.auto_sync_enabled(account))
    )
