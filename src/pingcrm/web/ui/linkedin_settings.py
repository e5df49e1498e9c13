"""Settings → LinkedIn: Connect (pairing code modal), status, Disconnect; and the
owner-only route that serves a contact's stored avatar."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.errors import NotFound
from pingcrm.linkedin import avatar_store, pairing, service
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


@router.get("/contacts/{contact_id}/avatar")
def contact_avatar(
    contact_id: int, session: SessionDep, settings: SettingsDep, user: PageUser
) -> Response:
    """A contact's stored avatar, for its owner only."""
    service.contact_of_user(session, user.id, contact_id)
    data = avatar_store.read(settings, user.id, contact_id)
    if data is None:
        raise NotFound("This contact has no stored photo.")
    return Response(
        data,
        media_type="image/jpeg",
        headers={"Cache-Control": "private, max-age=86400"},
    )
