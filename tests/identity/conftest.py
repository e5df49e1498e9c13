"""Helpers of the identity tests: a pair of one person, and the full state of a user's
data to compare before and after a merge and its undo."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from pingcrm.models import (
    Contact,
    ContactIdentifier,
    ContactScore,
    DetectedEvent,
    IdentityMatch,
    Interaction,
    Note,
    Suggestion,
    contact_tags,
)


def state(session: Session, user_id: int) -> dict[str, Any]:
    """Every row a merge may touch, as plain tuples (ids and owners included)."""
    session.expire_all()
    out: dict[str, Any] = {}
    for name, model in (
        ("contacts", Contact),
        ("identifiers", ContactIdentifier),
        ("interactions", Interaction),
        ("notes", Note),
        ("suggestions", Suggestion),
        ("detected_events", DetectedEvent),
    ):
        table: Table = model.__table__  # type: ignore[assignment]
        rows = session.execute(
            select(table).where(table.c.user_id == user_id).order_by(table.c.id)
        ).all()
        out[name] = [tuple(row) for row in rows]
    out["scores"] = [
        tuple(row)
        for row in session.execute(
            select(ContactScore.contact_id, ContactScore.score, ContactScore.parts)
            .where(ContactScore.user_id == user_id)
            .order_by(ContactScore.contact_id)
        )
    ]
    out["contact_tags"] = sorted(
        tuple(r) for r in session.execute(select(contact_tags.c.contact_id, contact_tags.c.tag_id))
    )
    out["matches"] = sorted(
        (m.contact_a_id, m.contact_b_id, m.status.value)
        for m in session.scalars(select(IdentityMatch).where(IdentityMatch.user_id == user_id))
    )
    return out
