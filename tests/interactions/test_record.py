"""record_interactions: set-based, idempotent, counters and the 2nd-tier flag."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from pingcrm.contacts import service as contacts_service
from pingcrm.contacts.schemas import ContactListQuery
from pingcrm.errors import NotFound
from pingcrm.interactions import service
from pingcrm.interactions.schemas import InteractionCreate, InteractionUpdate
from pingcrm.kit.pagination import PageRequest
from pingcrm.models import Contact, Direction, Interaction, InteractionKind, Platform
from tests.conftest import DEFAULT_NOW as NOW
from tests.fixtures.builders import create_contact, create_interaction, create_user, stored_score

pytestmark = pytest.mark.usefixtures("clock")


@contextmanager
def count_statements(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = session.get_bind()

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _rows(contacts: list[Contact], n: int) -> list[service.NewInteraction]:
    return [
        service.NewInteraction(
            contact_id=contacts[i % len(contacts)].id,
            platform=Platform.EMAIL,
            kind=InteractionKind.EMAIL,
            direction=Direction.INBOUND if i % 2 else Direction.OUTBOUND,
            occurred_at=NOW - timedelta(hours=i + 1),
            provider_id=f"gmail-{i}",
            subject=f"Subject {i}",
            preview=f"snippet number {i}",
        )
        for i in range(n)
    ]


def test_thousand_rows_use_a_bounded_number_of_statements_and_rerun_inserts_nothing(
    session: Session,
) -> None:
    user = create_user(session)
    contacts = [
        create_contact(session, user, f"Person {i}", is_second_tier=True) for i in range(20)
    ]
    rows = _rows(contacts, 1000)
    with count_statements(session) as statements:
        inserted = service.record_interactions(session, user.id, rows)
    assert inserted == 1000
    # PostgreSQL: two more around the inserts and two around the refresh's writes (their
    # foreign-key checks' plan mode).
    assert len(statements) <= 14, statements
    session.commit()
    with count_statements(session) as statements:
        again = service.record_interactions(session, user.id, rows)
    assert again == 0
    assert len(statements) <= 10
    session.commit()
    total = session.scalar(select(func.count()).select_from(Interaction))
    assert total == 1000
    first = session.scalars(select(Contact).where(Contact.id == contacts[0].id)).one()
    session.refresh(first)
    assert first.interaction_count == 50
    assert first.last_interaction_at == NOW - timedelta(hours=1)
    assert first.is_second_tier is False


def test_the_new_rows_come_back_summed_per_contact_on_postgresql(session: Session) -> None:
    """1,000 new rows of 20 contacts: each contact gets its 50, its words are searchable,
    and on PostgreSQL the insert sends back one row per contact, not one per new row."""
    user = create_user(session)
    contacts = [create_contact(session, user, f"Person {i}") for i in range(20)]
    rows = _rows(contacts, 1000)
    fetched: list[int] = []
    engine = session.get_bind()

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "INSERT INTO interactions" in statement:
            fetched.append(cursor.rowcount)

    event.listen(engine, "after_cursor_execute", after)
    try:
        assert service.record_interactions(session, user.id, rows) == 1000
    finally:
        event.remove(engine, "after_cursor_execute", after)
    session.commit()
    counts = dict(
        session.execute(
            select(Interaction.contact_id, func.count()).group_by(Interaction.contact_id)
        ).all()
    )
    assert counts == {contact.id: 50 for contact in contacts}
    page = contacts_service.list_contacts(
        session, user.id, ContactListQuery(q="number"), PageRequest(limit=50)
    )
    assert sorted(c.id for c in page.items) == sorted(c.id for c in contacts)
    if engine.dialect.name == "postgresql":
        assert fetched == [20]


def _contact_writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("UPDATE CONTACTS")]


def test_a_batch_rewrites_each_touched_contact_once_with_counters_and_score(
    session: Session,
) -> None:
    user = create_user(session)
    contacts = [create_contact(session, user, f"Person {i}") for i in range(20)]
    linked = create_contact(session, user, "Only Connected")
    rows = _rows(contacts, 1000)
    rows.append(
        service.NewInteraction(
            contact_id=linked.id,
            platform=Platform.LINKEDIN,
            kind=InteractionKind.CONNECTION,
            direction=Direction.MUTUAL,
            occurred_at=NOW - timedelta(days=3),
            provider_id="connection-1",
            preview="Connected on LinkedIn",
        )
    )
    with count_statements(session) as statements:
        service.record_interactions(session, user.id, rows)
    # Counters of all 21 contacts in one statement, their scores in one more on the
    # narrow score rows: not one each.
    assert len(_contact_writes(statements)) == 1, statements
    score_writes = [s for s in statements if "UPDATE CONTACT_SCORES" in s.upper()]
    assert len(score_writes) == 1, statements
    session.commit()
    session.expire_all()
    first = session.get(Contact, contacts[0].id)
    assert first is not None
    assert (first.interaction_count, first.last_interaction_at) == (50, NOW - timedelta(hours=1))
    first_score = stored_score(session, first.id)
    assert first_score.score > 0
    assert set(first_score.parts) == {"reciprocity", "recency", "frequency", "breadth", "tenure"}
    only_connected = session.get(Contact, linked.id)
    assert only_connected is not None
    # A connection counts as an interaction but is no conversation: no score.
    assert only_connected.interaction_count == 1
    assert (stored_score(session, linked.id).score, stored_score(session, linked.id).parts) == (
        0,
        {},
    )

    # Nothing new: no contact row is rewritten.
    with count_statements(session) as statements:
        assert service.record_interactions(session, user.id, rows) == 0
    assert _contact_writes(statements) == []


def test_two_batches_in_one_transaction_record_each_row_once_with_every_field(
    session: Session,
) -> None:
    user = create_user(session)
    contacts = [create_contact(session, user, f"Person {i}") for i in range(2)]
    rows = _rows(contacts, 30)
    rows.append(
        service.NewInteraction(
            contact_id=contacts[1].id,
            platform=Platform.TELEGRAM,
            kind=InteractionKind.MESSAGE,
            direction=Direction.OUTBOUND,
            occurred_at=NOW - timedelta(minutes=5),
            ended_at=NOW - timedelta(minutes=4),
            provider_id="tg:1:2:000000000007",
            preview="See you   there",
            thread_id="tg:1:2",
            is_read=True,
            extra={"media": "photo"},
        )
    )
    # The second batch overlaps the first: only its new rows count, in the same transaction.
    assert service.record_interactions(session, user.id, rows[:20]) == 20
    assert service.record_interactions(session, user.id, rows[10:]) == 11
    session.commit()
    assert session.scalar(select(func.count()).select_from(Interaction)) == 31
    email = session.scalars(select(Interaction).where(Interaction.provider_id == "gmail-5")).one()
    assert (email.subject, email.preview) == ("Subject 5", "Subject 5 — snippet number 5")
    assert email.occurred_at == NOW - timedelta(hours=6)
    assert (email.ended_at, email.thread_id, email.is_read, email.extra) == (None, None, None, None)
    message = session.scalars(
        select(Interaction).where(Interaction.provider_id == "tg:1:2:000000000007")
    ).one()
    assert message.preview == "See you there"
    assert (message.occurred_at, message.ended_at) == (
        NOW - timedelta(minutes=5),
        NOW - timedelta(minutes=4),
    )
    assert (message.thread_id, message.is_read, message.extra) == (
        "tg:1:2",
        True,
        {"media": "photo"},
    )
    assert message.direction == Direction.OUTBOUND
    session.refresh(contacts[1])
    assert contacts[1].interaction_count == 16
    assert contacts[1].last_interaction_at == NOW - timedelta(minutes=5)


def test_email_preview_is_subject_dash_snippet_trimmed_to_500(session: Session) -> None:
    user = create_user(session)
    contact = create_contact(session, user, "Ada")
    interaction = create_interaction(
        session, user, contact, subject="Lunch?", preview="Are you free   on Tuesday"
    )
    assert interaction.preview == "Lunch? — Are you free on Tuesday"
    long = create_interaction(session, user, contact, platform=Platform.TELEGRAM, preview="x" * 900)
    assert len(long.preview) == 500
    assert long.preview.endswith("…")


def test_duplicates_within_one_batch_count_once(session: Session) -> None:
    user = create_user(session)
    contact = create_contact(session, user, "Ada")
    rows = _rows([contact], 3)
    assert service.record_interactions(session, user.id, rows + rows) == 3


def test_rows_for_another_users_contact_are_refused(session: Session) -> None:
    user = create_user(session)
    other = create_user(session, "other@example.com")
    theirs = create_contact(session, other, "Theirs")
    with pytest.raises(NotFound):
        service.record_interactions(session, user.id, _rows([theirs], 1))


def test_manual_log_edit_and_delete_recompute_counters(session: Session) -> None:
    user = create_user(session)
    contact = create_contact(session, user, "Ada")
    logged = service.log_interaction(
        session,
        user.id,
        InteractionCreate(
            contact_id=contact.id,
            kind=InteractionKind.CALL,
            direction=Direction.MUTUAL,
            occurred_at=NOW - timedelta(days=2),
            summary="Talked about the engine",
        ),
    )
    session.commit()
    assert logged.provider_id.startswith("manual:")
    assert len(logged.provider_id) == 39
    assert logged.platform == Platform.MANUAL
    session.refresh(contact)
    assert contact.interaction_count == 1
    assert contact.last_interaction_at == NOW - timedelta(days=2)

    service.update_interaction(
        session, user.id, logged.id, InteractionUpdate(occurred_at=NOW - timedelta(days=1))
    )
    session.commit()
    session.refresh(contact)
    assert contact.last_interaction_at == NOW - timedelta(days=1)

    service.delete_interaction(session, user.id, logged.id)
    session.commit()
    session.refresh(contact)
    assert contact.interaction_count == 0
    assert contact.last_interaction_at is None


def test_future_meetings_are_not_counted_until_they_start(session: Session) -> None:
    user = create_user(session)
    contact = create_contact(session, user, "Ada")
    create_interaction(session, user, contact, occurred_at=NOW - timedelta(days=3))
    create_interaction(
        session, user, contact, platform=Platform.MEETING, occurred_at=NOW + timedelta(days=3)
    )
    session.refresh(contact)
    # "A meeting counts as an interaction only once it has started" (spec: gmail.md).
    assert contact.interaction_count == 1
    assert contact.last_interaction_at == NOW - timedelta(days=3)
