"""Recomputing scores in the database: set-based, per user, only changed rows written."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from pingcrm.contacts.identifiers import new_bcc_hash
from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import (
    Contact,
    ContactScore,
    Direction,
    Interaction,
    InteractionKind,
    Platform,
    User,
)
from pingcrm.scoring.service import recompute_scores
from tests.fixtures.builders import create_user

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
_ids = itertools.count()


def contact(session: Session, user: User, name: str) -> Contact:
    row = Contact(user_id=user.id, full_name=name, sort_name=name.lower(), bcc_hash=new_bcc_hash())
    session.add(row)
    session.flush()
    return row


def talk(
    session: Session,
    user: User,
    who: Contact,
    direction: Direction,
    days_ago: float,
    platform: Platform = Platform.EMAIL,
) -> None:
    session.add(
        Interaction(
            user_id=user.id,
            contact_id=who.id,
            platform=platform,
            kind=InteractionKind.MESSAGE,
            direction=direction,
            occurred_at=NOW - timedelta(days=days_ago),
            preview="hi",
            provider_id=f"t{next(_ids)}",
        )
    )


def test_scores_follow_the_interactions(session: Session) -> None:
    user = create_user(session)
    friend = contact(session, user, "Close Friend")
    stranger = contact(session, user, "Cold Lead")
    silent = contact(session, user, "Never Talked")
    for day in range(0, 400, 20):
        talk(session, user, friend, Direction.INBOUND, day + 1)
        talk(session, user, friend, Direction.OUTBOUND, day + 2, Platform.TELEGRAM)
    talk(session, user, stranger, Direction.OUTBOUND, 200)
    session.commit()

    with use_clock(FrozenClock(NOW)):
        result = recompute_scores(session, user.id)
    session.commit()

    assert result.contacts_scored == 3
    assert result.contacts_changed == 2
    session.expire_all()
    scores = dict(
        session.execute(
            select(Contact.full_name, ContactScore.score).join(
                ContactScore, ContactScore.contact_id == Contact.id
            )
        ).all()
    )
    assert scores == {"Close Friend": 10, "Cold Lead": 0, "Never Talked": 0}
    parts = session.get(ContactScore, friend.id).parts  # type: ignore[union-attr]
    assert parts == {"reciprocity": 4, "recency": 3.0, "frequency": 2, "breadth": 1, "tenure": 1}
    assert session.get(ContactScore, silent.id).parts == {}  # type: ignore[union-attr]


def test_linkedin_connections_are_not_conversations(session: Session) -> None:
    user = create_user(session)
    person = contact(session, user, "Just Connected")
    session.add(
        Interaction(
            user_id=user.id,
            contact_id=person.id,
            platform=Platform.LINKEDIN,
            kind=InteractionKind.CONNECTION,
            direction=Direction.MUTUAL,
            occurred_at=NOW - timedelta(days=3),
            preview="Connected on LinkedIn",
            provider_id="connection:just",
        )
    )
    session.commit()
    with use_clock(FrozenClock(NOW)):
        recompute_scores(session, user.id)
    session.commit()
    session.expire_all()
    assert session.get(ContactScore, person.id).score == 0  # type: ignore[union-attr]


def test_future_meetings_do_not_count(session: Session) -> None:
    user = create_user(session)
    person = contact(session, user, "Upcoming Meeting")
    talk(session, user, person, Direction.MUTUAL, -2, Platform.MEETING)
    session.commit()
    with use_clock(FrozenClock(NOW)):
        recompute_scores(session, user.id)
    session.commit()
    session.expire_all()
    assert session.get(ContactScore, person.id).score == 0  # type: ignore[union-attr]


def test_recompute_touches_only_the_user_and_ids_given(session: Session) -> None:
    ada = create_user(session)
    bob = create_user(session, email="bob@example.com")
    mine = contact(session, ada, "Mine")
    other_mine = contact(session, ada, "Other Mine")
    theirs = contact(session, bob, "Theirs")
    for person, owner in ((mine, ada), (other_mine, ada), (theirs, bob)):
        talk(session, owner, person, Direction.INBOUND, 1)
        talk(session, owner, person, Direction.OUTBOUND, 2)
    session.commit()
    with use_clock(FrozenClock(NOW)):
        result = recompute_scores(session, ada.id, [mine.id])
    session.commit()
    session.expire_all()
    assert result.contacts_scored == 1
    assert session.get(ContactScore, mine.id).score > 0  # type: ignore[union-attr]
    assert session.get(ContactScore, other_mine.id).score == 0  # type: ignore[union-attr]
    assert session.get(ContactScore, theirs.id).score == 0  # type: ignore[union-attr]


def test_recompute_is_a_handful_of_statements_whatever_the_size(session: Session) -> None:
    user = create_user(session)
    people = [contact(session, user, f"Person {i}") for i in range(300)]
    for i, person in enumerate(people):
        talk(session, user, person, Direction.INBOUND, i % 50 + 1)
        talk(session, user, person, Direction.OUTBOUND, i % 50 + 2)
    session.commit()
    statements: list[str] = []
    engine = session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        with use_clock(FrozenClock(NOW)):
            recompute_scores(session, user.id)
        session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) <= 5
    session.expire_all()
    assert all(s > 0 for s in session.execute(select(ContactScore.score)).scalars())
    # Nothing changed: a second run writes nothing.
    with use_clock(FrozenClock(NOW)):
        again = recompute_scores(session, user.id)
    assert again.contacts_changed == 0
