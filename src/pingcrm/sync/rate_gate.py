"""A rate gate per platform account: after a 429 / flood wait, every job of that account
waits until the gate opens instead of hammering the provider.

The gate is ``platform_accounts.rate_limited_until``; it is written in its own short
transaction so that other jobs of the account see it at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from pingcrm.kit.clock import utcnow
from pingcrm.sync import repository


def close_until(factory: sessionmaker[Session], account_id: int, until: datetime) -> None:
    """Keep every job of the account away from the provider until ``until``."""
    with factory() as session:
        repository.set_rate_limited_until(session, account_id, until)
        session.commit()


def close_for(factory: sessionmaker[Session], account_id: int, seconds: float) -> datetime:
    """Close the gate for ``seconds`` from now; when it reopens."""
    until = utcnow() + timedelta(seconds=seconds)
    close_until(factory, account_id, until)
    return until


def wait_seconds(factory: sessionmaker[Session], account_id: int) -> float:
    """How long the account's jobs must still wait (0 when the gate is open)."""
    with factory() as session:
        until = repository.rate_limited_until(session, account_id)
    if until is None:
        return 0.0
    return max(0.0, (until - utcnow()).total_seconds())


def wait_open(
    factory: sessionmaker[Session],
    account_id: int,
    *,
    sleep: Callable[[float], None] = time.sleep,
    max_wait: float = 3600.0,
) -> float:
    """Sleep until the gate is open (at most ``max_wait``); the seconds waited."""
    delay = min(wait_seconds(factory, account_id), max_wait)
    if delay > 0:
        sleep(delay)
    return delay
