"""SQL of the scoring domain's writes: the narrow score rows (updates of changed scores,
inserts for new contacts) and the counters a refresh rewrites on the contact rows."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from pingcrm.db import copy_to_staging
from pingcrm.kit.clock import utcnow
from pingcrm.models import Contact, ContactScore
from pingcrm.models.base import UTCDateTime

UPDATE_BATCH = 5_000
# A new contact's score row: (contact_id, score, parts, listed: neither 2nd-tier nor
# archived, see ``ContactScore.listed``).
NewScoreRow = tuple[int, int, dict[str, Any], bool]


def connection_of(session: Session) -> Connection:
    """The session's connection for a Core query, flushed first as ``session.execute``
    would (autoflush)."""
    if session.autoflush:
        session.flush()
    return session.connection()


@dataclass(frozen=True)
class StoredContact:
    """What a refresh may rewrite: the score row, and the counters on the contact row."""

    score: int
    parts: dict[str, Any]
    interaction_count: int
    last_interaction_at: datetime | None
    is_second_tier: bool


def parts_text(parts: dict[str, Any] | str) -> str:
    """The JSON text the score rows store for ``parts`` (already text: as it is)."""
    return parts if isinstance(parts, str) else json.dumps(parts)


def write_counters(session: Session, user_id: int, rows: list[tuple[int, StoredContact]]) -> None:
    """Store the counters and 2nd-tier flag of ``(contact_id, values)`` on the contact
    rows (their score is written by ``write_scores``), set-based as ``write_scores``; the
    session's loaded copies of these contacts are expired."""
    if session.get_bind().dialect.name == "postgresql":
        _write_counters_postgresql(session, user_id, rows)
    else:
        last_at = Contact.__table__.c.last_interaction_at.type.bind_processor(
            session.get_bind().dialect
        )
        now = _sqlite_now(session)
        _write_sqlite(
            session,
            "contacts",
            _REFRESHED,
            user_id,
            (
                (
                    cid,
                    (
                        v.interaction_count,
                        last_at(v.last_interaction_at) if last_at else v.last_interaction_at,
                        v.is_second_tier,
                        now,
                    ),
                )
                for cid, v in rows
            ),
        )
    for cid, _values in rows:
        loaded = session.identity_map.get(identity_key(Contact, cid))
        if loaded is not None:
            session.expire(loaded, list(_REFRESHED))


_REFRESHED = ("interaction_count", "last_interaction_at", "is_second_tier", "updated_at")

_COUNTERS_POSTGRESQL = text(
    """
    UPDATE contacts AS c
    SET interaction_count = v.n, last_interaction_at = v.last_at,
        is_second_tier = v.second_tier, updated_at = :now
    FROM unnest(CAST(:ids AS integer[]), CAST(:counts AS integer[]),
                CAST(:lasts AS timestamp[]), CAST(:second_tiers AS boolean[]))
        AS v(id, n, last_at, second_tier)
    WHERE c.id = v.id AND c.user_id = :user_id
    """
).bindparams(bindparam("now", type_=UTCDateTime()))


def _naive_utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC).replace(tzinfo=None)


def _write_counters_postgresql(
    session: Session, user_id: int, rows: list[tuple[int, StoredContact]]
) -> None:
    now = utcnow()
    for start in range(0, len(rows), UPDATE_BATCH):
        batch = rows[start : start + UPDATE_BATCH]
        session.execute(
            _COUNTERS_POSTGRESQL,
            {
                "ids": [cid for cid, _v in batch],
                "counts": [v.interaction_count for _cid, v in batch],
                "lasts": [_naive_utc(v.last_interaction_at) for _cid, v in batch],
                "second_tiers": [v.is_second_tier for _cid, v in batch],
                "now": now,
                "user_id": user_id,
            },
        )


def write_scores(
    session: Session, user_id: int, rows: Iterable[tuple[int, int, dict[str, float] | str]]
) -> None:
    """Store ``(contact_id, score, parts or their JSON text)`` in the narrow score rows
    (the wide contact rows are not touched): on PostgreSQL one set-based UPDATE (from
    unnest(…) or a COPY staging table; an executemany of single-row updates is planned
    without statistics after a bulk load as a walk over every score of the user, per
    row); on SQLite batches of executemany updates (primary-key lookups). Loaded copies
    of these rows are expired."""
    rows = list(rows)
    if session.get_bind().dialect.name == "postgresql":
        _write_scores_postgresql(session, user_id, rows)
    else:
        _write_sqlite(
            session,
            "contact_scores",
            ("score", "parts"),
            user_id,
            ((cid, (score, parts_text(parts))) for cid, score, parts in rows),
        )
    for cid, _score, _parts in rows:
        loaded = session.identity_map.get(identity_key(ContactScore, cid))
        if loaded is not None:
            session.expire(loaded)


def insert_scores(session: Session, user_id: int, rows: Sequence[NewScoreRow]) -> None:
    """Insert the score rows of new contacts ``(contact_id, score, parts, listed)``: one
    multi-row INSERT … SELECT FROM unnest(…) per 5,000 rows on PostgreSQL, an executemany
    on SQLite (no statement per row)."""
    if not rows:
        return
    connection = connection_of(session)
    if connection.dialect.name == "postgresql":
        for start in range(0, len(rows), UPDATE_BATCH):
            batch = rows[start : start + UPDATE_BATCH]
            parameters = _unnest_parameters(user_id, [row[:3] for row in batch])
            parameters["listed"] = [listed for *_row, listed in batch]
            connection.execute(_INSERT_POSTGRESQL, parameters)
        return
    sql = (
        "INSERT INTO contact_scores (contact_id, user_id, score, parts, listed) "
        "VALUES (?, ?, ?, ?, ?)"
    )
    for start in range(0, len(rows), UPDATE_BATCH):
        connection.exec_driver_sql(
            sql,
            [
                (cid, user_id, score, parts_text(parts), listed)
                for cid, score, parts, listed in rows[start : start + UPDATE_BATCH]
            ],
        )


_INSERT_POSTGRESQL = text(
    """
    INSERT INTO contact_scores (contact_id, user_id, score, parts, listed)
    SELECT v.id, :user_id, v.score, CAST(v.parts AS json), v.listed
    FROM unnest(
        CAST(:ids AS integer[]),
        CAST(:scores AS integer[]),
        CAST(:parts AS text[]),
        CAST(:listed AS boolean[])
    ) AS v(id, score, parts, listed)
    """
)


def _sqlite_now(session: Session) -> Any:
    """``utcnow()`` in the form SQLite stores ``updated_at``."""
    updated_at = Contact.__table__.c.updated_at.type.bind_processor(session.get_bind().dialect)
    return updated_at(utcnow()) if updated_at is not None else utcnow()


def _write_sqlite(
    session: Session,
    table: str,
    columns: tuple[str, ...],
    user_id: int,
    rows: Iterable[tuple[int, tuple[Any, ...]]],
) -> None:
    """One driver-level executemany (primary-key updates) per 5,000 rows of
    ``(row id, values of columns)``, values already in SQLite's form: no per-row
    statement compilation or parameter processing."""
    connection = connection_of(session)
    key = "contact_id" if table == "contact_scores" else "id"
    assignments = ", ".join(f"{name} = ?" for name in columns)
    # Only constant table and column names are formatted in; values are bound.
    sql = f"UPDATE {table} SET {assignments} WHERE {key} = ? AND user_id = ?"  # noqa: S608
    batch: list[tuple[Any, ...]] = []
    for row_id, values in rows:
        batch.append((*values, row_id, user_id))
        if len(batch) >= UPDATE_BATCH:
            connection.exec_driver_sql(sql, batch)
            batch = []
    if batch:
        connection.exec_driver_sql(sql, batch)


_SCORES_POSTGRESQL = text(
    """
    UPDATE contact_scores AS s
    SET score = v.score, parts = CAST(v.parts AS json)
    FROM unnest(CAST(:ids AS integer[]), CAST(:scores AS integer[]), CAST(:parts AS text[]))
        AS v(id, score, parts)
    WHERE s.contact_id = v.id AND s.user_id = :user_id
    """
)


_STAGING = "score_staging"
_STAGING_DDL = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} ("
    "contact_id integer NOT NULL, score integer NOT NULL, parts text NOT NULL) "
    "ON COMMIT DELETE ROWS"
)
_SCORES_FROM_STAGING = text(
    f"""
    UPDATE contact_scores AS s
    SET score = v.score, parts = CAST(v.parts AS json)
    FROM {_STAGING} AS v
    WHERE s.contact_id = v.contact_id AND s.user_id = :user_id
    """  # noqa: S608 (a constant table name)
)


def _write_scores_postgresql(
    session: Session, user_id: int, rows: list[tuple[int, int, dict[str, float] | str]]
) -> None:
    """A few rows (a sync's batch): one UPDATE … FROM unnest(…). More (the nightly
    recompute): COPY into a staging table and one UPDATE from it, so the join to the
    score rows is planned and hashed once, not once per 5,000 rows (16 batches of 76k
    changed scores took 7.8 s, mostly rebuilding that hash)."""
    if not rows:
        return
    rows = sorted(rows, key=lambda row: row[0])
    if len(rows) <= UPDATE_BATCH:
        session.execute(_SCORES_POSTGRESQL, _unnest_parameters(user_id, rows))
        return
    connection = connection_of(session)
    copy_to_staging(
        connection,
        _STAGING_DDL,
        _STAGING,
        ("contact_id", "score", "parts"),
        ((cid, score, parts_text(parts)) for cid, score, parts in rows),
    )
    connection.execute(_SCORES_FROM_STAGING, {"user_id": user_id})


def _unnest_parameters(
    user_id: int, rows: Sequence[tuple[int, int, dict[str, Any] | str]]
) -> dict[str, Any]:
    """The arrays an ``unnest(…)`` statement of score rows binds."""
    return {
        "ids": [contact_id for contact_id, _score, _parts in rows],
        "scores": [score for _cid, score, _parts in rows],
        "parts": [parts_text(parts) for _cid, _score, parts in rows],
        "user_id": user_id,
    }
