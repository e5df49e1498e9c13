"""SQL of the scoring domain: one aggregate over interactions, bulk score updates."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Float, and_, bindparam, case, cast, func, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from pingcrm.kit.clock import utcnow
from pingcrm.models import Contact, Direction, Interaction, InteractionKind
from pingcrm.models.base import UTCDateTime
from pingcrm.scoring.rules import AGE_WEIGHTS, OLDEST_WEIGHT, ContactActivity

UPDATE_BATCH = 5_000


def _connection(session: Session) -> Connection:
    """The session's connection for a Core query, flushed first as ``session.execute``
    would (autoflush)."""
    if session.autoflush:
        session.flush()
    return session.connection()


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


def current_scores(
    session: Session, user_id: int, contact_ids: Sequence[int] | None = None
) -> dict[int, tuple[int, dict[str, Any]]]:
    """Each contact's stored score and parts."""
    query = select(Contact.id, Contact.score, Contact.score_parts).where(
        _owner(user_id, contact_ids)
    )
    if contact_ids is not None:
        query = query.where(Contact.id.in_(contact_ids))
    rows = _connection(session).execute(query)
    return {row[0]: (row[1], row[2] or {}) for row in rows}


def write_scores(
    session: Session, user_id: int, rows: Iterable[tuple[int, int, dict[str, float]]]
) -> None:
    """Store ``(contact_id, score, parts)``: on PostgreSQL one UPDATE … FROM unnest(…)
    per 5,000 rows (an executemany of single-row updates is planned without statistics
    after a bulk load as a walk over every contact of the user, per row); on SQLite
    batches of executemany updates (primary-key lookups)."""
    if session.get_bind().dialect.name == "postgresql":
        _write_scores_postgresql(session, user_id, list(rows))
        return
    statement = (
        update(Contact.__table__)  # type: ignore[arg-type]
        .where(
            and_(Contact.__table__.c.id == bindparam("cid"), Contact.__table__.c.user_id == user_id)
        )
        .values(score=bindparam("new_score"), score_parts=bindparam("new_parts"))
    )
    batch: list[dict[str, Any]] = []
    for contact_id, score, parts in rows:
        batch.append({"cid": contact_id, "new_score": score, "new_parts": parts})
        if len(batch) >= UPDATE_BATCH:
            session.execute(statement, batch)
            batch = []
    if batch:
        session.execute(statement, batch)


_SCORES_POSTGRESQL = text(
    """
    UPDATE contacts AS c
    SET score = v.score, score_parts = CAST(v.parts AS json), updated_at = :now
    FROM unnest(CAST(:ids AS integer[]), CAST(:scores AS integer[]), CAST(:parts AS text[]))
        AS v(id, score, parts)
    WHERE c.id = v.id AND c.user_id = :user_id
    """
).bindparams(bindparam("now", type_=UTCDateTime()))


def _write_scores_postgresql(
    session: Session, user_id: int, rows: list[tuple[int, int, dict[str, float]]]
) -> None:
    now = utcnow()
    for start in range(0, len(rows), UPDATE_BATCH):
        batch = rows[start : start + UPDATE_BATCH]
        session.execute(
            _SCORES_POSTGRESQL,
            {
                "ids": [contact_id for contact_id, _score, _parts in batch],
                "scores": [score for _cid, score, _parts in batch],
                "parts": [json.dumps(parts) for _cid, _score, parts in batch],
                "now": now,
                "user_id": user_id,
            },
        )
