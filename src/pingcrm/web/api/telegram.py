"""``/api/v1/telegram/...``: the three login steps, accounts, Sync settings, 2nd-tier
contacts, disconnect, and sending a suggestion's draft. Errors use the API error shape
(``{"error": {"code", "message", "details": {"field"}}}``)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from pingcrm.telegram import service as telegram
from pingcrm.web.api.envelope import Envelope, one
from pingcrm.web.deps import ApiUser, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["telegram"])


class LoginIn(BaseModel):
    phone: str = Field(max_length=40)


class CodeIn(BaseModel):
    code: str = Field(max_length=20)


class PasswordIn(BaseModel):
    password: str = Field(max_length=256)


class LoginOut(BaseModel):
    step: str | None
    phone: str | None = None
    expires_at: datetime | None = None
    account_id: int | None = None


class TelegramAccountOut(BaseModel):
    id: int
    phone: str
    name: str | None
    state: str
    error: str | None
    last_synced_at: datetime | None
    auto_sync: bool
    schedule: str
    second_tier: bool
    group_size_limit: int


class SyncSettingsIn(BaseModel):
    auto_sync: bool = True
    schedule: str = "daily"
    second_tier: bool = False
    group_size_limit: int = 500


class CountOut(BaseModel):
    count: int


class SentOut(BaseModel):
    suggestion_id: int
    contact_id: int
    account_id: int


def _out(view: telegram.TelegramView) -> TelegramAccountOut:
    return TelegramAccountOut(
        id=view.account.id,
        phone=view.account.external_id,
        name=view.account.display_name,
        state=view.badge.state,
        error=view.badge.error,
        last_synced_at=view.last_synced_at,
        auto_sync=view.auto_sync,
        schedule=view.prefs.schedule,
        second_tier=view.prefs.second_tier,
        group_size_limit=view.prefs.group_size_limit,
    )


def _account(session: SessionDep, user_id: int, account_id: int) -> TelegramAccountOut:
    telegram.telegram_account(session, user_id, account_id)
    views = {v.account.id: v for v in telegram.list_views(session, user_id)}
    return _out(views[account_id])


@router.post("/telegram/login", summary="Step 1: send a login code to the Telegram app")
def login_phone(
    body: LoginIn, session: SessionDep, settings: SettingsDep, user: ApiUser
) -> Envelope[LoginOut]:
    state = telegram.start_login(session, settings, user.id, body.phone)
    return one(LoginOut(step=state.step, phone=state.phone, expires_at=state.expires_at))


@router.post("/telegram/login/code", summary="Step 2: the login code")
def login_code(
    body: CodeIn, session: SessionDep, settings: SettingsDep, user: ApiUser
) -> Envelope[LoginOut]:
    state, account = telegram.submit_code(session, settings, user.id, body.code)
    return one(
        LoginOut(
            step=state.step,
            phone=state.phone,
            expires_at=state.expires_at,
            account_id=account.id if account else None,
        )
    )


@router.post("/telegram/login/password", summary="Step 3: the two-step verification password")
def login_password(
    body: PasswordIn, session: SessionDep, settings: SettingsDep, user: ApiUser
) -> Envelope[LoginOut]:
    account = telegram.submit_password(session, settings, user.id, body.password)
    return one(LoginOut(step=None, account_id=account.id))


@router.get("/telegram/accounts", summary="Connected Telegram accounts")
def list_accounts(session: SessionDep, user: ApiUser) -> Envelope[list[TelegramAccountOut]]:
    return one([_out(v) for v in telegram.list_views(session, user.id)])


@router.put("/telegram/accounts/{account_id}/sync-settings", summary="Sync settings")
def put_sync_settings(
    account_id: int, body: SyncSettingsIn, session: SessionDep, user: ApiUser
) -> Envelope[TelegramAccountOut]:
    telegram.update_sync_settings(
        session,
        user.id,
        account_id,
        auto_sync=body.auto_sync,
        schedule=body.schedule,
        second_tier=body.second_tier,
        group_size_limit=body.group_size_limit,
    )
    return one(_account(session, user.id, account_id))


@router.post("/telegram/accounts/{account_id}/disconnect", summary="Log out and forget")
def disconnect(
    account_id: int, session: SessionDep, settings: SettingsDep, user: ApiUser
) -> Envelope[TelegramAccountOut]:
    telegram.disconnect(session, settings, user.id, account_id)
    return one(_account(session, user.id, account_id))


@router.get("/telegram/second-tier", summary="How many 2nd-tier contacts exist")
def second_tier_count(session: SessionDep, user: ApiUser) -> Envelope[CountOut]:
    return one(CountOut(count=telegram.second_tier_count(session, user.id)))


@router.delete("/telegram/second-tier", summary="Delete every 2nd-tier contact")
def delete_second_tier(session: SessionDep, user: ApiUser) -> Envelope[CountOut]:
    return one(CountOut(count=telegram.delete_second_tier(session, user.id)))


@router.post("/suggestions/{suggestion_id}/send/telegram", summary="Send the draft on Telegram")
def send_suggestion(
    suggestion_id: int, session: SessionDep, settings: SettingsDep, user: ApiUser
) -> Envelope[SentOut]:
    sent = telegram.send_suggestion(session, settings, user.id, suggestion_id)
    return one(
        SentOut(suggestion_id=suggestion_id, contact_id=sent.contact_id, account_id=sent.account.id)
    )
