"""SQL of platform accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pingcrm.models import OAuthState, PlatformAccount, Provider


def get(session: Session, user_id: int, account_id: int) -> PlatformAccount | None:
    return session.execute(
        select(PlatformAccount).where(
            PlatformAccount.id == account_id, PlatformAccount.user_id == user_id
        )
    ).scalar_one_or_none()


def find(
    session: Session, user_id: int, provider: Provider, external_id: str
) -> PlatformAccount | None:
    return session.execute(
        select(PlatformAccount).where(
            PlatformAccount.user_id == user_id,
            PlatformAccount.provider == provider,
            PlatformAccount.external_id == external_id,
        )
    ).scalar_one_or_none()


def list_for_user(
    session: Session, user_id: int, provider: Provider | None = None
) -> list[PlatformAccount]:
    where = [PlatformAccount.user_id == user_id]
    if provider is not None:
        where.append(PlatformAccount.provider == provider)
    return list(
        session.execute(select(PlatformAccount).where(*where).order_by(PlatformAccount.id))
        .scalars()
        .all()
    )


def pop_state(session: Session, digest: str, provider: str) -> OAuthState | None:
    """The pending OAuth state with ``digest`` (deleted: a state is single-use)."""
    row = session.execute(
        select(OAuthState).where(OAuthState.state_digest == digest, OAuthState.provider == provider)
    ).scalar_one_or_none()
    if row is not None:
        session.delete(row)
        session.flush()
    return row


def delete_expired_states(session: Session, now: datetime) -> None:
    """Forget pending OAuth states older than their expiry (any user's: they are dead)."""
    session.execute(delete(OAuthState).where(OAuthState.expires_at <= now))
