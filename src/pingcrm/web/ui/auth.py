"""First-run setup, sign-in, sign-out and (when enabled) registration pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from pingcrm.accounts import service
from pingcrm.config import Settings
from pingcrm.errors import PingError
from pingcrm.models import User
from pingcrm.web.deps import (
    SessionDep,
    SettingsDep,
    client_address,
    csrf_token,
    current_session_id,
    verify_csrf,
)
from pingcrm.web.ui.responses import redirect, render, safe_local_path

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def start_session(request: Request, session: Session, user: User) -> None:
    """Sign ``user`` in on this browser (a fresh session, recorded server-side so that it
    can be ended, and a fresh CSRF token)."""
    settings: Settings = request.app.state.settings
    request.session.clear()
    request.session["uid"] = user.id
    request.session["ver"] = user.token_version
    request.session["sid"] = service.open_session(session, user, settings.session_days)
    csrf_token(request)


def _safe_next(target: str | None) -> str:
    return safe_local_path(target, "/dashboard")


@router.get("/")
def home(request: Request, session: SessionDep) -> Response:
    """Send newcomers to setup, everyone else to the dashboard."""
    if not service.has_any_user(session):
        return redirect(request, "/setup")
    return redirect(request, "/dashboard")


@router.get("/setup")
def setup_page(request: Request, session: SessionDep) -> Response:
    if service.has_any_user(session):
        return redirect(request, "/login")
    return render(request, "auth/setup.html", {"mode": "setup", "errors": {}, "email": ""})


@router.post("/setup")
def setup_submit(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    password_confirm: Annotated[str, Form(max_length=1024)],
) -> Response:
    """Create the first account and sign it in."""
    if service.has_any_user(session):
        return redirect(request, "/login")
    return _create_account(request, session, "setup", email, password, password_confirm)


@router.get("/register")
def register_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    if not service.has_any_user(session):
        return redirect(request, "/setup")
    if not settings.allow_signup:
        return render(
            request,
            "auth/setup.html",
            {"mode": "closed", "errors": {}, "email": ""},
            status_code=403,
        )
    return render(request, "auth/setup.html", {"mode": "register", "errors": {}, "email": ""})


@router.post("/register")
def register_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    password_confirm: Annotated[str, Form(max_length=1024)],
) -> Response:
    if not settings.allow_signup:
        return render(
            request,
            "auth/setup.html",
            {"mode": "closed", "errors": {}, "email": ""},
            status_code=403,
        )
    return _create_account(request, session, "register", email, password, password_confirm)


def _create_account(
    request: Request,
    session: SessionDep,
    mode: str,
    email: str,
    password: str,
    password_confirm: str,
) -> Response:
    errors: dict[str, str] = {}
    if password != password_confirm:
        errors["password_confirm"] = "The two passwords differ."
    else:
        try:
            user = service.create_user(session, email, password)
        except PingError as exc:
            errors[str(exc.details.get("field", "email"))] = exc.message
        else:
            start_session(request, session, user)
            return redirect(request, "/dashboard", toast="Welcome to PingCRM.")
    return render(
        request,
        "auth/setup.html",
        {"mode": mode, "errors": errors, "email": email},
        status_code=422,
    )


@router.get("/login")
def login_page(request: Request, session: SessionDep, next: str | None = None) -> Response:
    if not service.has_any_user(session):
        return redirect(request, "/setup")
    return render(request, "auth/login.html", {"error": None, "email": "", "next": next or ""})


@router.post("/login")
def login_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Check the credentials; on success start a session and go where the user was going."""
    address = client_address(request)
    try:
        user = service.authenticate(session, settings, email, password, address)
    except PingError as exc:
        return render(
            request,
            "auth/login.html",
            {"error": exc.message, "email": email, "next": next},
            status_code=exc.status_code,
        )
    start_session(request, session, user)
    return redirect(request, _safe_next(next))


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    """End this browser's session server-side: its cookie, even if kept, no longer works."""
    session_id = current_session_id(request)
    if session_id:
        service.end_session(session, session_id)
    request.session.clear()
    return redirect(request, "/login", toast="You are signed out.")
