"""Notes on contacts."""

from __future__ import annotations

from fastapi import APIRouter

from pingcrm.contacts.schemas import Deleted
from pingcrm.kit.bounds import DbId
from pingcrm.kit.pagination import Page, PageRequest
from pingcrm.notes import service
from pingcrm.notes.schemas import NoteIn, NoteOut
from pingcrm.web.api.envelope import Envelope, ListEnvelope, many, one
from pingcrm.web.deps import ApiUser, SessionDep

router = APIRouter(prefix="/api/v1", tags=["notes"])


@router.get("/contacts/{contact_id}/notes", summary="A contact's notes")
def list_notes(contact_id: DbId, session: SessionDep, user: ApiUser) -> ListEnvelope[NoteOut]:
    """Newest first."""
    notes = service.list_notes(session, user.id, contact_id)
    page = Page(items=notes, total=len(notes), request=PageRequest(limit=max(1, len(notes))))
    return many([NoteOut.model_validate(n) for n in notes], page)


@router.post("/contacts/{contact_id}/notes", summary="Add a note", status_code=201)
def add_note(
    contact_id: DbId, body: NoteIn, session: SessionDep, user: ApiUser
) -> Envelope[NoteOut]:
    return one(NoteOut.model_validate(service.add_note(session, user.id, contact_id, body.body)))


@router.patch("/notes/{note_id}", summary="Rewrite a note")
def update_note(
    note_id: DbId, body: NoteIn, session: SessionDep, user: ApiUser
) -> Envelope[NoteOut]:
    return one(NoteOut.model_validate(service.update_note(session, user.id, note_id, body.body)))


@router.delete("/notes/{note_id}", summary="Delete a note")
def delete_note(note_id: DbId, session: SessionDep, user: ApiUser) -> Envelope[Deleted]:
    service.delete_note(session, user.id, note_id)
    return one(Deleted(id=note_id))
