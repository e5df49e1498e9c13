"""Notes: add, edit, delete, searchable through the contact's search text."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from pingcrm.errors import NotFound, ValidationFailed
from pingcrm.notes import service
from tests.fixtures.builders import create_contact, create_user


def test_notes_crud_keeps_search_text_in_step(session: Session) -> None:
    user = create_user(session)
    contact = create_contact(session, user, "Ada")
    note = service.add_note(session, user.id, contact.id, "  Loves Poetry  ")
    session.commit()
    assert note.body == "Loves Poetry"
    session.refresh(contact)
    assert "loves poetry" in contact.search_text
    service.update_note(session, user.id, note.id, "Prefers engines")
    session.commit()
    session.refresh(contact)
    assert "prefers engines" in contact.search_text
    assert "poetry" not in contact.search_text
    second = service.add_note(session, user.id, contact.id, "Second")
    assert [n.body for n in service.list_notes(session, user.id, contact.id)] == [
        "Second",
        "Prefers engines",
    ]
    service.delete_note(session, user.id, second.id)
    service.delete_note(session, user.id, note.id)
    session.commit()
    session.refresh(contact)
    assert contact.search_text == "ada"
    assert service.list_notes(session, user.id, contact.id) == []


def test_empty_notes_and_other_users_notes_are_refused(session: Session) -> None:
    owner = create_user(session)
    stranger = create_user(session, "stranger@example.com")
    contact = create_contact(session, owner, "Ada")
    note = service.add_note(session, owner.id, contact.id, "private")
    with pytest.raises(ValidationFailed, match="Write something"):
        service.add_note(session, owner.id, contact.id, "   ")
    with pytest.raises(NotFound):
        service.add_note(session, stranger.id, contact.id, "hi")
    with pytest.raises(NotFound):
        service.update_note(session, stranger.id, note.id, "hi")
    with pytest.raises(NotFound):
        service.delete_note(session, stranger.id, note.id)
    with pytest.raises(NotFound):
        service.list_notes(session, stranger.id, contact.id)
