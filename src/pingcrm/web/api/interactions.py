"""Interactions: a contact's timeline, logging by hand, editing and deleting."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from pingcrm.contacts.schemas import Deleted
from pingcrm.interactions import service
from pingcrm.interactions.schemas import InteractionCreate, InteractionOut, InteractionUpdate
from pingcrm.kit.bounds import DbId
from pingcrm.kit.pagination import MAX_LIMIT, PageRequest
from pingcrm.web.api.envelope import Envelope, ListEnvelope, many, one
from pingcrm.web.deps import ApiUser, SessionDep

router = APIRouter(prefix="/api/v1", tags=["interactions"])


@router.get("/contacts/{contact_id}/interactions", summary="A contact's timeline")
def timeline(
    contact_id: DbId,
    session: SessionDep,
    user: ApiUser,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> ListEnvelope[InteractionOut]:
    """Every interaction with the contact, newest first."""
    result = service.timeline(
        session, user.id, contact_id, PageRequest.build(limit, page=page, cursor=cursor)
    )
    return many([InteractionOut.model_validate(i) for i in result.items], result)


@router.post("/interactions", summary="Log an interaction by hand", status_code=201)
def log_interaction(
    body: InteractionCreate, session: SessionDep, user: ApiUser
) -> Envelope[InteractionOut]:
    """A call, meeting or message; updates the contact's last interaction and count."""
    return one(InteractionOut.model_validate(service.log_interaction(session, user.id, body)))


@router.patch("/interactions/{interaction_id}", summary="Change an interaction")
def update_interaction(
    interaction_id: DbId, body: InteractionUpdate, session: SessionDep, user: ApiUser
) -> Envelope[InteractionOut]:
    interaction = service.update_interaction(session, user.id, interaction_id, body)
    return one(InteractionOut.model_validate(interaction))


@router.delete("/interactions/{interaction_id}", summary="Delete an interaction")
def delete_interaction(
    interaction_id: DbId, session: SessionDep, user: ApiUser
) -> Envelope[Deleted]:
    service.delete_interaction(session, user.id, interaction_id)
    return one(Deleted(id=interaction_id))
