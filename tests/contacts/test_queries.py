"""No N+1: the list and the contact page use the same number of statements for 5 rows as
for 40."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from pingcrm.contacts import service as contacts
from pingcrm.contacts.schemas import ContactListQuery
from pingcrm.interactions import service as interactions
from pingcrm.kit.pagination import PageRequest
from pingcrm.models import User
from tests.fixtures.builders import create_contact, create_interaction, create_user


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = session.get_bind()

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _fill(session: Session, user: User, count: int) -> None:
    for i in range(count):
        contact = create_contact(
            session,
            user,
            f"Person {i:02d}",
            emails=[f"p{i}@acme{i}.io"],
            company=f"Acme {i}",
            tags=["alpha", f"t{i}"],
            commit=False,
        )
        create_interaction(session, user, contact, preview=f"hello number {i}", commit=False)
    session.commit()


def _list_statements(session: Session, user: User, query: ContactListQuery) -> int:
    session.expunge_all()
    with statements(session) as seen:
        page = contacts.list_contacts(session, user.id, query, PageRequest(limit=50))
    assert page.items
    assert all(c.tags and c.emails for c in page.items)
    return len(seen)


def test_list_statement_count_does_not_grow_with_rows(session: Session) -> None:
    small = create_user(session, "small@example.com")
    large = create_user(session, "large@example.com")
    _fill(session, small, 5)
    _fill(session, large, 40)
    for query in (
        ContactListQuery(),
        ContactListQuery(q="person", sort="-score"),
        ContactListQuery(q="hello", tag="alpha", sort="-last_interaction"),
    ):
        few = _list_statements(session, small, query)
        many = _list_statements(session, large, query)
        assert few == many, query
        # The documents, then (not broad yet) the texts holding the search words; the
        # page with its organizations and scores (counting a narrow search's matches on
        # the way); one batched read each of identifiers and tags; the count of a list.
        assert many <= 5, query


def test_contact_page_reads_are_constant(session: Session) -> None:
    user = create_user(session)
    contact = create_contact(session, user, "Ada", emails=["a@x.io", "b@y.io"], tags=["a", "b"])
    for i in range(30):
        create_interaction(session, user, contact, preview=f"message {i}", commit=False)
    session.commit()
    session.expunge_all()
    with statements(session) as seen:
        loaded = contacts.get_contact(session, user.id, contact.id)
        contacts.to_out(loaded)
        contacts.bcc_address(session, user.id, loaded)
        interactions.timeline(session, user.id, contact.id, PageRequest(limit=20))
    assert len(seen) <= 8
