"""The list search stays in step with contacts as they are created, changed and deleted
(SQLite: the trigram FTS table kept by triggers), finds short and long tokens, and counts
every match."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from pingcrm.contacts import service as contacts
from pingcrm.contacts.schemas import ContactListQuery, ContactUpdate
from pingcrm.kit.pagination import PageRequest
from pingcrm.models import Platform, User
from pingcrm.notes import service as notes
from tests.conftest import DEFAULT_NOW as NOW
from tests.fixtures.builders import create_contact, create_interaction, create_user

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def me(session: Session) -> User:
    return create_user(session)


def found(session: Session, user: User, q: str, **filters: object) -> list[str]:
    page = contacts.list_contacts(
        session, user.id, ContactListQuery(q=q, **filters), PageRequest(limit=50)
    )
    return [c.full_name for c in page.items]


def check_index(session: Session) -> None:
    """SQLite: the FTS table holds exactly the contacts' current search texts."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("INSERT INTO contacts_fts(contacts_fts) VALUES ('integrity-check')"))


def test_search_follows_creates_edits_tags_notes_and_deletes(session: Session, me: User) -> None:
    ada = create_contact(session, me, "Ada Lovelace", emails=["ada@analytical.io"])
    assert found(session, me, "nalytica") == ["Ada Lovelace"]
    assert found(session, me, "lovelace") == ["Ada Lovelace"]

    contacts.update_contact(session, me.id, ada.id, ContactUpdate(full_name="Ada King"))
    session.commit()
    assert found(session, me, "lovelace") == []
    assert found(session, me, "king") == ["Ada King"]

    contacts.add_tag(session, me.id, ada.id, "Poetical Science")
    notes.add_note(session, me.id, ada.id, "Wrote the first published algorithm")
    session.commit()
    assert found(session, me, "poetical") == ["Ada King"]
    assert found(session, me, "published algorithm") == ["Ada King"]
    check_index(session)

    session.expunge_all()  # a fresh request's session
    contacts.delete_contact(session, me.id, ada.id)
    session.commit()
    assert found(session, me, "king") == []
    check_index(session)


def test_short_and_long_tokens_together(session: Session, me: User) -> None:
    create_contact(session, me, "Jo Ng", company="Quantum Widgets")
    create_contact(session, me, "Joan Ngata", company="Acme")
    session.commit()
    # Tokens shorter than a trigram are matched as substrings of the same contacts.
    assert found(session, me, "jo") == ["Jo Ng", "Joan Ngata"]
    assert found(session, me, "ng quantum") == ["Jo Ng"]
    assert found(session, me, "jo acme") == ["Joan Ngata"]
    assert found(session, me, "x quantum") == []


def test_previews_match_word_prefixes_and_short_words(session: Session, me: User) -> None:
    grace = create_contact(session, me, "Grace Hopper")
    linus = create_contact(session, me, "Linus Torvalds")
    create_interaction(
        session, me, grace, platform=Platform.TELEGRAM, preview="Compilers and AI, next week"
    )
    create_interaction(
        session, me, linus, preview="Kernel mailing list", occurred_at=NOW - timedelta(days=2)
    )
    assert found(session, me, "compil") == ["Grace Hopper"]
    # A short word still matches (PostgreSQL also finds it inside words: "mAIling").
    assert "Grace Hopper" in found(session, me, "ai")
    assert found(session, me, "mailing kern") == ["Linus Torvalds"]
    assert found(session, me, "week mailing") == []


def test_a_search_counts_every_match_on_every_page(session: Session, me: User) -> None:
    for i in range(7):
        create_contact(session, me, f"Searchable {i}", commit=False)
    create_contact(session, me, "Someone Else", commit=False)
    session.commit()
    query = ContactListQuery(q="searchable")
    first = contacts.list_contacts(session, me.id, query, PageRequest(limit=3))
    assert [c.full_name for c in first.items] == ["Searchable 0", "Searchable 1", "Searchable 2"]
    assert (first.total, first.pages) == (7, 3)
    last = contacts.list_contacts(session, me.id, query, PageRequest(limit=3, offset=6))
    assert ([c.full_name for c in last.items], last.total) == (["Searchable 6"], 7)
    beyond = contacts.list_contacts(session, me.id, query, PageRequest(limit=3, offset=30))
    assert (beyond.items, beyond.total) == ([], 7)
