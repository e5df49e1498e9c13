"""SQL of the Google integration's own rows (pending OAuth states)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pingcrm.models import OAuthState


def pop_state(session: Session, digest: str, provider: str) -> OAuthState | None:
    """The pending state with ``digest`` (deleted: a state is single-use)."""
    row = session.execute(
        select(OAuthState).where(OAuthState.state_digest == digest, OAuthState.provider == provider)
    ).scalar_one_or_none()
    if row is not None:
        session.delete(row)
        session.flush()
    return row


def delete_expired_states(session: Session, now: datetime) -> None:
    session.execute(delete(OAuthState).where(OAuthState.expires_at <= now))
