"""SQL of the scoring domain: one aggregate over interactions, bulk score updates."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Float, and_, bindparam, case, cast, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
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


@dataclass(frozen=True)
class StoredContact:
    """What a refresh may rewrite on one contact row."""

    score: int
    parts: dict[str, Any]
    interaction_count: int
    last_interaction_at: datetime | None
    is_second_tier: bool


def stored_contacts(
    session: Session, user_id: int, contact_ids: Sequence[int]
) -> dict[int, StoredContact]:
    """Each contact's stored score, parts and counters."""
    query = select(
        Contact.id,
        Contact.score,
        Contact.score_parts,
        Contact.interaction_count,
        Contact.last_interaction_at,
        Contact.is_second_tier,
    ).where(_owner(user_id, contact_ids), Contact.id.in_(contact_ids))
    return {
        row[0]: StoredContact(row[1], row[2] or {}, row[3], row[4], row[5])
        for row in _connection(session).execute(query)
    }


def write_contacts(session: Session, user_id: int, rows: list[tuple[int, StoredContact]]) -> None:
    """Store the score, parts and counters of ``(contact_id, values)``: one write per
    contact (each rewrite of the wide row updates its ~14 indexes), set-based as
    ``write_scores``; the session's loaded copies of these contacts are expired."""
    if session.get_bind().dialect.name == "postgresql":
        _write_contacts_postgresql(session, user_id, rows)
    else:
        last_at = Contact.__table__.c.last_interaction_at.type.bind_processor(
            session.get_bind().dialect
        )
        _write_sqlite(
            session,
            _REFRESHED[:-1],
            user_id,
            (
                (
                    cid,
                    (
                        v.score,
                        json.dumps(v.parts),
                        v.interaction_count,
                        last_at(v.last_interaction_at) if last_at else v.last_interaction_at,
                        v.is_second_tier,
                    ),
                )
                for cid, v in rows
            ),
        )
    for cid, _values in rows:
        loaded = session.identity_map.get(identity_key(Contact, cid))
        if loaded is not None:
            session.expire(loaded, list(_REFRESHED))


_REFRESHED = (
    "score",
    "score_parts",
    "interaction_count",
    "last_interaction_at",
    "is_second_tier",
    "updated_at",
)

_CONTACTS_POSTGRESQL = text(
    """
    UPDATE contacts AS c
    SET score = v.score, score_parts = CAST(v.parts AS json), interaction_count = v.n,
        last_interaction_at = v.last_at, is_second_tier = v.second_tier, updated_at = :now
    FROM unnest(CAST(:ids AS integer[]), CAST(:scores AS integer[]), CAST(:parts AS text[]),
                CAST(:counts AS integer[]), CAST(:lasts AS timestamp[]),
                CAST(:second_tiers AS boolean[]))
        AS v(id, score, parts, n, last_at, second_tier)
    WHERE c.id = v.id AND c.user_id = :user_id
    """
).bindparams(bindparam("now", type_=UTCDateTime()))


def _naive_utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC).replace(tzinfo=None)


def _write_contacts_postgresql(
    session: Session, user_id: int, rows: list[tuple[int, StoredContact]]
) -> None:
    now = utcnow()
    for start in range(0, len(rows), UPDATE_BATCH):
        batch = rows[start : start + UPDATE_BATCH]
        session.execute(
            _CONTACTS_POSTGRESQL,
            {
                "ids": [cid for cid, _v in batch],
                "scores": [v.score for _cid, v in batch],
                "parts": [json.dumps(v.parts) for _cid, v in batch],
                "counts": [v.interaction_count for _cid, v in batch],
                "lasts": [_naive_utc(v.last_interaction_at) for _cid, v in batch],
                "second_tiers": [v.is_second_tier for _cid, v in batch],
                "now": now,
                "user_id": user_id,
            },
        )


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
    _write_sqlite(
        session,
        ("score", "score_parts"),
        user_id,
        ((cid, (score, json.dumps(parts))) for cid, score, parts in rows),
    )


def _write_sqlite(
    session: Session,
    columns: tuple[str, ...],
    user_id: int,
    rows: Iterable[tuple[int, tuple[Any, ...]]],
) -> None:
    """One driver-level executemany (primary-key updates) per 5,000 rows of
    ``(contact_id, values of columns)``, values already in SQLite's form: no per-row
    statement compilation or parameter processing. ``updated_at`` is set too."""
    connection = _connection(session)
    updated_at = Contact.__table__.c.updated_at.type.bind_processor(connection.dialect)
    now = updated_at(utcnow()) if updated_at is not None else utcnow()
    assignments = ", ".join(f"{name} = ?" for name in (*columns, "updated_at"))
    # Only constant column names are formatted in; values are bound.
    sql = f"UPDATE contacts SET {assignments} WHERE id = ? AND user_id = ?"  # noqa: S608
    batch: list[tuple[Any, ...]] = []
    for contact_id, values in rows:
        batch.append((*values, now, contact_id, user_id))
        if len(batch) >= UPDATE_BATCH:
            connection.exec_driver_sql(sql, batch)
            batch = []
    if batch:
        connection.exec_driver_sql(sql, batch)


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
