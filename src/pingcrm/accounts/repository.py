"""SQL of accounts: users by email, the first-account check, deletion."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from pingcrm.models import User


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
