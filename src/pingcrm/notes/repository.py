"""SQL of the notes domain."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pingcrm.contacts.repository import valid_id
from pingcrm.models import Note


def get_note(session: Session, user_id: int, note_id: int) -> Note | None:
    if not valid_id(note_id):
        return None
    return session.scalars(
        select(Note).where(Note.id == note_id, Note.user_id == user_id)
    ).one_or_none()


def notes_of(session: Session, user_id: int, contact_id: int) -> list[Note]:
    """A contact's notes, newest first."""
    # ``user_id + 0``: still filtered by owner, but never through the user's index (every
    # note of the user), which SQLite picked without statistics of the notes table (they
    # come with the nightly ANALYZE): 0.8 ms of each contact page at 8,000 notes.
    return list(
        session.scalars(
            select(Note)
            .where(Note.contact_id == contact_id, (Note.user_id + 0) == user_id)
            .order_by(Note.created_at.desc(), Note.id.desc())
        )
    )
