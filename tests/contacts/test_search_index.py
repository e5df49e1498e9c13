"""The list search stays in step with contacts as they are created, changed and deleted
(SQLite: the trigram FTS table kept by triggers, or at the commit for contacts
inserted in bulk), finds short and long tokens, and counts
every match."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from pingcrm.contacts import service as contacts
from pingcrm.contacts.ingest import ContactInput, upsert_contacts
from pingcrm.contacts.schemas import ContactListQuery, ContactUpdate
from pingcrm.kit.pagination import PageRequest
from pingcrm.models import IdentifierKind, Platform, User
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


def bulk(session: Session, user: User, *names: str) -> list[int]:
    """Contacts inserted the way imports and syncs insert them (one multi-row INSERT)."""
    rows = [
        ContactInput(name, identifiers=[(IdentifierKind.EMAIL, f"{name.split()[0]}@bulk.io", None)])
        for name in names
    ]
    ids = upsert_contacts(session, user.id, rows, source="import").contact_ids
    return [i for i in ids if i is not None]


def deferrals(session: Session) -> int:
    """SQLite: deferral rows left in the database (none once a transaction has ended)."""
    if session.get_bind().dialect.name != "sqlite":
        return 0
    return int(session.execute(text("SELECT count(*) FROM contacts_fts_deferral")).scalar_one())


def test_contacts_inserted_in_bulk_are_found_in_their_transaction_and_after(
    session: Session, me: User
) -> None:
    ada = create_contact(session, me, "Ada Lovelace")
    grace, _ = bulk(session, me, "Grace Hopper", "Linus Torvalds")
    # A search in the same transaction indexes what this transaction deferred first.
    assert found(session, me, "hopper") == ["Grace Hopper"]

    # More bulk rows, then edits of a deferred contact, of an indexed one, and deletes of
    # both kinds before the commit.
    barbara, donald = bulk(session, me, "Barbara Liskov", "Donald Knuth")
    contacts.update_contact(session, me.id, barbara, ContactUpdate(full_name="Barbara Huberman"))
    contacts.update_contact(session, me.id, grace, ContactUpdate(full_name="Grace Brewster"))
    contacts.delete_contact(session, me.id, donald)
    contacts.delete_contact(session, me.id, ada.id)
    session.commit()

    assert found(session, me, "huberman") == ["Barbara Huberman"]
    assert found(session, me, "brewster") == ["Grace Brewster"]
    assert found(session, me, "liskov") == found(session, me, "hopper") == []
    assert found(session, me, "knuth") == found(session, me, "lovelace") == []
    assert found(session, me, "torvalds") == ["Linus Torvalds"]
    check_index(session)
    assert deferrals(session) == 0


def test_a_rolled_back_bulk_insert_defers_nothing_after_it(session: Session, me: User) -> None:
    bulk(session, me, "Grace Hopper")
    session.rollback()
    create_contact(session, me, "Linus Torvalds")  # indexed row by row again
    assert found(session, me, "hopper") == []
    assert found(session, me, "torvalds") == ["Linus Torvalds"]
    check_index(session)
    assert deferrals(session) == 0


def test_a_deferral_left_committed_is_caught_up_by_the_next_bulk_write(
    session: Session, me: User
) -> None:
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite defers its trigram index")
    # A commit that bypassed the session left its deferral behind: contacts created after
    # it are not indexed by the triggers ...
    session.execute(text("INSERT INTO contacts_fts_deferral (after_id) VALUES (0)"))
    session.commit()
    create_contact(session, me, "Linus Torvalds")  # above any id: left out
    assert found(session, me, "torvalds") == []
    # ... until the next bulk write indexes them before deferring anew.
    bulk(session, me, "Grace Hopper")
    session.commit()
    assert found(session, me, "torvalds") == ["Linus Torvalds"]
    assert found(session, me, "hopper") == ["Grace Hopper"]
    check_index(session)
    assert deferrals(session) == 0
