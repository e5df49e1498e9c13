"""Settings → Gmail → Sync settings: the meeting-prep emails switch of each account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from pingcrm.kit.bounds import DbId
from pingcrm.meeting_prep import service
from pingcrm.web.deps import PageUser, SessionDep, SettingsDep, verify_csrf
from pingcrm.web.ui.gmail_settings import _panel

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


@router.post("/settings/gmail/{account_id}/meeting-prep")
def meeting_prep_switch(
    account_id: DbId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    enabled: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Turn the account's meeting-prep emails on (``enabled=on``) or off."""
    on = enabled == "on"
    account = service.set_enabled(session, user.id, account_id, on)
    state = "on" if on else "off"
    return _panel(
        request,
        session,
        settings,
        user,
        message=f"Meeting-prep emails for {account.external_id} are {state}.",
    )
