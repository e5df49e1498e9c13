"""SQL of the interactions domain: set-based inserts, counters, the timeline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from pingcrm.contacts.repository import valid_id
from pingcrm.models import Contact, Interaction

INSERT_CHUNK = 2000
ID_CHUNK = 500


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def insert_ignoring_duplicates(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert rows, skipping those whose (user_id, platform, provider_id) exists; returns
    the contact id of every row actually inserted.

    One cached statement run as an executemany (SQLAlchemy batches it into multi-row
    INSERTs with RETURNING): compiling a fresh VALUES list per chunk cost more than the
    inserts themselves."""
    if not rows:
        return []
    statement = (
        _insert(session)(Interaction.__table__)
        .on_conflict_do_nothing(index_elements=["user_id", "platform", "provider_id"])
        .returning(Interaction.__table__.c.contact_id)
    )
    inserted: list[int] = []
    for start in range(0, len(rows), INSERT_CHUNK):
        result = session.execute(statement, list(rows[start : start + INSERT_CHUNK]))
        inserted.extend(result.scalars())
    return inserted


def recompute_counters(
    session: Session,
    user_id: int,
    contact_ids: Sequence[int],
    now: datetime,
    *,
    clear_second_tier: bool,
) -> None:
    """Set ``interaction_count``/``last_interaction_at`` from the interactions table for
    these contacts, set-based (one UPDATE per 500 contacts). Only interactions that
    happened by ``now`` count: an upcoming meeting is not an interaction yet."""
    table = Contact.__table__
    interactions = Interaction.__table__
    ids = sorted(set(contact_ids))
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
    for cid in ids:
        loaded = session.identity_map.get(identity_key(Contact, cid))
        if loaded is not None:
            session.expire(loaded, ["interaction_count", "last_interaction_at", "is_second_tier"])


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
