"""SQL of the Google Contacts sync: contacts it may refresh, and biography notes."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from pingcrm.models import Contact, Note

BIO_PREFIX = "From Google Contacts: "


def contacts_by_id(session: Session, user_id: int, ids: Collection[int]) -> dict[int, Contact]:
    ordered = sorted(set(ids))
    found: dict[int, Contact] = {}
    for start in range(0, len(ordered), 500):
        for contact in session.scalars(
            select(Contact).where(
                Contact.user_id == user_id, Contact.id.in_(ordered[start : start + 500])
            )
        ):
            found[contact.id] = contact
    return found


def contacts_with_bio_note(session: Session, user_id: int, ids: Collection[int]) -> set[int]:
    """Which of these contacts already got their Google biography as a note."""
    ordered = sorted(set(ids))
    found: set[int] = set()
    for start in range(0, len(ordered), 500):
        found.update(
            session.scalars(
                select(Note.contact_id).where(
                    Note.user_id == user_id,
                    Note.contact_id.in_(ordered[start : start + 500]),
                    Note.body.startswith(BIO_PREFIX, autoescape=True),
                )
            )
        )
    return found


def add_notes(session: Session, user_id: int, bodies: dict[int, str]) -> None:
    session.add_all(
        Note(user_id=user_id, contact_id=contact_id, body=body)
        for contact_id, body in bodies.items()
    )
