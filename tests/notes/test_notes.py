"""Notes: add, edit, delete, searchable through the contact's search text."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event
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


def test_a_contacts_notes_are_read_through_the_contacts_index(
    session: Session, engine: Engine
) -> None:
    """A contact page reads its contact's notes, not every note of the user: the planner
    has no statistics of the notes table until the nightly ANALYZE."""
    user = create_user(session)
    contact = create_contact(session, user, "Ada")
    other = create_contact(session, user, "Grace")
    for index in range(40):
        service.add_note(session, user.id, other.id, f"Note {index}")
    service.add_note(session, user.id, contact.id, "Loves engines")
    session.commit()
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM notes" in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        assert [n.body for n in service.list_notes(session, user.id, contact.id)] == [
            "Loves engines"
        ]
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    [(statement, parameters)] = statements
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    plan = " ".join(
        str(row) for row in session.connection().exec_driver_sql(explain + statement, parameters)
    )
    assert "ix_notes_user_id" not in plan
