"""``/api/v1/twitter/...``: connect (authorization URL), accounts, disconnect. Sync now
and auto-sync are the generic ``/api/v1/connections/{account_id}/...`` endpoints."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from pingcrm.twitter import accounts as x_accounts
from pingcrm.web.api.envelope import Envelope, one
from pingcrm.web.deps import ApiUser, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["twitter"])


class XAccountOut(BaseModel):
    id: int
    x_user_id: str
    handle: str
    state: str
    error: str | None
    dm_access: str | None
    auto_sync: bool
    last_synced_at: datetime | None


class XAuthorizationOut(BaseModel):
    authorization_url: str


def _out(view: x_accounts.XAccountView) -> XAccountOut:
    return XAccountOut(
        id=view.account.id,
        x_user_id=view.account.external_id,
        handle=view.handle,
        state=view.badge.state,
        error=view.badge.error,
        dm_access=view.dm_note,
        auto_sync=view.auto_sync,
        last_synced_at=view.last_synced_at,
    )


@router.get("/twitter/accounts", summary="Connected X accounts")
def list_accounts(session: SessionDep, user: ApiUser) -> Envelope[list[XAccountOut]]:
    """Each X account with its badge state, DM access note and auto-sync switch."""
    return one([_out(v) for v in x_accounts.list_views(session, user.id)])


@router.post("/twitter/connect", summary="Start connecting an X account")
def connect(
    session: SessionDep, settings: SettingsDep, user: ApiUser
) -> Envelope[XAuthorizationOut]:
    """Open ``authorization_url`` in the user's browser; X returns to the Settings
    callback, which must be reached with the same user signed in."""
    url = x_accounts.start_connect(session, settings, user.id)
    return one(XAuthorizationOut(authorization_url=url))


@router.delete("/twitter/accounts/{account_id}", summary="Disconnect (revoke) an X account")
def disconnect(
    account_id: int, session: SessionDep, settings: SettingsDep, user: ApiUser
) -> Envelope[XAccountOut]:
    """Revokes the tokens at X and forgets them; synced interactions stay."""
    x_accounts.disconnect(session, settings, user.id, account_id)
    views = {v.account.id: v for v in x_accounts.list_views(session, user.id)}
    return one(_out(views[account_id]))
