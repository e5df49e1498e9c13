"""SQL of accounts: users by email, the first-account check, deletion, signed-in
browsers (``user_sessions``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from pingcrm.models import User, UserSession


def count_users(session: Session) -> int:
    return session.execute(select(func.count()).select_from(User)).scalar_one()


def user_by_email(session: Session, normalized: str) -> User | None:
    return session.execute(select(User).where(User.email == normalized)).scalar_one_or_none()


def email_taken(session: Session, normalized: str, except_user_id: int | None = None) -> bool:
    """True when another account (not ``except_user_id``) signs in with this email."""
    query = select(User.id).where(User.email == normalized)
    if except_user_id is not None:
        query = query.where(User.id != except_user_id)
    return session.execute(query).first() is not None


def delete_user(session: Session, user_id: int) -> None:
    session.execute(delete(User).where(User.id == user_id))


def add_session(session: Session, session_id: str, user_id: int, created_at: datetime) -> None:
    session.add(UserSession(id=session_id, user_id=user_id, created_at=created_at))
    session.flush()


def delete_sessions_before(session: Session, user_id: int, before: datetime) -> None:
    """Drop the user's signed-in browsers created before ``before`` (expired cookies)."""
    session.execute(
        delete(UserSession).where(UserSession.user_id == user_id, UserSession.created_at < before)
    )


def session_user(session: Session, user_id: int, session_id: str) -> User | None:
    """The user of a live browser session (one primary-key join)."""
    return session.execute(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.id == session_id, User.id == user_id)
    ).scalar_one_or_none()


def delete_session(session: Session, session_id: str) -> None:
    session.execute(delete(UserSession).where(UserSession.id == session_id))


def delete_sessions_except(session: Session, user_id: int, keep: str | None) -> int:
    """Sign out every browser of the user but ``keep`` (all of them when None); return how
    many were signed out."""
    statement = delete(UserSession).where(UserSession.user_id == user_id)
    if keep:
        statement = statement.where(UserSession.id != keep)
    result = session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


def list_sessions(session: Session, user_id: int, since: datetime) -> list[UserSession]:
    """The user's signed-in browsers created at or after ``since``, newest first."""
    return list(
        session.execute(
            select(UserSession)
            .where(UserSession.user_id == user_id, UserSession.created_at >= since)
            .order_by(UserSession.created_at.desc(), UserSession.id)
        ).scalars()
    )
