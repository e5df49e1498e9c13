"""Note use cases; every change refreshes the contact's search text."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pingcrm.contacts import repository as contacts_repository
from pingcrm.contacts.service import refresh_search_text
from pingcrm.errors import NotFound, ValidationFailed
from pingcrm.kit.clock import utcnow
from pingcrm.models import Note
from pingcrm.notes import repository
from pingcrm.notes.schemas import MAX_NOTE_LENGTH

NOT_FOUND = "This note does not exist."


def _clean_body(body: str) -> str:
    text = body.replace("\x00", "").strip()
    if not text:
        raise ValidationFailed("Write something in the note.", details={"field": "body"})
    if len(text) > MAX_NOTE_LENGTH:
        raise ValidationFailed(
            f"A note can have at most {MAX_NOTE_LENGTH} characters.", details={"field": "body"}
        )
    return text


def _require_contact(session: Session, user_id: int, contact_id: int) -> None:
    if contacts_repository.get_contact(session, user_id, contact_id, full=False) is None:
        raise NotFound("This contact does not exist.")


def list_notes(session: Session, user_id: int, contact_id: int) -> list[Note]:
    """A contact's notes, newest first (404 if the contact is not the user's)."""
    _require_contact(session, user_id, contact_id)
    return repository.notes_of(session, user_id, contact_id)


def add_note(session: Session, user_id: int, contact_id: int, body: str) -> Note:
    """Add a note to a contact."""
    text = _clean_body(body)
    _require_contact(session, user_id, contact_id)
    note = Note(user_id=user_id, contact_id=contact_id, body=text)
    session.add(note)
    session.flush()
    refresh_search_text(session, [contact_id])
    return note


def get_note(session: Session, user_id: int, note_id: int) -> Note:
    """The user's note; 404 for unknown ids and other users' ids."""
    note = repository.get_note(session, user_id, note_id)
    if note is None:
        raise NotFound(NOT_FOUND)
    return note


def update_note(session: Session, user_id: int, note_id: int, body: str) -> Note:
    """Rewrite a note."""
    note = get_note(session, user_id, note_id)
    note.body = _clean_body(body)
    note.updated_at = utcnow()
    session.flush()
    refresh_search_text(session, [note.contact_id])
    return note


def delete_note(session: Session, user_id: int, note_id: int) -> int:
    """Delete a note; returns its contact's id."""
    note = get_note(session, user_id, note_id)
    contact_id = note.contact_id
    session.delete(note)
    session.flush()
    refresh_search_text(session, [contact_id])
    return contact_id
