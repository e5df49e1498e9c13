"""``/api/v1/contacts``: list/search, create, read, update, delete, bulk actions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from pingcrm.contacts import service
from pingcrm.contacts.schemas import (
    BulkRequest,
    BulkResult,
    ContactCreate,
    ContactListQuery,
    ContactOut,
    ContactUpdate,
    Deleted,
)
from pingcrm.kit.bounds import DbId
from pingcrm.kit.pagination import MAX_LIMIT, PageRequest
from pingcrm.web.api.envelope import Envelope, ListEnvelope, many, one
from pingcrm.web.deps import ApiUser, SessionDep

router = APIRouter(prefix="/api/v1/contacts", tags=["contacts"])


@router.get("", summary="List, search and filter contacts")
def list_contacts(
    session: SessionDep,
    user: ApiUser,
    query: Annotated[ContactListQuery, Query()],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> ListEnvelope[ContactOut]:
    """``q`` searches names, emails, company, title, handles, tags, notes and message
    previews. 2nd-tier and archived contacts are hidden unless asked for. ``sort`` is
    ``name``, ``score``, ``last_interaction`` or ``interaction_count``, ``-`` for descending."""
    result = service.list_contacts(
        session, user.id, query, PageRequest.build(limit, page=page, cursor=cursor)
    )
    return many(result.items, result)


@router.post("", summary="Create a contact", status_code=201)
def create_contact(body: ContactCreate, session: SessionDep, user: ApiUser) -> Envelope[ContactOut]:
    """Create a contact; a 409 names the contact that already has one of the identifiers."""
    return one(service.to_out(service.create_contact(session, user.id, body)))


@router.post("/bulk", summary="Apply an action to many contacts")
def bulk(body: BulkRequest, session: SessionDep, user: ApiUser) -> Envelope[BulkResult]:
    """Add/remove a tag, set the priority, archive or delete. Ids that are not yours are
    ignored; ``affected`` says how many of yours were changed."""
    affected = service.bulk_action(session, user.id, body.ids, body.action, body.value)
    return one(BulkResult(action=body.action, affected=affected))


@router.get("/{contact_id}", summary="Get a contact")
def get_contact(contact_id: DbId, session: SessionDep, user: ApiUser) -> Envelope[ContactOut]:
    return one(service.to_out(service.get_contact(session, user.id, contact_id)))


@router.patch("/{contact_id}", summary="Update a contact")
def update_contact(
    contact_id: DbId, body: ContactUpdate, session: SessionDep, user: ApiUser
) -> Envelope[ContactOut]:
    """Only the fields sent change; they are remembered as edited by hand."""
    return one(service.to_out(service.update_contact(session, user.id, contact_id, body)))


@router.delete("/{contact_id}", summary="Delete a contact and its interactions")
def delete_contact(contact_id: DbId, session: SessionDep, user: ApiUser) -> Envelope[Deleted]:
    service.delete_contact(session, user.id, contact_id)
    return one(Deleted(id=contact_id))
