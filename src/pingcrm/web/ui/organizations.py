"""The ``/organizations`` pages: searchable list with aggregates, detail with merge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from pingcrm.errors import PingError
from pingcrm.kit.bounds import DbId, PageNumber
from pingcrm.kit.pagination import PageRequest
from pingcrm.organizations import service
from pingcrm.organizations.schemas import OrgSort
from pingcrm.web.deps import PageUser, SessionDep, verify_csrf
from pingcrm.web.ui.responses import redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

PAGE_SIZE = 50
PEOPLE_PAGE_SIZE = 50
MERGE_CANDIDATES = 20
SORT_LABELS: list[tuple[str, str]] = [
    ("name", "Name (A–Z)"),
    ("-name", "Name (Z–A)"),
    ("-contacts", "Most contacts"),
    ("-interactions", "Most interactions"),
    ("-score", "Highest average score"),
    ("score", "Lowest average score"),
]


@router.get("/organizations")
def organizations_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    q: Annotated[str, Query(max_length=200)] = "",
    sort: OrgSort = "name",
    page: Annotated[PageNumber, Query()] = 1,
) -> Response:
    """Organizations with contact count, interaction count and average score."""
    result = service.list_organizations(
        session, user.id, PageRequest.build(PAGE_SIZE, page), q=q, sort=sort
    )
    return render(
        request,
        "organizations/list.html",
        {"page": result, "q": q, "sort": sort, "sort_labels": SORT_LABELS},
        session=session,
        user=user,
        block="results",
    )


def _detail(
    request: Request,
    session: SessionDep,
    user: PageUser,
    organization_id: DbId,
    *,
    page: PageNumber = 1,
    merge_q: str = "",
    merge_error: str | None = None,
    status_code: int = 200,
    block: str | None = None,
) -> Response:
    detail = service.get_organization(
        session, user.id, organization_id, PageRequest.build(PEOPLE_PAGE_SIZE, page)
    )
    candidates = []
    if merge_q.strip():
        found = service.list_organizations(
            session, user.id, PageRequest.build(MERGE_CANDIDATES + 1), q=merge_q
        )
        candidates = [o for o in found.items if o.id != organization_id][:MERGE_CANDIDATES]
    return render(
        request,
        "organizations/detail.html",
        {
            "org": detail.organization,
            "people": detail.people,
            "merge_q": merge_q,
            "candidates": candidates,
            "merge_error": merge_error,
        },
        session=session,
        user=user,
        block=block,
        status_code=status_code,
    )


@router.get("/organizations/{organization_id}")
def organization_page(
    organization_id: DbId,
    request: Request,
    session: SessionDep,
    user: PageUser,
    page: Annotated[PageNumber, Query()] = 1,
    merge_q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """An organization, its people and the merge form."""
    block = "merge" if request.headers.get("HX-Target") == "merge" else None
    return _detail(request, session, user, organization_id, page=page, merge_q=merge_q, block=block)


@router.post("/organizations/{organization_id}/merge")
def merge(
    organization_id: DbId,
    request: Request,
    session: SessionDep,
    user: PageUser,
    other_id: Annotated[DbId, Form()],
) -> Response:
    """Merge another of the user's organizations into this one."""
    try:
        result = service.merge_organizations(session, user.id, organization_id, other_id)
    except PingError as exc:
        if exc.status_code == 404 and not exc.details.get("field"):
            raise
        return _detail(
            request,
            session,
            user,
            organization_id,
            merge_error=exc.message,
            status_code=exc.status_code,
            block="merge",
        )
    moved = result.moved_contacts
    return redirect(
        request,
        f"/organizations/{organization_id}",
        toast=f"Merged {result.absorbed_name} into {result.organization.name}: "
        f"{moved} contact{'' if moved == 1 else 's'} moved.",
    )
