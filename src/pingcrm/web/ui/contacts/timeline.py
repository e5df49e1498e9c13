"""The contact page's timeline: older pages, logging a call/meeting/message by hand,
deleting a hand-logged interaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from pingcrm.contacts import service as contacts
from pingcrm.errors import NotFound
from pingcrm.interactions import service as interactions
from pingcrm.interactions.schemas import InteractionCreate
from pingcrm.models import InteractionKind
from pingcrm.web.deps import PageUser, SessionDep, verify_csrf
from pingcrm.web.ui.contacts.common import (
    LOG_KINDS,
    FormText,
    base_context,
    pydantic_errors,
)
from pingcrm.web.ui.contacts.detail import detail_context, timeline_context
from pingcrm.web.ui.responses import is_htmx, redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


@router.get("/contacts/{contact_id}/timeline")
def contact_timeline(
    contact_id: int, request: Request, session: SessionDep, user: PageUser, page: int = 1
) -> Response:
    """Older timeline items (the "Show older" button)."""
    if not is_htmx(request):
        return redirect(request, f"/contacts/{contact_id}#timeline")
    page = max(1, min(page, 1_000_000))
    context = {**base_context(), "contact_id": contact_id}
    context.update(timeline_context(session, user, contact_id, page))
    return render(request, "contacts/_timeline_items.html", context, session=session, user=user)


@router.post("/contacts/{contact_id}/interactions")
def contact_log(
    contact_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    kind: Annotated[str, Form(max_length=20)] = "call",
    platform: Annotated[str, Form(max_length=20)] = "manual",
    direction: Annotated[str, Form(max_length=20)] = "outbound",
    occurred_at: Annotated[str, Form(max_length=40)] = "",
    summary: FormText = "",
) -> Response:
    """Log a call, meeting or message by hand."""
    contact = contacts.get_contact(session, user.id, contact_id)
    values = {
        "kind": kind,
        "platform": platform,
        "direction": direction,
        "occurred_at": occurred_at,
        "summary": summary,
    }
    errors: dict[str, str] = {}
    when: datetime | None = None
    if occurred_at.strip():
        try:
            when = datetime.fromisoformat(occurred_at.strip())
        except ValueError:
            errors["occurred_at"] = "Enter a date and time."
        else:
            when = when.replace(tzinfo=UTC) if when.tzinfo is None else when
    if not errors:
        try:
            data = InteractionCreate(
                contact_id=contact.id,
                kind=kind,
                platform=platform,
                direction=direction,
                occurred_at=when,
                summary=summary,
            )
        except ValidationError as exc:
            errors = pydantic_errors(exc)
        else:
            interactions.log_interaction(session, user.id, data)
            label = LOG_KINDS.get(InteractionKind(kind), "Interaction")
            return redirect(request, f"/contacts/{contact.id}#timeline", toast=f"{label} logged.")
    context = detail_context(session, user, contact, log_values=values, log_errors=errors)
    return render(
        request,
        "contacts/detail.html",
        context,
        session=session,
        user=user,
        block="log_form",
        status_code=422,
    )


@router.post("/contacts/{contact_id}/interactions/{interaction_id}/delete")
def contact_interaction_delete(
    contact_id: int, interaction_id: int, request: Request, session: SessionDep, user: PageUser
) -> Response:
    interaction = interactions.get_interaction(session, user.id, interaction_id)
    if interaction.contact_id != contact_id:
        raise NotFound(interactions.NOT_FOUND)
    interactions.delete_interaction(session, user.id, interaction_id)
    return redirect(request, f"/contacts/{contact_id}#timeline", toast="Interaction deleted.")
