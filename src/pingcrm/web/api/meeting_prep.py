"""``/api/v1/gmail/accounts/{account_id}/meeting-prep``: the meeting-prep switch."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from pingcrm.kit.bounds import DbId
from pingcrm.meeting_prep import service
from pingcrm.web.api.envelope import Envelope, one
from pingcrm.web.deps import ApiUser, SessionDep

router = APIRouter(prefix="/api/v1", tags=["gmail"])


class MeetingPrepIn(BaseModel):
    enabled: bool


class MeetingPrepOut(BaseModel):
    account_id: int
    enabled: bool
    can_send: bool


@router.put(
    "/gmail/accounts/{account_id}/meeting-prep", summary="Turn meeting-prep emails on or off"
)
def set_meeting_prep(
    account_id: DbId, body: MeetingPrepIn, session: SessionDep, user: ApiUser
) -> Envelope[MeetingPrepOut]:
    """The account's meeting-prep switch (on by default); ``can_send`` says whether the
    account granted the send permission the emails need."""
    account = service.set_enabled(session, user.id, account_id, body.enabled)
    return one(
        MeetingPrepOut(
            account_id=account.id,
            enabled=service.is_enabled(account),
            can_send=service.has_send_scope(account),
        )
    )
