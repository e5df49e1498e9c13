"""The ``/dashboard`` page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from pingcrm.dashboard import service
from pingcrm.kit.clock import utcnow
from pingcrm.web.deps import PageUser, SessionDep, verify_csrf
from pingcrm.web.ui.responses import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


@router.get("/dashboard")
def dashboard_page(request: Request, session: SessionDep, user: PageUser) -> Response:
    """Counts, suggestions, attention list, birthdays, activity and the weekly chart."""
    return render(
        request,
        "dashboard/index.html",
        {"d": service.get_dashboard(session, user.id)},
        session=session,
        user=user,
    )


@router.get("/dashboard/birthdays")
def birthdays_page(request: Request, session: SessionDep, user: PageUser) -> Response:
    """Every birthday of the next 14 days (the dashboard shows the first few)."""
    return render(
        request,
        "dashboard/birthdays.html",
        {"birthdays": service.upcoming_birthdays(session, user.id, utcnow().date())},
        session=session,
        user=user,
    )
