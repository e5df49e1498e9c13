"""Settings → Gmail: connect (OAuth round trip), Sync now, primary account, disconnect;
and the generic "Sync now" of any connected account."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.errors import PingError
from pingcrm.google import accounts as gmail_accounts
from pingcrm.kit.bounds import DbId
from pingcrm.meeting_prep import service as meeting_prep
from pingcrm.models import Provider, RunStatus, SyncKind, User
from pingcrm.platform_accounts import service as accounts
from pingcrm.sync import history
from pingcrm.sync.engine import KIND_WORDS
from pingcrm.sync.now import parse_kind, sync_now
from pingcrm.web.deps import PageUser, SessionDep, SettingsDep, verify_csrf
from pingcrm.web.ui.responses import is_htmx, redirect, templates
from pingcrm.wiring.providers import sync_job_name

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

GMAIL_KINDS = (SyncKind.EMAIL, SyncKind.CONTACTS, SyncKind.CALENDAR)


def gmail_context(session: Session, settings: Settings, user: User) -> dict[str, Any]:
    """What the Gmail card shows."""
    running = {
        run.platform_account_id: run
        for run in history.active(session, user.id, Provider.GMAIL)
        if run.status in (RunStatus.QUEUED, RunStatus.RUNNING)
    }
    views = gmail_accounts.list_views(session, user.id)
    return {
        "gmail_configured": settings.google_configured,
        "gmail_redirect_uri": settings.resolved_google_redirect_uri,
        "gmail_views": views,
        "gmail_meeting_prep": {v.account.id: meeting_prep.is_enabled(v.account) for v in views},
        "gmail_auto_sync": {v.account.id: accounts.auto_sync_enabled(v.account) for v in views},
        "gmail_running": running,
        "gmail_kinds": [(k.value, KIND_WORDS[k]) for k in GMAIL_KINDS],
    }


def _panel(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    *,
    message: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The Gmail card's panel (HTMX), or back to the Settings page."""
    if not is_htmx(request):
        return redirect(request, "/settings#gmail", toast=error or message)
    ctx = {
        "request": request,
        **gmail_context(session, settings, user),
        "gmail_message": message,
        "gmail_error": error,
    }
    return templates.TemplateResponse(
        request, "settings/_gmail_panel.html", ctx, status_code=status_code
    )


@router.get("/settings/gmail/connect")
def gmail_connect(session: SessionDep, settings: SettingsDep, user: PageUser) -> Response:
    """Send the browser to Google's consent screen (a link, not a form: the page's CSP
    only lets forms post to PingCRM itself). The state is bound to the signed-in user,
    so a forged link can only ever connect the victim's own choice to their own account."""
    url = gmail_accounts.start_connect(session, settings, user.id)
    return Response(status_code=303, headers={"Location": url})


@router.get("/settings/gmail/callback")
def gmail_callback(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> Response:
    """Where Google sends the browser back: connect the account, then back to Settings."""
    try:
        account = gmail_accounts.finish_connect(
            session, settings, user.id, code=code, state=state, error=error
        )
    except PingError as exc:
        # The request's transaction still commits: the state is used up either way.
        return redirect(request, "/settings#gmail", toast=exc.message)
    return redirect(
        request,
        "/settings#gmail",
        toast=f"Connected {account.external_id}. Click Sync now to import.",
    )


@router.post("/settings/connections/{account_id}/sync/{kind}")
def connection_sync_now(
    account_id: DbId,
    kind: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
) -> Response:
    """Sync now: enqueue the ``kind`` sync of one connected account (any integration)."""
    which = parse_kind(kind)
    account = sync_now(session, request.app.state.runner, user.id, account_id, which, sync_job_name)
    message = f"{KIND_WORDS.get(which, which.value)} sync of {account.external_id} started."
    if account.provider is Provider.GMAIL:
        return _panel(request, session, settings, user, message=message)
    return redirect(request, f"/settings#{account.provider.value}", toast=message)


@router.post("/settings/gmail/{account_id}/primary")
def gmail_primary(
    account_id: DbId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
) -> Response:
    """Build BCC addresses on this account."""
    account = gmail_accounts.set_primary(session, user.id, account_id)
    return _panel(
        request, session, settings, user, message=f"BCC addresses now use {account.external_id}."
    )


@router.post("/settings/gmail/{account_id}/disconnect")
def gmail_disconnect(
    account_id: DbId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
) -> Response:
    """Revoke and forget the account's tokens; its interactions stay."""
    account = gmail_accounts.disconnect(session, settings, user.id, account_id)
    return _panel(
        request,
        session,
        settings,
        user,
        message=f"Disconnected {account.external_id}. Its emails stay in your timelines.",
    )


@router.post("/settings/gmail/{account_id}/auto-sync")
def auto_sync_switch(
    account_id: DbId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    enabled: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Turn the account's scheduled syncs on (``enabled=on``) or off."""
    on = enabled == "on"
    account = accounts.set_auto_sync(session, user.id, account_id, on)
    if on:
        message = f"{account.external_id} syncs automatically again."
    else:
        message = f"Automatic syncs of {account.external_id} are off; Sync now still works."
    return _panel(request, session, settings, user, message=message)
