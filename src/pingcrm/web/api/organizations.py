"""``/api/v1/organizations``: list, show with people, merge."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from pingcrm.kit.bounds import DbId, PageNumber
from pingcrm.kit.pagination import PageRequest
from pingcrm.organizations import service
from pingcrm.organizations.schemas import (
    MergeRequest,
    OrganizationDetailOut,
    OrganizationOut,
    OrgSort,
    PersonOut,
)
from pingcrm.organizations.service import OrganizationRow
from pingcrm.web.api.envelope import Envelope, ListEnvelope, many
from pingcrm.web.deps import ApiUser, SessionDep

router = APIRouter(prefix="/api/v1/organizations", tags=["organizations"])

Limit = Annotated[int | None, Query(ge=1, le=200)]
PageNo = Annotated[PageNumber | None, Query()]
Cursor = Annotated[str | None, Query(max_length=100)]


def _out(row: OrganizationRow) -> OrganizationOut:
    return OrganizationOut.model_validate(row)


@router.get("", summary="List organizations")
def list_organizations(
    session: SessionDep,
    user: ApiUser,
    q: Annotated[str, Query(max_length=200)] = "",
    sort: OrgSort = "name",
    limit: Limit = None,
    page: PageNo = None,
    cursor: Cursor = None,
) -> ListEnvelope[OrganizationOut]:
    """Organizations with contact count, interaction count and average score."""
    result = service.list_organizations(
        session, user.id, PageRequest.build(limit, page, cursor), q=q, sort=sort
    )
    return many([_out(row) for row in result.items], result)


@router.get("/{organization_id}", summary="Show an organization and its people")
def get_organization(
    organization_id: DbId,
    session: SessionDep,
    user: ApiUser,
    limit: Limit = None,
    page: PageNo = None,
    cursor: Cursor = None,
) -> Envelope[OrganizationDetailOut]:
    """One organization; ``people`` is one page of its contacts, paged by ``meta``."""
    detail = service.get_organization(
        session, user.id, organization_id, PageRequest.build(limit, page, cursor)
    )
    data = OrganizationDetailOut(
        **_out(detail.organization).model_dump(),
        people=[PersonOut.model_validate(p) for p in detail.people.items],
    )
    meta: dict[str, Any] = {"people": detail.people.meta()}
    return Envelope[OrganizationDetailOut](data=data, meta=meta)


@router.post("/{organization_id}/merge", summary="Merge another organization into this one")
def merge_organization(
    organization_id: DbId, body: MergeRequest, session: SessionDep, user: ApiUser
) -> Envelope[OrganizationOut]:
    """Move the other organization's contacts here and delete it."""
    result = service.merge_organizations(session, user.id, organization_id, body.other_id)
    return Envelope[OrganizationOut](
        data=_out(result.organization),
        meta={"moved_contacts": result.moved_contacts, "absorbed": result.absorbed_name},
    )
