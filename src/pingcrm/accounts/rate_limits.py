"""SQL of the fixed-window rate limits (``rate_limits`` table), shared by every web
process.

Counters are written in their own short transaction, so an attempt is counted even when
the request that made it fails and rolls back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pingcrm.kit.clock import utcnow
from pingcrm.models import RateLimit


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _read(conn: Connection, key: str) -> tuple[datetime, int] | None:
    row = conn.execute(
        select(RateLimit.window_started_at, RateLimit.count).where(RateLimit.key == key)
    ).first()
    return None if row is None else (row[0], int(row[1]))


def hit(session: Session, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt for ``key``; False once the window's ``limit`` is exceeded."""
    now = utcnow()
    with _engine(session).begin() as conn:
        current = _read(conn, key)
        if current is None:
            try:
                with conn.begin_nested():
                    conn.execute(insert(RateLimit).values(key=key, window_started_at=now, count=1))
                return limit >= 1
            except IntegrityError:
                current = _read(conn, key)
                assert current is not None
        started, count = current
        if started + timedelta(seconds=window_seconds) <= now:
            conn.execute(
                update(RateLimit).where(RateLimit.key == key).values(window_started_at=now, count=1)
            )
            return limit >= 1
        conn.execute(
            update(RateLimit).where(RateLimit.key == key).values(count=RateLimit.count + 1)
        )
        return count + 1 <= limit


def is_blocked(session: Session, key: str, *, limit: int, window_seconds: int) -> bool:
    """True when ``key`` has used up its attempts in the current window."""
    with _engine(session).connect() as conn:
        current = _read(conn, key)
    if current is None:
        return False
    started, count = current
    if started + timedelta(seconds=window_seconds) <= utcnow():
        return False
    return count >= limit


def reset(session: Session, key: str) -> None:
    """Forget the attempts of ``key`` (after a successful login, say)."""
    with _engine(session).begin() as conn:
        conn.execute(delete(RateLimit).where(RateLimit.key == key))
