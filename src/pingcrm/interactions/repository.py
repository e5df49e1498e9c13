"""SQL of the interactions domain: set-based inserts, counters, the timeline."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select, text, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from pingcrm.contacts.repository import SEARCHED_PREVIEWS_SQL, valid_id
from pingcrm.db import copy_to_staging
from pingcrm.models import UNSEARCHED_PREVIEWS, Contact, Interaction
from pingcrm.models.base import UTCDateTime

ID_CHUNK = 500
# Rows per multi-row INSERT on SQLite (16 values each: well under its 32,766 variables);
# every full chunk reuses one statement text, so SQLite's statement cache parses it once.
SQLITE_ROWS = 500
# The columns a bulk insert writes, in this order.
COLUMNS = (
    "user_id",
    "contact_id",
    "platform",
    "kind",
    "direction",
    "occurred_at",
    "ended_at",
    "subject",
    "preview",
    "provider_id",
    "thread_id",
    "platform_account_id",
    "is_read",
    "extra",
    "created_at",
    "updated_at",
)
# PostgreSQL: the rows of one insert are copied into this per-connection temporary table
# (emptied at each commit), then moved over with one INSERT … SELECT.
STAGING = "pingcrm_staged_interactions"
_STAGING_DDL = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING} ("
    "seq integer NOT NULL, user_id integer NOT NULL, contact_id integer NOT NULL, "
    "platform varchar(16) NOT NULL, kind varchar(16) NOT NULL, direction varchar(16) NOT NULL, "
    "occurred_at timestamp NOT NULL, ended_at timestamp, subject varchar(500), "
    "preview varchar(500) NOT NULL, provider_id varchar(255) NOT NULL, thread_id varchar(255), "
    "platform_account_id integer, is_read boolean, extra json, "
    "created_at timestamp NOT NULL, updated_at timestamp NOT NULL) ON COMMIT DELETE ROWS"
)
_CONFLICT = "ON CONFLICT (user_id, platform, provider_id) DO NOTHING RETURNING contact_id, preview"

Processor = Callable[[Any], Any] | None
_UNSET = object()


@lru_cache(maxsize=8)
def _processors(dialect: Dialect) -> tuple[Processor, ...]:
    """The bind processors of ``COLUMNS`` for ``dialect`` (enum → value, aware → naive
    UTC timestamp, JSON → text on SQLite): the values a Core insert would send."""
    columns = Interaction.__table__.c
    return tuple(columns[name].type.bind_processor(dialect) for name in COLUMNS)


def _tuples(dialect: Dialect, rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """``rows`` as parameter tuples in ``COLUMNS`` order, processed once per distinct
    value of a call (no per-row statement compilation, no per-row dictionaries inside the
    driver; the rows share their ``created_at``, platform, kind…)."""
    processors = _processors(dialect)
    json_column = COLUMNS.index("extra")
    # pysqlite turns a datetime into ``isoformat(" ")`` text (its default adapter): done
    # here, once per distinct timestamp.
    iso = dialect.name == "sqlite"
    # PostgreSQL's JSON type leaves serialising to the driver: like it, None is JSON null.
    serialize: Callable[[Any], Any] = processors[json_column] or json.dumps
    no_extra: Any = _UNSET
    cached = [
        (index, process)
        for index, process in enumerate(processors)
        if process is not None and index != json_column
    ]
    done: dict[tuple[int, Any], Any] = {}
    result: list[tuple[Any, ...]] = []
    in_order = itemgetter(*COLUMNS)
    for row in rows:
        values = list(in_order(row))
        for index, process in cached:
            value = values[index]
            if value is None:
                continue
            key = (index, value)
            if key not in done:
                processed = process(value)
                if iso and type(processed) is datetime:
                    processed = processed.isoformat(" ")
                done[key] = processed
            values[index] = done[key]
        extra = values[json_column]
        if extra is None:
            # Most rows have no extra: its JSON form is computed once per call.
            if no_extra is _UNSET:
                no_extra = serialize(None)
            values[json_column] = no_extra
        else:
            values[json_column] = serialize(extra)
        result.append(tuple(values))
    return result


@dataclass
class Inserted:
    """What an insert added: how many new rows each contact got, and the distinct
    previews of each contact's new rows (their words join its search document; not
    the app's own labels, ``UNSEARCHED_PREVIEWS``)."""

    counts: Counter[int] = field(default_factory=Counter)
    previews: list[tuple[int, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many rows were inserted."""
        return sum(self.counts.values())


@lru_cache(maxsize=4)
def _sqlite_insert_sql(count: int) -> str:
    # Only constant identifiers and placeholders are formatted in; values are bound.
    one = "(" + ", ".join("?" * len(COLUMNS)) + ")"
    values = ", ".join([one] * count)
    return f"INSERT INTO interactions ({', '.join(COLUMNS)}) VALUES {values} {_CONFLICT}"  # noqa: S608


def _insert_sqlite(connection: Connection, values: list[tuple[Any, ...]]) -> Inserted:
    # In date order: the (user_id, occurred_at) index then takes the batch's rows page by
    # page instead of each at a random place of a B-tree that outgrows the page cache (the
    # other indexes lead with the contact or the provider id; the rowid is appended
    # whatever the order). 101 -> 91 µs per 10 rows at 1M interactions.
    at = COLUMNS.index("occurred_at")
    values = sorted(values, key=itemgetter(at))
    inserted = Inserted()
    seen: set[tuple[int, str]] = set()
    for start in range(0, len(values), SQLITE_ROWS):
        chunk = values[start : start + SQLITE_ROWS]
        flat = tuple(chain.from_iterable(chunk))
        for contact_id, preview in connection.exec_driver_sql(
            _sqlite_insert_sql(len(chunk)), flat
        ).all():
            inserted.counts[contact_id] += 1
            if preview in UNSEARCHED_PREVIEWS:
                continue
            if (contact_id, preview) not in seen:
                seen.add((contact_id, preview))
                inserted.previews.append((contact_id, preview))
    return inserted


# The inserted rows are summed up on the server, one row per contact (its count of new
# rows and their distinct previews), instead of sending every inserted row back.
_INSERT_POSTGRESQL = (
    f"WITH inserted AS (INSERT INTO interactions ({', '.join(COLUMNS)}) "  # noqa: S608
    f"SELECT {', '.join(COLUMNS)} FROM {STAGING} ORDER BY seq {_CONFLICT}) "
    "SELECT contact_id, count(*), "
    f"array_agg(DISTINCT preview) FILTER (WHERE {SEARCHED_PREVIEWS_SQL}) "
    "FROM inserted GROUP BY contact_id"
)


def _insert_postgresql(connection: Connection, values: list[tuple[Any, ...]]) -> Inserted:
    # Emptied at each commit; emptied here too, in case one transaction inserts twice.
    copy_to_staging(
        connection, _STAGING_DDL, STAGING, ("seq", *COLUMNS),
        ((seq, *row) for seq, row in enumerate(values)),
    )  # fmt: skip
    inserted = Inserted()
    for contact_id, count, previews in connection.exec_driver_sql(_INSERT_POSTGRESQL).all():
        inserted.counts[contact_id] = count
        inserted.previews.extend((contact_id, preview) for preview in previews or ())
    return inserted


def insert_ignoring_duplicates(session: Session, rows: Sequence[dict[str, Any]]) -> Inserted:
    """Insert rows, skipping those whose (user_id, platform, provider_id) exists; returns
    how many rows each contact got and their distinct previews.

    Set-based and without per-row statement work: on PostgreSQL the rows are COPYed into
    a temporary staging table and moved with one INSERT … SELECT … ON CONFLICT DO NOTHING,
    whose inserted rows are grouped by contact on the server; on SQLite one cached
    multi-row INSERT … RETURNING per 500 rows."""
    if not rows:
        return Inserted()
    connection = session.connection()
    values = _tuples(connection.dialect, rows)
    if connection.dialect.name == "postgresql":
        return _insert_postgresql(connection, values)
    return _insert_sqlite(connection, values)


def recompute_counters(
    session: Session,
    user_id: int,
    contact_ids: Sequence[int],
    now: datetime,
    *,
    clear_second_tier: bool,
) -> None:
    """Set ``interaction_count``/``last_interaction_at`` from the interactions table for
    these contacts, set-based (one UPDATE per 500 contacts on SQLite, per 5,000 on
    PostgreSQL, where unchanged rows are left alone). Only interactions that happened by
    ``now`` count: an upcoming meeting is not an interaction yet."""
    ids = sorted(set(contact_ids))
    if session.get_bind().dialect.name == "postgresql":
        _recompute_counters_postgresql(session, user_id, ids, now, clear_second_tier)
    else:
        _recompute_counters_sqlite(session, user_id, ids, now, clear_second_tier)
    for cid in ids:
        loaded = session.identity_map.get(identity_key(Contact, cid))
        if loaded is not None:
            session.expire(loaded, ["interaction_count", "last_interaction_at", "is_second_tier"])


def _recompute_counters_sqlite(
    session: Session, user_id: int, ids: list[int], now: datetime, clear_second_tier: bool
) -> None:
    table = Contact.__table__
    interactions = Interaction.__table__
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        values: dict[str, Any] = {
            # Future meetings (upcoming calendar events) count once they have started.
            "interaction_count": select(func.count())
            .select_from(interactions)
            .where(interactions.c.contact_id == table.c.id, interactions.c.occurred_at <= now)
            .scalar_subquery(),
            "last_interaction_at": select(func.max(interactions.c.occurred_at))
            .where(interactions.c.contact_id == table.c.id, interactions.c.occurred_at <= now)
            .scalar_subquery(),
        }
        if clear_second_tier:
            values["is_second_tier"] = False
        session.execute(
            update(table)  # type: ignore[arg-type]
            .where(table.c.user_id == user_id, table.c.id.in_(chunk))
            .values(**values)
        )


# Driven by the array of ids (a primary-key probe each, whatever the statistics: a
# freshly loaded table has none, and ``user_id = ? AND id IN (…)`` then walks every
# contact of the user per statement); rows whose counters did not change are not
# rewritten (each rewrite of the wide contact row updates its ~14 indexes).
_COUNTERS_POSTGRESQL = text(
    """
    UPDATE contacts AS c
    SET interaction_count = a.n, last_interaction_at = a.last_at,
        is_second_tier = c.is_second_tier AND NOT :clear, updated_at = :now
    FROM (
        SELECT k.id,
            (SELECT count(*) FROM interactions AS i
             WHERE i.contact_id = k.id AND i.occurred_at <= :now) AS n,
            (SELECT max(i.occurred_at) FROM interactions AS i
             WHERE i.contact_id = k.id AND i.occurred_at <= :now) AS last_at
        FROM unnest(CAST(:ids AS integer[])) AS k(id)
    ) AS a
    WHERE c.id = a.id AND c.user_id = :user_id
      AND (c.interaction_count IS DISTINCT FROM a.n
           OR c.last_interaction_at IS DISTINCT FROM a.last_at
           OR (c.is_second_tier AND :clear))
    """
).bindparams(bindparam("now", type_=UTCDateTime()))


def _recompute_counters_postgresql(
    session: Session, user_id: int, ids: list[int], now: datetime, clear_second_tier: bool
) -> None:
    for start in range(0, len(ids), ID_CHUNK * 10):
        session.execute(
            _COUNTERS_POSTGRESQL,
            {
                "ids": ids[start : start + ID_CHUNK * 10],
                "now": now,
                "user_id": user_id,
                "clear": clear_second_tier,
            },
        )


def get_interaction(session: Session, user_id: int, interaction_id: int) -> Interaction | None:
    if not valid_id(interaction_id):
        return None
    return session.scalars(
        select(Interaction).where(Interaction.id == interaction_id, Interaction.user_id == user_id)
    ).one_or_none()


def timeline(
    session: Session,
    user_id: int,
    contact_id: int,
    *,
    offset: int,
    limit: int,
    until: datetime | None = None,
) -> tuple[list[Interaction], int]:
    """A contact's interactions (up to ``until``), newest first, and how many there are."""
    # ``user_id + 0``: still filtered by owner, but the planner must not pick the
    # (user_id, occurred_at) index, which would walk every interaction of the user.
    owned = [Interaction.contact_id == contact_id, (Interaction.user_id + 0) == user_id]
    if until is not None:
        owned.append(Interaction.occurred_at <= until)
    rows = list(
        session.scalars(
            select(Interaction)
            .where(*owned)
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .offset(offset)
            .limit(limit)
        )
    )
    if offset == 0 and len(rows) < limit:
        return rows, len(rows)
    total = session.execute(
        select(func.count()).select_from(Interaction).where(*owned)
    ).scalar_one()
    return rows, total


def delete_interaction(session: Session, interaction: Interaction) -> None:
    session.execute(delete(Interaction).where(Interaction.id == interaction.id))
    session.expunge(interaction)


def find_by_provider_id(
    session: Session, user_id: int, platform: str, provider_id: str
) -> Interaction | None:
    return session.scalars(
        select(Interaction).where(
            Interaction.user_id == user_id,
            Interaction.platform == platform,
            Interaction.provider_id == provider_id,
        )
    ).one_or_none()
