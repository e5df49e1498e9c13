"""Settings → LinkedIn: Connect (pairing code modal), status, Disconnect."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.linkedin import pairing, service
from pingcrm.models import User
from pingcrm.web.deps import PageUser, SessionDep, SettingsDep, verify_csrf
from pingcrm.web.ui.responses import redirect, templates

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def linkedin_context(session: Session, settings: Settings, user: User) -> dict[str, Any]:
    """What the LinkedIn card shows."""
    return {"linkedin": service.status(session, settings, user.id)}


@router.get("/settings/linkedin/connect")
def connect_dialog(request: Request, user: PageUser) -> Response:
    """The Connect modal: where to type the code the extension's popup shows."""
    return templates.TemplateResponse(
        request, "settings/_linkedin_connect.html", {"request": request}
    )


@router.post("/settings/linkedin/pair")
def pair(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    code: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Claim the popup's code; the extension shows Connected at its next poll."""
    address = request.client.host if request.client else "unknown"
    found = pairing.claim_code(session, settings, user.id, code, address)
    return redirect(
        request,
        "/settings/linkedin",
        toast=f"Paired with {found.code}. The extension shows Connected in a few seconds.",
    )


@router.post("/settings/linkedin/disconnect")
def disconnect(request: Request, session: SessionDep, user: PageUser) -> Response:
    """Revoke every extension token at once; synced people and messages stay."""
    revoked = pairing.disconnect_all(session, user.id)
    message = "LinkedIn extension disconnected." if revoked else "The extension was not connected."
    return redirect(request, "/settings/linkedin", toast=message)
