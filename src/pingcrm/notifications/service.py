"""Notification use cases: create one, list, mark read."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pingcrm.errors import NotFound, ValidationFailed
from pingcrm.kit.clock import utcnow
from pingcrm.kit.pagination import Page, PageRequest
from pingcrm.models import Notification, NotificationKind
from pingcrm.notifications import repository

TITLE_MAX = 300
LINK_MAX = 500


def notify(
    session: Session,
    user_id: int,
    kind: NotificationKind | str,
    title: str,
    body: str = "",
    link: str | None = None,
) -> Notification:
    """Tell ``user_id`` something: a sync failed, an import ended, pairs await review, …

    ``link`` is a path inside the app (``/settings#gmail``) the notification points to.
    Repeats are grouped: while an unread notification of the same kind and title is
    there, it is brought to the top with the new body and its repeat count goes up
    instead of a new row (the badge does not climb with every scheduled run).
    The row is flushed, not committed: the caller's transaction owns it.
    """
    try:
        notification_kind = NotificationKind(kind)
    except ValueError as exc:
        raise ValidationFailed(
            f"Unknown notification kind {kind!r}.", details={"field": "kind"}
        ) from exc
    clean_title = title.strip() or "Notification"
    if len(clean_title) > TITLE_MAX:
        clean_title = clean_title[: TITLE_MAX - 1] + "…"
    if link is not None and (not link.startswith("/") or link.startswith("//")):
        # Only links inside the app: a notification never sends the user elsewhere.
        link = None
    if link is not None and len(link) > LINK_MAX:
        link = None
    previous = repository.unread_like(session, user_id, notification_kind, clean_title)
    if previous is not None:
        previous.body = body
        previous.link = link
        previous.repeat_count = (previous.repeat_count or 1) + 1
        previous.created_at = utcnow()
        session.flush()
        return previous
    return repository.add(
        session,
        Notification(
            user_id=user_id,
            kind=notification_kind,
            title=clean_title,
            body=body,
            link=link,
            is_read=False,
        ),
    )


def list_notifications(
    session: Session, user_id: int, request: PageRequest, *, unread_only: bool = False
) -> Page[Notification]:
    """A page of the user's notifications, newest first (unread only when asked)."""
    items, total = repository.list_for_user(
        session, user_id, unread_only=unread_only, limit=request.limit, offset=request.offset
    )
    return Page(items=items, total=total, request=request)


def get_notification(session: Session, user_id: int, notification_id: int) -> Notification:
    """The user's notification, or 404 (also for another user's id)."""
    notification = repository.get(session, user_id, notification_id)
    if notification is None:
        raise NotFound("This notification does not exist.")
    return notification


def mark_read(session: Session, user_id: int, notification_id: int) -> Notification:
    """Mark one notification read."""
    notification = get_notification(session, user_id, notification_id)
    notification.is_read = True
    session.flush()
    return notification


def mark_all_read(session: Session, user_id: int) -> int:
    """Mark all of the user's notifications read; return how many were unread."""
    return repository.mark_all_read(session, user_id)


def unread_count(session: Session, user_id: int) -> int:
    """The number shown on the nav badge."""
    return repository.unread_count(session, user_id)
