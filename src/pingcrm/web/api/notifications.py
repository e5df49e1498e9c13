"""``/api/v1/notifications``: list, mark one read, mark all read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from pingcrm.kit.bounds import DbId, PageNumber
from pingcrm.kit.pagination import PageRequest
from pingcrm.notifications import service
from pingcrm.notifications.schemas import MarkedOut, NotificationOut
from pingcrm.web.api.envelope import Envelope, ListEnvelope, many, one
from pingcrm.web.deps import ApiUser, SessionDep

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


@router.get("", summary="List notifications")
def list_notifications(
    session: SessionDep,
    user: ApiUser,
    unread: bool = False,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    page: Annotated[PageNumber | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> ListEnvelope[NotificationOut]:
    """The caller's notifications, newest first; ``unread=true`` keeps only unread ones."""
    request = PageRequest.build(limit, page, cursor)
    result = service.list_notifications(session, user.id, request, unread_only=unread)
    return many([NotificationOut.model_validate(n) for n in result.items], result)


@router.post("/read-all", summary="Mark all notifications read")
def read_all(session: SessionDep, user: ApiUser) -> Envelope[MarkedOut]:
    """Mark every notification read."""
    marked = service.mark_all_read(session, user.id)
    return one(MarkedOut(marked=marked, unread=service.unread_count(session, user.id)))


@router.post("/{notification_id}/read", summary="Mark a notification read")
def read_one(
    notification_id: DbId, session: SessionDep, user: ApiUser
) -> Envelope[NotificationOut]:
    """Mark one notification read."""
    notification = service.mark_read(session, user.id, notification_id)
    return one(NotificationOut.model_validate(notification))
