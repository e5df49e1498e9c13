"""Settings → Telegram: the three-step login (phone → code → password, each its own
request), Sync settings, 2nd-tier contacts, disconnect; and Send on a suggestion."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.errors import PingError
from pingcrm.models import Provider, RunStatus, User
from pingcrm.sync import history
from pingcrm.telegram import service as telegram
from pingcrm.telegram.settings import SCHEDULES
from pingcrm.web.deps import PageUser, SessionDep, SettingsDep, verify_csrf
from pingcrm.web.ui.responses import is_htmx, redirect, templates

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def telegram_context(session: Session, settings: Settings, user: User) -> dict[str, Any]:
    """What the Telegram card shows."""
    running = {
        run.platform_account_id: run
        for run in history.active(session, user.id, Provider.TELEGRAM)
        if run.status in (RunStatus.QUEUED, RunStatus.RUNNING)
    }
    return {
        "telegram_configured": settings.telegram_configured,
        "telegram_views": telegram.list_views(session, user.id),
        "telegram_login": telegram.login_state(session, settings, user.id),
        "telegram_running": running,
        "telegram_schedules": [(k, label) for k, (label, _d) in SCHEDULES.items()],
        "telegram_second_tier_count": telegram.second_tier_count(session, user.id),
    }


def _panel(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    *,
    message: str | None = None,
    error: PingError | None = None,
) -> Response:
    if not is_htmx(request):
        return redirect(request, "/settings/telegram", toast=error.message if error else message)
    field = (error.details or {}).get("field") if error else None
    ctx = {
        "request": request,
        **telegram_context(session, settings, user),
        "telegram_message": message,
        "telegram_error": error.message if error else None,
        "telegram_error_field": field,
    }
    # 200 so that HTMX swaps the card in: the message sits next to the field.
    return templates.TemplateResponse(request, "settings/_telegram_panel.html", ctx)


@router.post("/settings/telegram/phone")
def telegram_phone(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    phone: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Step 1: Telegram sends a login code to the user's Telegram app."""
    try:
        state = telegram.start_login(session, settings, user.id, phone)
    except PingError as exc:
        return _panel(request, session, settings, user, error=exc)
    return _panel(
        request,
        session,
        settings,
        user,
        message=f"Telegram sent a code to the Telegram app of {state.phone}.",
    )


@router.post("/settings/telegram/code")
def telegram_code(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Step 2: the code; the password step follows when two-step verification is on."""
    try:
        _state, account = telegram.submit_code(session, settings, user.id, code)
    except PingError as exc:
        return _panel(request, session, settings, user, error=exc)
    if account is None:
        return _panel(
            request,
            session,
            settings,
            user,
            message="This account has two-step verification: enter your password.",
        )
    return _panel(
        request,
        session,
        settings,
        user,
        message=f"Connected {account.display_name}. Click Sync chats now to import.",
    )


@router.post("/settings/telegram/password")
def telegram_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    """Step 3: the two-step verification (cloud) password."""
    try:
        account = telegram.submit_password(session, settings, user.id, password)
    except PingError as exc:
        return _panel(request, session, settings, user, error=exc)
    return _panel(
        request,
        session,
        settings,
        user,
        message=f"Connected {account.display_name}. Click Sync chats now to import.",
    )


@router.post("/settings/telegram/cancel")
def telegram_cancel(
    request: Request, session: SessionDep, settings: SettingsDep, user: PageUser
) -> Response:
    telegram.cancel_login(session, user.id)
    return _panel(request, session, settings, user, message="Login cancelled.")


@router.post("/settings/telegram/{account_id}/disconnect")
def telegram_disconnect(
    account_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
) -> Response:
    """Log the session out at Telegram and forget it; its messages stay."""
    account = telegram.disconnect(session, settings, user.id, account_id)
    return _panel(
        request,
        session,
        settings,
        user,
        message=f"Disconnected {account.external_id}. Its messages stay in your timelines.",
    )


@router.post("/settings/telegram/{account_id}/sync-settings")
def telegram_sync_settings(
    account_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    auto_sync: Annotated[str, Form(max_length=8)] = "",
    schedule: Annotated[str, Form(max_length=16)] = "daily",
    second_tier: Annotated[str, Form(max_length=8)] = "",
    group_size_limit: Annotated[str, Form(max_length=10)] = "500",
) -> Response:
    try:
        telegram.update_sync_settings(
            session,
            user.id,
            account_id,
            auto_sync=auto_sync == "on",
            schedule=schedule,
            second_tier=second_tier == "on",
            group_size_limit=group_size_limit,
        )
    except PingError as exc:
        if exc.status_code == 404:
            raise
        return _panel(request, session, settings, user, error=exc)
    return _panel(request, session, settings, user, message="Sync settings saved.")


@router.post("/settings/telegram/second-tier/delete")
def telegram_delete_second_tier(
    request: Request, session: SessionDep, settings: SettingsDep, user: PageUser
) -> Response:
    deleted = telegram.delete_second_tier(session, user.id)
    return _panel(request, session, settings, user, message=f"Deleted {deleted} 2nd-tier contacts.")


@router.post("/suggestions/{suggestion_id}/send-telegram")
def suggestion_send_telegram(
    suggestion_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
) -> Response:
    """Send the draft as a Telegram message (one click); the suggestion is done."""
    telegram.send_suggestion(session, settings, user.id, suggestion_id)
    return redirect(request, "/suggestions", toast="Sent on Telegram.")
