"""The contact page's notes: add, edit, delete (the notes panel swaps in place)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from pingcrm.contacts import service as contacts
from pingcrm.errors import NotFound, ValidationFailed
from pingcrm.models import User
from pingcrm.notes import service as notes
from pingcrm.web.deps import PageUser, SessionDep, verify_csrf
from pingcrm.web.ui.contacts.common import base_context
from pingcrm.web.ui.responses import is_htmx, redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def _notes_response(
    request: Request,
    session: Session,
    user: User,
    contact_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    if not is_htmx(request) and error is None:
        return redirect(request, f"/contacts/{contact_id}#notes")
    contact = contacts.get_contact(session, user.id, contact_id)
    return render(
        request,
        "contacts/detail.html",
        {
            **base_context(),
            "contact": contact,
            "notes": notes.list_notes(session, user.id, contact_id),
            "note_error": error,
        },
        session=session,
        user=user,
        block="notes",
        status_code=status_code,
    )


@router.post("/contacts/{contact_id}/notes")
def contact_note_add(
    contact_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    body: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    try:
        notes.add_note(session, user.id, contact_id, body)
    except ValidationFailed as exc:
        return _notes_response(
            request, session, user, contact_id, error=exc.message, status_code=422
        )
    return _notes_response(request, session, user, contact_id)


def _owned_note(session: Session, user: User, contact_id: int, note_id: int) -> None:
    note = notes.get_note(session, user.id, note_id)
    if note.contact_id != contact_id:
        raise NotFound(notes.NOT_FOUND)


@router.post("/contacts/{contact_id}/notes/{note_id}/edit")
def contact_note_edit(
    contact_id: int,
    note_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    body: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    _owned_note(session, user, contact_id, note_id)
    try:
        notes.update_note(session, user.id, note_id, body)
    except ValidationFailed as exc:
        return _notes_response(
            request, session, user, contact_id, error=exc.message, status_code=422
        )
    return _notes_response(request, session, user, contact_id)


@router.post("/contacts/{contact_id}/notes/{note_id}/delete")
def contact_note_delete(
    contact_id: int, note_id: int, request: Request, session: SessionDep, user: PageUser
) -> Response:
    _owned_note(session, user, contact_id, note_id)
    notes.delete_note(session, user.id, note_id)
    return _notes_response(request, session, user, contact_id)
