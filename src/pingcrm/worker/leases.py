"""Leases: a job for one key (account, user, import) runs in one place at a time.

A lease is a row in ``job_leases``. Taking it is one atomic statement, an
insert-or-take-over-if-expired (``INSERT … ON CONFLICT (key) DO UPDATE … WHERE
expires_at <= now``) on SQLite and PostgreSQL alike, in its own short transaction, so
two workers on two machines racing for the same key cannot both win. The holder renews it
while running and deletes it at the end; a lease whose holder died simply expires.

The renewal is a heartbeat: :class:`LeaseKeeper` renews every ``HEARTBEAT_SECONDS / 3``
and a held lease lives at most ``HEARTBEAT_SECONDS`` past its last beat, so a job killed
mid-run (SIGKILL, a laptop put to sleep) frees its key within a minute, and what it left
"running" is found out by then (``sync.reap_interrupted``, ``imports.resume``).
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import timedelta

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from pingcrm.db import checkpoint_wal
from pingcrm.kit.clock import utcnow
from pingcrm.models import JobLease

log = logging.getLogger("pingcrm.worker")

HEARTBEAT_SECONDS = 60


def new_holder(prefix: str = "") -> str:
    """A holder name unique to this attempt (host/pid help humans reading the table)."""
    import os
    import socket

    return f"{prefix}{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"[:200]


def acquire(engine: Engine, key: str, holder: str, ttl_seconds: int) -> bool:
    """Take the lease ``key`` for ``holder``; False when someone else holds it unexpired."""
    now = utcnow()
    values = {
        "key": key,
        "holder": holder,
        "acquired_at": now,
        "expires_at": now + timedelta(seconds=ttl_seconds),
    }
    insert_fn = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    stmt = insert_fn(JobLease).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[JobLease.key],
        set_={
            "holder": stmt.excluded.holder,
            "acquired_at": stmt.excluded.acquired_at,
            "expires_at": stmt.excluded.expires_at,
        },
        where=JobLease.expires_at <= now,
    )
    with engine.begin() as conn:
        conn.execute(stmt)
        current = conn.execute(select(JobLease.holder).where(JobLease.key == key)).scalar()
    return current == holder


def renew(engine: Engine, key: str, holder: str, ttl_seconds: int) -> bool:
    """Push the expiry of our lease forward; False when it is no longer ours."""
    with engine.begin() as conn:
        result = conn.execute(
            update(JobLease)
            .where(JobLease.key == key, JobLease.holder == holder)
            .values(expires_at=utcnow() + timedelta(seconds=ttl_seconds))
        )
    return bool(result.rowcount)


def release(engine: Engine, key: str, holder: str) -> None:
    """Give the lease back (only if it is still ours)."""
    with engine.begin() as conn:
        conn.execute(delete(JobLease).where(JobLease.key == key, JobLease.holder == holder))


def holder_of(engine: Engine, key: str) -> str | None:
    """Who holds ``key`` unexpired, if anyone."""
    with engine.connect() as conn:
        return conn.execute(
            select(JobLease.holder).where(JobLease.key == key, JobLease.expires_at > utcnow())
        ).scalar()


class LeaseKeeper:
    """Renews a held lease in a daemon thread every ``ttl/3`` seconds until stopped; each
    beat also checkpoints SQLite's WAL, which the job's own connections leave to it
    (``db.bulk_connections``), beside the job's writes rather than in its commits."""

    def __init__(self, engine: Engine, key: str, holder: str, ttl_seconds: int) -> None:
        self.engine = engine
        self.key = key
        self.holder = holder
        self.ttl = ttl_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"lease:{key}", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def beat(self) -> bool:
        """Renew the lease and checkpoint the WAL; False when the lease is no longer ours."""
        if not renew(self.engine, self.key, self.holder, self.ttl):
            return False
        checkpoint_wal(self.engine)
        return True

    def _loop(self) -> None:
        while not self._stop.wait(max(1.0, self.ttl / 3)):
            try:
                if not self.beat():
                    log.warning("worker.lease.lost key=%s", self.key)
                    return
            except Exception:  # keep trying: a transient DB error must not kill the job
                log.exception("worker.lease.renew_failed key=%s", self.key)
