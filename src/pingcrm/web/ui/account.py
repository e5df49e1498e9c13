"""The Account section of Settings: change password or email, export, delete."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from pingcrm.accounts import service as accounts
from pingcrm.errors import PingError
from pingcrm.exports import service as exports
from pingcrm.kit.clock import utcnow
from pingcrm.web.deps import PageUser, SessionDep, current_session_id, verify_csrf
from pingcrm.web.ui.responses import is_htmx, redirect
from pingcrm.web.ui.settings import render_settings

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

Secret = Annotated[str, Form(max_length=1024)]


def _error_field(exc: PingError, mapping: dict[str, str], default: str) -> str:
    field = str(exc.details.get("field", ""))
    return mapping.get(field, default)


@router.get("/account")
def account_page(request: Request, user: PageUser) -> Response:
    """The account lives in a section of Settings."""
    return redirect(request, "/settings#account")


def _download(body: str, filename: str, media_type: str) -> Response:
    return Response(
        content=body.encode("utf-8"),
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/account/export.json")
def export_json(session: SessionDep, user: PageUser) -> Response:
    """Everything the account owns as a JSON download (never tokens or secrets)."""
    document = exports.export_account_json(session, user)
    body = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    return _download(
        body, f"pingcrm-export-{utcnow():%Y-%m-%d}.json", "application/json; charset=utf-8"
    )


@router.get("/account/export.vcf")
def export_vcard(session: SessionDep, user: PageUser) -> Response:
    """Every contact as one vCard 4 download."""
    body = exports.export_account_vcard(session, user)
    return _download(body, f"pingcrm-contacts-{utcnow():%Y-%m-%d}.vcf", "text/vcard; charset=utf-8")


@router.post("/account/password")
def change_password(
    request: Request,
    session: SessionDep,
    user: PageUser,
    current_password: Secret = "",
    new_password: Secret = "",
    new_password_repeat: Secret = "",
) -> Response:
    """Change the password; other sessions and tokens end, this browser stays signed in."""
    errors: dict[str, str] = {}
    if new_password != new_password_repeat:
        errors["new_password_repeat"] = "The two new passwords differ."
    else:
        try:
            accounts.change_password(
                session, user, current_password, new_password, current_session_id(request)
            )
        except PingError as exc:
            errors[_error_field(exc, {"password": "new_password"}, "current_password")] = (
                exc.message
            )
    if errors:
        return render_settings(
            request, session, user, block="account", status_code=422, account_errors=errors
        )
    # The version bump signs out every other session; keep this one.
    request.session["ver"] = user.token_version
    message = "Password changed. Every other session has been signed out."
    if not is_htmx(request):
        return redirect(request, "/settings#account", toast=message)
    return render_settings(request, session, user, block="account", account_message=message)


@router.post("/account/email")
def change_email(
    request: Request,
    session: SessionDep,
    user: PageUser,
    new_email: Annotated[str, Form(max_length=320)] = "",
    password: Secret = "",
) -> Response:
    """Change the sign-in email after checking the password."""
    try:
        accounts.change_email(session, user, new_email, password, current_session_id(request))
    except PingError as exc:
        field = _error_field(exc, {"password": "email_password", "email": "new_email"}, "new_email")
        return render_settings(
            request,
            session,
            user,
            block="account",
            status_code=422,
            account_errors={field: exc.message},
            account_form={"new_email": new_email},
        )
    message = f"Your sign-in email is now {user.email}. Every other session has been signed out."
    if not is_htmx(request):
        return redirect(request, "/settings#account", toast=message)
    return render_settings(request, session, user, block="account", account_message=message)


@router.post("/account/sessions/end")
def sign_out_everywhere(request: Request, session: SessionDep, user: PageUser) -> Response:
    """ "Sign out everywhere": every browser (this one too) and every API token."""
    accounts.end_all_sessions(session, user)
    request.session.clear()
    return redirect(request, "/login", toast="You are signed out everywhere.")


@router.post("/account/delete")
def delete_account(
    request: Request,
    session: SessionDep,
    user: PageUser,
    confirm_email: Annotated[str, Form(max_length=320)] = "",
    password: Secret = "",
) -> Response:
    """Delete the account and everything it owns, sign out, land on sign-in (or setup)."""
    try:
        accounts.delete_account(session, user, password, confirm_email)
    except PingError as exc:
        field = _error_field(
            exc, {"password": "delete_password", "confirm_email": "confirm_email"}, "confirm_email"
        )
        return render_settings(
            request,
            session,
            user,
            block="account",
            status_code=422,
            account_errors={field: exc.message},
        )
    request.session.clear()
    target = "/login" if accounts.has_any_user(session) else "/setup"
    return redirect(request, target, toast="Your account and all its data were deleted.")
