"""Bulk SQL of the demo dataset: Core inserts in batches, set-based counters."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from pingcrm.contacts.repository import rebuild_search_words_since
from pingcrm.models import (
    Contact,
    Interaction,
    Notification,
    Organization,
    Tag,
    TagCategory,
)

BATCH = 5000


def _table(model: Any) -> Table:
    table: Table = model if isinstance(model, Table) else model.__table__
    return table


def count_contacts(session: Session, user_id: int) -> int:
    """How many contacts the user has."""
    return session.execute(
        select(func.count()).select_from(Contact).where(Contact.user_id == user_id)
    ).scalar_one()


def delete_people_data(session: Session, user_id: int) -> None:
    """Delete the user's contacts (their interactions, identifiers, notes, suggestions
    and tag links cascade), tags, tag categories and organizations."""
    for model in (Contact, Tag, TagCategory, Organization):
        session.execute(delete(model).where(model.user_id == user_id))


def insert_returning_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` in batches of :data:`BATCH`; their new ids, in the order given."""
    table = _table(model)
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        result = session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True),
            rows[start : start + BATCH],
        )
        ids.extend(row[0] for row in result)
    return ids


def insert_rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with identical keys) in batches of :data:`BATCH`."""
    table = _table(model)
    for start in range(0, len(rows), BATCH):
        session.execute(insert(table), rows[start : start + BATCH])


def refresh_contact_counters(session: Session, user_id: int) -> None:
    """Recompute every contact's ``interaction_count`` and ``last_interaction_at`` from
    the interactions table in one statement (index ``(contact_id, occurred_at)``)."""
    count = (
        select(func.count())
        .where(Interaction.contact_id == Contact.id)
        .correlate(Contact)
        .scalar_subquery()
    )
    last = (
        select(func.max(Interaction.occurred_at))
        .where(Interaction.contact_id == Contact.id)
        .correlate(Contact)
        .scalar_subquery()
    )
    session.execute(
        update(Contact)
        .where(Contact.user_id == user_id)
        .values(
            interaction_count=count,
            last_interaction_at=last,
            # Derived counters: not an edit, so updated_at keeps its value.
            updated_at=Contact.updated_at,
        )
        .execution_options(synchronize_session=False)
    )


def add_notifications(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert notification rows."""
    insert_rows(session, Notification, rows)


@contextmanager
def deferred_preview_search(session: Session) -> Iterator[None]:
    """Build the search documents of the contacts given interactions in the block in one
    set-based pass at the end (the bulk insert of the block does not add them)."""
    before = session.execute(select(func.coalesce(func.max(Interaction.id), 0))).scalar_one()
    yield
    session.flush()
    rebuild_search_words_since(session, before)


INTERACTION_COLUMNS = (
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
    "is_read",
    "created_at",
    "updated_at",
)
_EPOCH = datetime(1970, 1, 1)


def timestamp_param(session: Session) -> Callable[[int], Any]:
    """Epoch seconds (UTC) to what the driver stores for a ``UTCDateTime`` column: the
    text SQLAlchemy writes on SQLite, a naive UTC datetime elsewhere."""
    if session.get_bind().dialect.name == "sqlite":
        return lambda ts: time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime(ts))
    return lambda ts: _EPOCH + timedelta(seconds=ts)


def insert_interaction_rows(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Insert interaction rows given as tuples of driver values in
    :data:`INTERACTION_COLUMNS` order (see :func:`timestamp_param`).

    This is the million-row path of the benchmark dataset, so it skips SQLAlchemy's
    per-value processing and hands the batches to the driver's ``executemany``.
    """
    connection = session.connection()
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    # Only constant column names and driver placeholders: no value is formatted in.
    sql = (
        f"INSERT INTO interactions ({', '.join(INTERACTION_COLUMNS)}) "  # noqa: S608
        f"VALUES ({', '.join([marker] * len(INTERACTION_COLUMNS))})"
    )
    for start in range(0, len(rows), BATCH):
        connection.exec_driver_sql(sql, rows[start : start + BATCH])
