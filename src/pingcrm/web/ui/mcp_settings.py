"""Settings → MCP access: generate (shown once, copy button), revoke, status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from pingcrm.mcp import keys
from pingcrm.web.deps import PageUser, SessionDep, SettingsDep, verify_csrf
from pingcrm.web.ui.responses import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def _panel(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    *,
    new_key: str | None = None,
    message: str | None = None,
) -> Response:
    return render(
        request,
        "settings/_mcp_panel.html",
        {
            "status": keys.key_status(session, user.id),
            "new_key": new_key,
            "message": message,
            "endpoint": settings.resolved_base_url + "/mcp",
        },
        session=session,
        user=user,
    )


@router.get("/settings/mcp")
def mcp_panel(
    request: Request, session: SessionDep, settings: SettingsDep, user: PageUser
) -> Response:
    return _panel(request, session, settings, user)


@router.post("/settings/mcp/generate")
def generate(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    allow_changes: Annotated[bool, Form()] = False,
) -> Response:
    """A new key, shown once; the previous key stops working."""
    key = keys.generate_key(session, settings, user.id, allow_changes=allow_changes)
    return _panel(request, session, settings, user, new_key=key)


@router.post("/settings/mcp/revoke")
def revoke(
    request: Request, session: SessionDep, settings: SettingsDep, user: PageUser
) -> Response:
    removed = keys.revoke_key(session, user.id)
    message = (
        "Key revoked: AI clients using it are refused from now on."
        if removed
        else "There was no key to revoke."
    )
    return _panel(request, session, settings, user, message=message)
