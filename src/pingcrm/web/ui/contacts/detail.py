"""The contact page: header, details panel, priority, tags, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from pingcrm.contacts import avatars, photos
from pingcrm.contacts import service as contacts
from pingcrm.errors import NotFound, ValidationFailed
from pingcrm.interactions import service as interactions
from pingcrm.kit.clock import utcnow
from pingcrm.kit.pagination import PageRequest
from pingcrm.meetings import service as calendar
from pingcrm.models import Contact, Priority, User
from pingcrm.notes import service as notes
from pingcrm.suggestions import service as suggestions
from pingcrm.suggestions.rules import SNOOZE_LABELS
from pingcrm.tags import service as tags
from pingcrm.web.deps import PageUser, SessionDep, SettingsDep, verify_csrf
from pingcrm.web.ui.contacts.common import TIMELINE_PAGE, base_context
from pingcrm.web.ui.contacts.form import ContactForm
from pingcrm.web.ui.responses import is_htmx, redirect, render, toast
from pingcrm.web.ui.suggestions import telegram_sendable

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def timeline_context(
    session: Session, user: User, contact_id: int, page_number: int
) -> dict[str, Any]:
    page = interactions.timeline(
        session,
        user.id,
        contact_id,
        PageRequest(limit=TIMELINE_PAGE, offset=(page_number - 1) * TIMELINE_PAGE),
        until=utcnow(),  # upcoming meetings have their own list
    )
    return {
        "timeline": page,
        "timeline_next": page_number + 1 if page.has_next else None,
        "is_manual": interactions.is_manual,
    }


def default_log_values() -> dict[str, str]:
    return {
        "kind": "call",
        "platform": "manual",
        "direction": "outbound",
        "occurred_at": utcnow().strftime("%Y-%m-%dT%H:%M"),
        "summary": "",
    }


def detail_context(
    session: Session,
    user: User,
    contact: Contact,
    *,
    editing: bool = False,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    log_values: dict[str, str] | None = None,
    log_errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    pending = suggestions.list_suggestions(
        session, user.id, PageRequest(limit=1), contact_id=contact.id
    ).items
    return {
        **base_context(),
        "contact": contact,
        "why": contacts.score_why(contact),
        "tier": contacts.tier_of(contact.score),
        "identifiers": contacts.identifiers_of(contact.identifiers),
        "bcc_address": contacts.bcc_address(session, user.id, contact),
        "notes": notes.list_notes(session, user.id, contact.id),
        "upcoming": calendar.upcoming_meetings(session, user.id, contact.id),
        "pending_suggestions": pending,
        "telegram_sendable": telegram_sendable(session, user.id, pending),
        "snooze_labels": SNOOZE_LABELS,
        "editing": editing,
        "values": values or ContactForm.of(contact).values(),
        "errors": errors or {},
        "log_values": log_values or default_log_values(),
        "log_errors": log_errors or {},
        **timeline_context(session, user, contact.id, 1),
    }


@router.get("/contacts/{contact_id}")
def contact_detail(
    contact_id: int, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """The contact page."""
    contact = contacts.get_contact(session, user.id, contact_id)
    return render(
        request,
        "contacts/detail.html",
        detail_context(session, user, contact),
        session=session,
        user=user,
    )


@router.post("/contacts/{contact_id}/priority")
def contact_priority(
    contact_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    priority: Annotated[str, Form(max_length=20)],
) -> Response:
    """Change the priority from the header's selector."""
    try:
        value = Priority(priority)
    except ValueError as exc:
        raise ValidationFailed("Choose a priority.", details={"field": "priority"}) from exc
    contact = contacts.set_priority(session, user.id, contact_id, value)
    message = f"Priority of {contact.full_name} is now {value.value}."
    if is_htmx(request):
        return toast(request, message)
    return redirect(request, f"/contacts/{contact_id}", toast=message)


def _tags_response(request: Request, session: Session, user: User, contact_id: int) -> Response:
    if not is_htmx(request):
        return redirect(request, f"/contacts/{contact_id}")
    contact = contacts.get_contact(session, user.id, contact_id)
    return render(
        request,
        "contacts/detail.html",
        {**base_context(), "contact": contact, "tag_error": None},
        session=session,
        user=user,
        block="tags",
    )


@router.post("/contacts/{contact_id}/tags")
def contact_tag_add(
    contact_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    tag: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Add one or more comma-separated tags."""
    names = tags.parse_tag_list(tag)
    if not names:
        raise ValidationFailed("Enter a tag name.", details={"field": "tag"})
    contact = contacts.get_contact(session, user.id, contact_id)
    for name in names:
        contacts.add_tag(session, user.id, contact.id, name)
    return _tags_response(request, session, user, contact_id)


@router.post("/contacts/{contact_id}/tags/remove")
def contact_tag_remove(
    contact_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    tag: Annotated[str, Form(max_length=200)],
) -> Response:
    contacts.remove_tag(session, user.id, contact_id, tag)
    return _tags_response(request, session, user, contact_id)


@router.post("/contacts/{contact_id}/delete")
def contact_delete(
    contact_id: int, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """Delete the contact and everything hanging off it (the button asks first)."""
    contact = contacts.get_contact(session, user.id, contact_id)
    name = contact.full_name
    contacts.delete_contact(session, user.id, contact_id)
    return redirect(request, "/contacts", toast=f"Deleted {name}.")


@router.get("/contacts/{contact_id}/avatar")
def contact_avatar(
    contact_id: int, session: SessionDep, settings: SettingsDep, user: PageUser
) -> Response:
    """A contact's stored avatar (LinkedIn, Telegram), for its owner only; also shown by
    the contact that absorbed it in a merge."""
    data = avatars.read(settings, user.id, contact_id)
    if data is None or not photos.can_show(session, user.id, contact_id):
        raise NotFound("This contact has no stored photo.")
    return Response(
        data,
        media_type="image/jpeg",
        headers={"Cache-Control": "private, max-age=86400"},
    )
