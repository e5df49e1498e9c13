"""The ``/notifications`` page: Unread/All filter, mark one or all read."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from pingcrm.kit.bounds import DbId, PageNumber
from pingcrm.kit.pagination import PageRequest
from pingcrm.notifications import service
from pingcrm.web.deps import PageUser, SessionDep, verify_csrf
from pingcrm.web.ui.responses import is_htmx, redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

PAGE_SIZE = 25
Show = Literal["unread", "all"]


def _page(
    request: Request, session: SessionDep, user: PageUser, show: Show, page: int, *, oob: bool
) -> Response:
    result = service.list_notifications(
        session, user.id, PageRequest.build(PAGE_SIZE, page), unread_only=show == "unread"
    )
    return render(
        request,
        "notifications/list.html",
        {"page": result, "show": show, "oob_badge": oob},
        session=session,
        user=user,
        block="list",
    )


@router.get("/notifications")
def notifications_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    show: Show = "unread",
    page: Annotated[PageNumber, Query()] = 1,
) -> Response:
    """The notifications of the signed-in user, unread first by default."""
    return _page(request, session, user, show, page, oob=False)


@router.post("/notifications/read-all")
def read_all(
    request: Request, session: SessionDep, user: PageUser, show: Show = "unread"
) -> Response:
    """Mark everything read; HTMX gets the list and the refreshed nav badge."""
    service.mark_all_read(session, user.id)
    if is_htmx(request):
        return _page(request, session, user, show, 1, oob=True)
    return redirect(request, f"/notifications?show={show}", toast="All notifications marked read.")


@router.post("/notifications/{notification_id}/read")
def read_one(
    notification_id: DbId,
    request: Request,
    session: SessionDep,
    user: PageUser,
    show: Show = "unread",
) -> Response:
    """Mark one notification read; HTMX gets the item and the refreshed nav badge."""
    notification = service.mark_read(session, user.id, notification_id)
    if is_htmx(request):
        return render(
            request,
            "notifications/_item.html",
            {"n": notification, "show": show, "oob_badge": True},
            session=session,
            user=user,
        )
    return redirect(request, f"/notifications?show={show}")
