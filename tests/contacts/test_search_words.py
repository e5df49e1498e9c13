"""The words of a contact's interaction previews find the contact: one search document
per contact (``contact_words``), kept current by every ingest, edit, deletion and merge,
and never showing another user's contacts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from pingcrm.contacts import repository
from pingcrm.contacts import service as contacts
from pingcrm.contacts.schemas import ContactListQuery
from pingcrm.identity import service as identity
from pingcrm.interactions import service as interactions
from pingcrm.interactions.schemas import InteractionUpdate
from pingcrm.interactions.service import NewInteraction
from pingcrm.kit.pagination import PageRequest
from pingcrm.models import Direction, InteractionKind, Platform, User
from tests.conftest import DEFAULT_NOW as NOW
from tests.fixtures.builders import create_contact, create_interaction, create_user

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def me(session: Session) -> User:
    return create_user(session)


def found(session: Session, user: User, q: str) -> list[str]:
    page = contacts.list_contacts(session, user.id, ContactListQuery(q=q), PageRequest(limit=50))
    return [c.full_name for c in page.items]


def message(
    contact_id: int,
    text: str,
    key: str,
    *,
    platform: Platform = Platform.TELEGRAM,
    kind: InteractionKind = InteractionKind.MESSAGE,
) -> NewInteraction:
    """A Telegram message as the sync ingests it (or another kind of interaction)."""
    return NewInteraction(
        contact_id=contact_id,
        platform=platform,
        kind=kind,
        direction=Direction.INBOUND,
        occurred_at=NOW - timedelta(hours=1),
        provider_id=f"{platform.value}:{key}",
        preview=text,
    )


def test_each_ingest_batch_adds_its_words_and_keeps_the_earlier_ones(
    session: Session, me: User
) -> None:
    ada = create_contact(session, me, "Ada Lovelace")
    alan = create_contact(session, me, "Alan Turing")
    interactions.record_interactions(
        session,
        me.id,
        [
            message(ada.id, "The Analytical Engine weaves patterns", "1"),
            message(alan.id, "Morphogenesis draft attached", "2"),
            message(ada.id, "Bernoulli numbers, note G", "3"),
        ],
    )
    session.commit()
    assert found(session, me, "analyt") == ["Ada Lovelace"]
    assert found(session, me, "bernoulli") == ["Ada Lovelace"]
    assert found(session, me, "morphogen") == ["Alan Turing"]

    # A later sync batch: a new word joins, the earlier words stay; a re-sent message
    # (same provider id) changes nothing.
    interactions.record_interactions(
        session,
        me.id,
        [message(ada.id, "Punched cards from Jacquard", "4"), message(ada.id, "dup", "1")],
    )
    session.commit()
    assert found(session, me, "jacquard") == ["Ada Lovelace"]
    assert found(session, me, "weaves") == ["Ada Lovelace"]
    assert found(session, me, "dup") == []
    # Every word must match, across the contact's previews.
    assert found(session, me, "engine jacq") == ["Ada Lovelace"]
    assert found(session, me, "engine morphogenesis") == []


def test_edited_and_deleted_interactions_and_deleted_contacts_leave_the_results(
    session: Session, me: User
) -> None:
    grace = create_contact(session, me, "Grace Hopper")
    bug = create_interaction(session, me, grace, preview="Found a moth in relay seventy")
    kept = create_interaction(session, me, grace, preview="Cobol committee minutes")
    assert found(session, me, "moth") == ["Grace Hopper"]

    interactions.update_interaction(
        session, me.id, kept.id, InteractionUpdate(summary="Nanosecond wires for the class")
    )
    session.commit()
    assert found(session, me, "cobol") == []
    assert found(session, me, "nanosec") == ["Grace Hopper"]

    interactions.delete_interaction(session, me.id, bug.id)
    session.commit()
    assert found(session, me, "moth") == []
    assert found(session, me, "nanosecond") == ["Grace Hopper"]

    contacts.delete_contact(session, me.id, grace.id)
    session.commit()
    assert found(session, me, "nanosecond") == []


def test_after_a_merge_the_survivor_is_found_by_the_absorbed_contacts_words(
    session: Session, me: User
) -> None:
    bob = create_contact(session, me, "Bob Smith", emails=["bob@example.com"])
    robert = create_contact(session, me, "Robert Smith", emails=["robert@example.com"])
    create_interaction(session, me, bob, preview="Sailing regatta in July")
    create_interaction(session, me, robert, preview="Quarterly forecast spreadsheet")
    assert found(session, me, "regatta") == ["Bob Smith"]

    record = identity.merge_contacts(session, me.id, bob.id, robert.id)
    session.commit()
    survivor = contacts.get_contact(session, me.id, record.survivor_id)
    assert found(session, me, "regatta") == [survivor.full_name]
    assert found(session, me, "forecast") == [survivor.full_name]
    assert found(session, me, "regatta forecast") == [survivor.full_name]

    identity.undo_merge(session, me.id, record.id)
    session.commit()
    assert found(session, me, "regatta") == ["Bob Smith"]
    assert found(session, me, "forecast") == ["Robert Smith"]


def test_another_users_words_and_contacts_never_appear(session: Session, me: User) -> None:
    other = create_user(session, email="other@example.com")
    mine = create_contact(session, me, "Mary Mine")
    theirs = create_contact(session, other, "Theo Theirs")
    create_interaction(session, me, mine, preview="Zeppelin museum visit")
    create_interaction(session, other, theirs, preview="Zeppelin museum visit")
    assert found(session, me, "zeppelin") == ["Mary Mine"]
    assert found(session, other, "zeppelin museum") == ["Theo Theirs"]
    assert found(session, me, "theo") == []


def test_punctuation_and_accents_in_words(session: Session, me: User) -> None:
    ana = create_contact(session, me, "Ana Lima")
    create_interaction(session, me, ana, preview="Go-to-market plan (draft #2) for São Paulo")
    assert found(session, me, "go-to-market") == ["Ana Lima"]
    assert found(session, me, "market") == ["Ana Lima"]
    assert found(session, me, "(draft") == ["Ana Lima"]
    assert found(session, me, "são") == ["Ana Lima"]
    # Nothing a search can look up: no error, no match.
    assert found(session, me, "-") == []


def test_a_broad_word_finds_the_same_contacts_and_caps_the_total(
    session: Session, me: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL tests each contact where it stands once a word is in thousands of
    documents (here: in two), and reports "1,000+" (here: 3+) once more documents than
    the cap hold it; the contacts found and their order do not change."""
    for name in ("Cleo Alpha", "Ben Beta", "Dora Gamma", "Abe Delta"):
        person = create_contact(session, me, name)
        create_interaction(session, me, person, preview=f"Budget review with {name}")
    create_contact(session, me, "Budgetary Person")
    create_interaction(session, me, create_contact(session, me, "Eve Other"), preview="Lunch")
    expected = ["Abe Delta", "Ben Beta", "Budgetary Person", "Cleo Alpha", "Dora Gamma"]
    assert found(session, me, "budget") == expected
    monkeypatch.setattr(repository, "BROAD_WORDS", 2)
    assert found(session, me, "budget") == expected
    assert found(session, me, "review budg") == [
        "Abe Delta",
        "Ben Beta",
        "Cleo Alpha",
        "Dora Gamma",
    ]
    assert found(session, me, "lunch") == ["Eve Other"]
    monkeypatch.setattr(repository, "SEARCH_COUNT_CAP", 3)
    page = contacts.list_contacts(
        session, me.id, ContactListQuery(q="budget"), PageRequest(limit=2)
    )
    assert [c.full_name for c in page.items] == expected[:2]
    assert (page.total, page.total_capped) == (3, True)
    # A filter beyond the visibility switches: counted, never estimated.
    tagged = contacts.list_contacts(
        session, me.id, ContactListQuery(q="budget", tag="vip"), PageRequest(limit=2)
    )
    assert (tagged.items, tagged.total) == ([], 0)


def connection(contact_id: int, key: str) -> NewInteraction:
    """A LinkedIn connection as an import records it."""
    return message(
        contact_id,
        "Connected on LinkedIn",
        key,
        platform=Platform.LINKEDIN,
        kind=InteractionKind.CONNECTION,
    )


def test_the_connection_label_finds_nobody_but_words_written_about_linkedin_do(
    session: Session, me: User
) -> None:
    ada = create_contact(session, me, "Ada Lovelace")
    alan = create_contact(session, me, "Alan Turing")
    interactions.record_interactions(
        session,
        me.id,
        [
            connection(ada.id, "ada"),
            connection(alan.id, "alan"),
            message(alan.id, "Saw your LinkedIn post on morphogenesis", "1"),
            # A connection logged by hand, in the user's own words.
            message(
                ada.id,
                "Met at the Royal Society soiree",
                "by-hand",
                platform=Platform.MANUAL,
                kind=InteractionKind.CONNECTION,
            ),
        ],
    )
    session.commit()
    assert found(session, me, "soiree") == ["Ada Lovelace"]
    # The label the app writes for every connection is no search word...
    assert found(session, me, "connected") == []
    assert found(session, me, "on") == ["Alan Turing"]
    # ...a message that says "LinkedIn" is, and the words stay right after a rebuild.
    assert found(session, me, "linkedin") == ["Alan Turing"]
    repository.rebuild_search_words(session, [ada.id, alan.id])
    session.commit()
    assert found(session, me, "linkedin") == ["Alan Turing"]
    assert found(session, me, "connected") == []
    assert found(session, me, "ada") == ["Ada Lovelace"]
