"""All SQL of the notifications domain."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pingcrm.models import Notification, NotificationKind


def add(session: Session, notification: Notification) -> Notification:
    """Insert ``notification`` and give it an id."""
    session.add(notification)
    session.flush()
    return notification


def unread_like(
    session: Session, user_id: int, kind: NotificationKind, title: str
) -> Notification | None:
    """The newest unread notification of ``kind`` with ``title`` (to group repeats)."""
    return session.execute(
        select(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.is_read.is_(False),
            Notification.kind == kind,
            Notification.title == title,
        )
        .order_by(Notification.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def list_for_user(
    session: Session, user_id: int, *, unread_only: bool, limit: int, offset: int
) -> tuple[list[Notification], int]:
    """One page of the user's notifications, newest first, and the total count."""
    conditions = [Notification.user_id == user_id]
    if unread_only:
        conditions.append(Notification.is_read.is_(False))
    total = session.execute(
        select(func.count()).select_from(Notification).where(*conditions)
    ).scalar_one()
    rows = (
        session.execute(
            select(Notification)
            .where(*conditions)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
            .offset(offset)
        )
        .scalars()
        .all()
    )
    return list(rows), int(total)


def get(session: Session, user_id: int, notification_id: int) -> Notification | None:
    """The user's notification ``notification_id``, if it is theirs."""
    return session.execute(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user_id
        )
    ).scalar_one_or_none()


def mark_all_read(session: Session, user_id: int) -> int:
    """Mark every unread notification of the user read; return how many changed."""
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.is_read.is_(False))
        .values(is_read=True)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def unread_count(session: Session, user_id: int) -> int:
    """How many unread notifications the user has."""
    return int(
        session.execute(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.is_read.is_(False))
        ).scalar_one()
    )
