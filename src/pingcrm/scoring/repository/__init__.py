"""SQL of the scoring domain: one aggregate over interactions and the stored scores (the
narrow ``contact_scores`` rows); the writes are in ``writes``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, Text, and_, case, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from pingcrm.models import Contact, ContactScore, Direction, Interaction, InteractionKind
from pingcrm.scoring.repository.writes import (
    NewScoreRow,
    StoredContact,
    insert_scores,
    parts_text,
    write_counters,
    write_scores,
)
from pingcrm.scoring.repository.writes import connection_of as _connection
from pingcrm.scoring.rules import AGE_WEIGHTS, OLDEST_WEIGHT, ContactActivity

__all__ = [
    "ContactFacts",
    "NewScoreRow",
    "StoredContact",
    "activity_by_contact",
    "current_scores",
    "facts_by_contact",
    "insert_scores",
    "parts_text",
    "stored_contacts",
    "write_counters",
    "write_scores",
]


def _owner(user_id: int, contact_ids: Sequence[int] | None) -> ColumnElement[bool]:
    """The owner filter: for a given list of ids ``user_id + 0``, so the rows are found by
    primary key whatever the statistics (without them, after a bulk load, the planner
    walks every contact of the user through the user_id index, once per batch)."""
    if contact_ids is None:
        return Contact.user_id == user_id
    return (Contact.user_id + 0) == user_id


def activity_by_contact(
    session: Session, user_id: int, now: datetime, contact_ids: Sequence[int] | None = None
) -> dict[int, ContactActivity]:
    """Aggregate each contact's interactions that already happened (future meetings
    excluded) in one grouped query."""
    weight = case(
        *[(Interaction.occurred_at >= now - age, weight) for age, weight in AGE_WEIGHTS],
        else_=OLDEST_WEIGHT,
    )
    inbound = func.sum(
        case((Interaction.direction.in_([Direction.INBOUND, Direction.MUTUAL]), 1), else_=0)
    )
    outbound = func.sum(
        case((Interaction.direction.in_([Direction.OUTBOUND, Direction.MUTUAL]), 1), else_=0)
    )
    # From the user's contacts into each one's interactions (contact_id, occurred_at)
    # index: rows arrive grouped by contact, so no sort of a million rows is needed.
    query = (
        select(
            Contact.id,
            inbound,
            outbound,
            func.count(),
            func.min(Interaction.occurred_at),
            func.max(Interaction.occurred_at),
            func.sum(cast(weight, Float)),
            # Two or more platforms exactly when the smallest and largest names differ.
            func.min(Interaction.platform) != func.max(Interaction.platform),
        )
        .join(Interaction, Interaction.contact_id == Contact.id)
        .where(
            _owner(user_id, contact_ids),
            Interaction.occurred_at <= now,
            # Becoming connected on LinkedIn is not a conversation.
            Interaction.kind != InteractionKind.CONNECTION,
        )
        .group_by(Contact.id)
    )
    if contact_ids is not None:
        query = query.where(Contact.id.in_(contact_ids))
    result: dict[int, ContactActivity] = {}
    # Core execution on the session's connection: plain rows, no ORM row processing.
    for row in _connection(session).execute(query):
        result[row[0]] = ContactActivity(
            inbound=int(row[1]),
            outbound=int(row[2]),
            total=int(row[3]),
            first_at=row[4],
            last_at=row[5],
            weighted_count=float(row[6]),
            platforms=2 if row[7] else 1,
        )
    return result


@dataclass(frozen=True)
class ContactFacts:
    """One contact's conversation activity (None: no conversation yet) and its counters:
    every interaction up to now, LinkedIn connections included."""

    activity: ContactActivity | None
    interaction_count: int
    last_interaction_at: datetime | None


def facts_by_contact(
    session: Session, user_id: int, now: datetime, contact_ids: Sequence[int]
) -> dict[int, ContactFacts]:
    """The activity of ``activity_by_contact`` and the counters of these contacts, in one
    grouped query (connections are counted, but are not conversations)."""
    talk = Interaction.kind != InteractionKind.CONNECTION
    weight = case(
        *[(Interaction.occurred_at >= now - age, weight) for age, weight in AGE_WEIGHTS],
        else_=OLDEST_WEIGHT,
    )

    def when_talk(value: Any) -> Any:
        return case((talk, value))

    inbound = func.sum(
        case(
            (and_(talk, Interaction.direction.in_([Direction.INBOUND, Direction.MUTUAL])), 1),
            else_=0,
        )
    )
    outbound = func.sum(
        case(
            (and_(talk, Interaction.direction.in_([Direction.OUTBOUND, Direction.MUTUAL])), 1),
            else_=0,
        )
    )
    query = (
        select(
            Contact.id,
            inbound,
            outbound,
            func.sum(case((talk, 1), else_=0)),
            func.min(when_talk(Interaction.occurred_at)),
            func.max(when_talk(Interaction.occurred_at)),
            func.sum(cast(when_talk(weight), Float)),
            func.min(when_talk(Interaction.platform)) != func.max(when_talk(Interaction.platform)),
            func.count(),
            func.max(Interaction.occurred_at),
        )
        .join(Interaction, Interaction.contact_id == Contact.id)
        .where(
            _owner(user_id, contact_ids),
            Contact.id.in_(contact_ids),
            Interaction.occurred_at <= now,
        )
        .group_by(Contact.id)
    )
    result: dict[int, ContactFacts] = {}
    for row in _connection(session).execute(query):
        total = int(row[3] or 0)
        activity = (
            ContactActivity(
                inbound=int(row[1]),
                outbound=int(row[2]),
                total=total,
                first_at=row[4],
                last_at=row[5],
                weighted_count=float(row[6]),
                platforms=2 if row[7] else 1,
            )
            if total
            else None
        )
        result[row[0]] = ContactFacts(activity, int(row[8]), row[9])
    return result


def stored_contacts(
    session: Session, user_id: int, contact_ids: Sequence[int]
) -> dict[int, StoredContact]:
    """Each contact's stored score, parts and counters."""
    query = (
        select(
            Contact.id,
            ContactScore.score,
            ContactScore.parts,
            Contact.interaction_count,
            Contact.last_interaction_at,
            Contact.is_second_tier,
        )
        .outerjoin(ContactScore, ContactScore.contact_id == Contact.id)
        .where(_owner(user_id, contact_ids), Contact.id.in_(contact_ids))
    )
    return {
        row[0]: StoredContact(row[1] or 0, row[2] or {}, row[3], row[4], row[5])
        for row in _connection(session).execute(query)
    }


def current_scores(
    session: Session, user_id: int, contact_ids: Sequence[int] | None = None
) -> dict[int, tuple[int, str]]:
    """Each contact's stored score and parts, the parts as their stored JSON text (what
    ``parts_text`` gives: compared as text, not decoded 100k times; a row whose text is
    formatted otherwise is merely rewritten once)."""
    query = select(ContactScore.contact_id, ContactScore.score, cast(ContactScore.parts, Text))
    if contact_ids is None:
        query = query.where(ContactScore.user_id == user_id)
    else:
        # ``user_id + 0``: probe the primary key for these ids (see ``_owner``).
        query = query.where(
            (ContactScore.user_id + 0) == user_id, ContactScore.contact_id.in_(contact_ids)
        )
    rows = _connection(session).execute(query)
    return {row[0]: (row[1], row[2] or "{}") for row in rows}
