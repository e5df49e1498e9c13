"""Settings → Twitter / X: connect (OAuth 2.0 + PKCE round trip), Sync now, Sync
settings (auto-sync), disconnect."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.errors import PingError
from pingcrm.models import Provider, RunStatus, SyncKind, User
from pingcrm.platform_accounts import service as accounts
from pingcrm.sync import history
from pingcrm.sync.engine import KIND_WORDS
from pingcrm.sync.now import parse_kind, sync_now
from pingcrm.twitter import accounts as x_accounts
from pingcrm.twitter.oauth import scopes
from pingcrm.web.deps import PageUser, SessionDep, SettingsDep, verify_csrf
from pingcrm.web.ui.responses import is_htmx, redirect, templates
from pingcrm.wiring.providers import sync_job_name

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

X_KINDS = (SyncKind.DMS, SyncKind.MENTIONS)


def twitter_context(session: Session, settings: Settings, user: User) -> dict[str, Any]:
    """What the X card shows."""
    running = {
        run.platform_account_id: run
        for run in history.active(session, user.id, Provider.TWITTER)
        if run.status in (RunStatus.QUEUED, RunStatus.RUNNING)
    }
    return {
        "x_configured": settings.x_configured,
        "x_redirect_uri": settings.resolved_x_redirect_uri,
        "x_scopes": " ".join(scopes(settings)),
        "x_views": x_accounts.list_views(session, user.id),
        "x_running": running,
        "x_kinds": [(k.value, KIND_WORDS[k]) for k in X_KINDS],
    }


def _panel(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    *,
    message: str | None = None,
) -> Response:
    """The X card's panel (HTMX), or back to the Settings page."""
    if not is_htmx(request):
        return redirect(request, "/settings/twitter", toast=message)
    ctx = {"request": request, **twitter_context(session, settings, user), "x_message": message}
    return templates.TemplateResponse(request, "settings/_twitter_panel.html", ctx)


@router.get("/settings/twitter/connect")
def twitter_connect(session: SessionDep, settings: SettingsDep, user: PageUser) -> Response:
    """Send the browser to X's authorization page (state + PKCE verifier kept here)."""
    url = x_accounts.start_connect(session, settings, user.id)
    return Response(status_code=303, headers={"Location": url})


@router.get("/settings/twitter/callback")
def twitter_callback(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> Response:
    """Where X sends the browser back: connect the account, then back to Settings."""
    try:
        account = x_accounts.finish_connect(
            session, settings, user.id, code=code, state=state, error=error
        )
    except PingError as exc:
        session.commit()  # the state was used up either way
        return redirect(request, "/settings/twitter", toast=exc.message)
    name = account.display_name or account.external_id
    return redirect(
        request, "/settings/twitter", toast=f"Connected {name}. Click Sync now to import."
    )


@router.post("/settings/twitter/{account_id}/sync/{kind}")
def twitter_sync_now(
    account_id: int,
    kind: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
) -> Response:
    """Sync now: enqueue the DM or mention sync of the account."""
    which = parse_kind(kind)
    account = x_accounts.x_account(session, user.id, account_id)
    sync_now(session, request.app.state.runner, user.id, account.id, which, sync_job_name)
    name = account.display_name or account.external_id
    message = f"{KIND_WORDS.get(which, which.value)} sync of {name} started."
    return _panel(request, session, settings, user, message=message)


@router.post("/settings/twitter/{account_id}/disconnect")
def twitter_disconnect(
    account_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
) -> Response:
    """Revoke and forget the account's tokens; its interactions stay."""
    account = x_accounts.disconnect(session, settings, user.id, account_id)
    name = account.display_name or account.external_id
    return _panel(
        request,
        session,
        settings,
        user,
        message=f"Disconnected {name}. Its DMs and mentions stay in your timelines.",
    )


@router.post("/settings/twitter/{account_id}/auto-sync")
def twitter_auto_sync(
    account_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    enabled: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Turn the account's daily syncs on (``enabled=on``) or off."""
    account = x_accounts.x_account(session, user.id, account_id)
    on = enabled == "on"
    accounts.set_auto_sync(session, user.id, account.id, on)
    name = account.display_name or account.external_id
    message = (
        f"{name} syncs automatically again."
        if on
        else f"Automatic syncs of {name} are off; Sync now still works."
    )
    return _panel(request, session, settings, user, message=message)
