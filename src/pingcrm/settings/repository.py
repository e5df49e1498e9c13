"""All SQL of per-user settings."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pingcrm.models import PlatformAccount, Provider, UserSettings


def get_or_create(session: Session, user_id: int) -> UserSettings:
    """The user's settings row, created with defaults when missing."""
    row = session.get(UserSettings, user_id)
    if row is None:
        row = UserSettings(user_id=user_id)
        session.add(row)
        session.flush()
    return row


def platform_accounts(session: Session, user_id: int) -> dict[Provider, list[PlatformAccount]]:
    """The user's platform accounts grouped by provider, oldest first."""
    rows = (
        session.execute(
            select(PlatformAccount)
            .where(PlatformAccount.user_id == user_id)
            .order_by(PlatformAccount.created_at, PlatformAccount.id)
        )
        .scalars()
        .all()
    )
    grouped: dict[Provider, list[PlatformAccount]] = {}
    for row in rows:
        grouped.setdefault(row.provider, []).append(row)
    return grouped
