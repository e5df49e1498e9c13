"""SQL of meeting prep: the once-per-event claim on ``meeting_briefs``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from pingcrm.models import Contact, DetectedEvent, MeetingBrief

SENDING, SENT, FAILED, SKIPPED = "sending", "sent", "failed", "skipped"


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def claim_new(
    session: Session, user_id: int, event_id: str, event_start: datetime, now: datetime
) -> int | None:
    """Insert the brief row as ``sending``; its id, or None when a row already exists
    (another scan, now or earlier, owns this event). The unique key decides, so two
    concurrent scans never both win."""
    table = MeetingBrief.__table__
    statement = (
        _insert(session)(table)
        .values(
            user_id=user_id,
            event_id=event_id[:255],
            event_start=event_start,
            status=SENDING,
            attempts=1,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["user_id", "event_id", "event_start"])
        .returning(table.c.id)
    )
    return session.execute(statement).scalar_one_or_none()


def claim_retry(session: Session, brief_id: int, now: datetime) -> bool:
    """Take a failed brief for another attempt; False when another scan took it."""
    result = session.execute(
        update(MeetingBrief)
        .where(MeetingBrief.id == brief_id, MeetingBrief.status == FAILED)
        .values(status=SENDING, attempts=MeetingBrief.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def failed_to_retry(
    session: Session, user_id: int, now: datetime, max_attempts: int
) -> list[MeetingBrief]:
    """The user's failed briefs whose meeting has not started, attempts left."""
    return list(
        session.scalars(
            select(MeetingBrief)
            .where(
                MeetingBrief.user_id == user_id,
                MeetingBrief.status == FAILED,
                MeetingBrief.event_start > now,
                MeetingBrief.attempts < max_attempts,
            )
            .order_by(MeetingBrief.event_start)
        )
    )


def finish(
    session: Session, brief_id: int, status: str, now: datetime, error: str | None = None
) -> None:
    session.execute(
        update(MeetingBrief)
        .where(MeetingBrief.id == brief_id)
        .values(
            status=status,
            error=error[:2000] if error else None,
            sent_at=now if status == SENT else None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )


def briefs_for_events(
    session: Session, user_id: int, keys: list[tuple[str, datetime]]
) -> dict[tuple[str, datetime], MeetingBrief]:
    """Existing brief rows of these (event id, start) pairs."""
    if not keys:
        return {}
    ids = sorted({k[0] for k in keys})
    rows = session.scalars(
        select(MeetingBrief).where(MeetingBrief.user_id == user_id, MeetingBrief.event_id.in_(ids))
    )
    wanted = set(keys)
    return {(r.event_id, r.event_start): r for r in rows if (r.event_id, r.event_start) in wanted}


def contacts_by_id(session: Session, user_id: int, contact_ids: list[int]) -> dict[int, Contact]:
    """The user's contacts among ``contact_ids`` (others' ids are simply absent), with
    their scores."""
    rows = session.scalars(
        select(Contact)
        .where(Contact.user_id == user_id, Contact.id.in_(contact_ids))
        .options(selectinload(Contact.score_row))
    )
    return {c.id: c for c in rows}


def detected_events_by_contact(
    session: Session, contact_ids: list[int]
) -> dict[int, list[DetectedEvent]]:
    """The detected events (news) of these contacts, newest first per contact."""
    news: dict[int, list[DetectedEvent]] = {}
    for event in session.scalars(
        select(DetectedEvent)
        .where(DetectedEvent.contact_id.in_(contact_ids))
        .order_by(DetectedEvent.occurred_at.desc())
    ):
        news.setdefault(event.contact_id, []).append(event)
    return news
