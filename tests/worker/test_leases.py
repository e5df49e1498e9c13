"""Leases: one holder at a time across connections; a dead holder's lease expires; a
second attempt is recorded as skipped."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.db import bulk_connections, checkpoint_wal, make_engine
from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import JobLease, JobRun, RunStatus
from pingcrm.worker import leases
from pingcrm.worker.context import JobCall, JobContext
from pingcrm.worker.execute import Outcome, execute
from pingcrm.worker.registry import job
from tests.fixtures.jobs import JobsForTest

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _race(barrier: threading.Barrier, wins: list[str], engine: Engine, key: str, name: str) -> None:
    barrier.wait()
    if leases.acquire(engine, key, name, 60):
        wins.append(name)


def test_two_workers_racing_for_one_lease_only_one_wins(database_url: str) -> None:
    engines = [make_engine(database_url) for _ in range(4)]
    try:
        for round_number in range(15):
            barrier = threading.Barrier(len(engines))
            wins: list[str] = []

            threads = [
                threading.Thread(
                    target=_race, args=(barrier, wins, e, f"race:{round_number}", f"worker-{i}")
                )
                for i, e in enumerate(engines)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert len(wins) == 1, wins
    finally:
        for e in engines:
            with e.begin() as conn:
                conn.execute(JobLease.__table__.delete())
            e.dispose()


def test_an_expired_lease_is_taken_over_and_renew_release_are_holder_only(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    clock = FrozenClock(NOW)
    with use_clock(clock):
        assert leases.acquire(engine, "k", "dead-worker", 60)
        assert not leases.acquire(engine, "k", "other", 60)
        clock.advance(timedelta(seconds=61))  # the holder died and never renewed
        assert leases.acquire(engine, "k", "other", 60)
        assert not leases.renew(engine, "k", "dead-worker", 60)
        leases.release(engine, "k", "dead-worker")  # not theirs any more: no effect
        assert leases.holder_of(engine, "k") == "other"
        assert leases.renew(engine, "k", "other", 600)
        clock.advance(timedelta(seconds=300))
        assert not leases.acquire(engine, "k", "third", 60)  # renewal pushed the expiry
        leases.release(engine, "k", "other")
        assert leases.holder_of(engine, "k") is None


def test_a_second_attempt_while_running_is_recorded_as_skipped(
    registry: JobsForTest,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    inner: list[Outcome] = []

    @registry.add
    @job("test.account_sync")
    def account_sync(ctx: JobContext) -> None:
        # While this run holds account 7's lease, another attempt arrives.
        result = execute(
            JobCall("test.account_sync", account_id=7, trigger="scheduled"),
            settings=settings,
            engine=engine,
            session_factory=session_factory,
        )
        inner.append(result.outcome)

    outer = execute(
        JobCall("test.account_sync", account_id=7),
        settings=settings,
        engine=engine,
        session_factory=session_factory,
    )
    assert outer.outcome is Outcome.SUCCESS
    assert inner == [Outcome.SKIPPED]
    runs = session.execute(select(JobRun).order_by(JobRun.id)).scalars().all()
    assert [(r.status, r.trigger, r.scope_key) for r in runs] == [
        (RunStatus.SUCCESS, "manual", "account:7"),
        (RunStatus.SKIPPED, "scheduled", "account:7"),
    ]
    assert "Already running" in (runs[1].error or "")
    # The lease was released at the end: a later run goes ahead.
    assert session.execute(select(JobLease)).first() is None


def _rows_in_database_file(engine: Engine) -> int:
    """The rows of ``bulk_rows`` in the database file itself, not counting the WAL."""
    path = Path(str(engine.url.database))
    with closing(sqlite3.connect(f"file:{path}?immutable=1", uri=True)) as file:
        return int(file.execute("SELECT count(*) FROM bulk_rows").fetchone()[0])


ROWS = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
FILL = ROWS + "INSERT INTO bulk_rows (body) SELECT printf('%0500d', i) FROM n"


@pytest.fixture
def bulk_table(engine: Engine) -> Iterator[None]:
    """An empty table of our own, in the SQLite test database's file; dropped after."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's WAL")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE bulk_rows (id INTEGER PRIMARY KEY, body TEXT)")
    checkpoint_wal(engine)
    yield
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE bulk_rows")
    checkpoint_wal(engine)


def test_a_job_checkpoints_its_writes_when_it_ends_not_at_each_commit(
    registry: JobsForTest,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    bulk_table: None,
) -> None:
    in_file: list[int] = []

    @registry.add
    @job("test.bulk_write")
    def bulk_write(ctx: JobContext) -> None:
        ctx.session.execute(text(FILL))
        ctx.commit()
        # 10 MB committed, far past a request's 1,000 pages: still in the WAL only.
        in_file.append(_rows_in_database_file(engine))

    result = execute(
        JobCall("test.bulk_write"),
        settings=settings,
        engine=engine,
        session_factory=session_factory,
    )

    assert result.outcome is Outcome.SUCCESS
    assert in_file == [0]
    assert _rows_in_database_file(engine) == 20_000


def test_each_heartbeat_renews_the_lease_and_checkpoints_the_wal(
    engine: Engine, bulk_table: None
) -> None:
    assert leases.acquire(engine, "sync:1", "worker-a", 60)
    keeper = leases.LeaseKeeper(engine, "sync:1", "worker-a", 60)
    with bulk_connections(), engine.begin() as connection:
        connection.exec_driver_sql(FILL)
    assert _rows_in_database_file(engine) == 0

    assert keeper.beat()

    assert _rows_in_database_file(engine) == 20_000
    leases.release(engine, "sync:1", "worker-a")
    assert not keeper.beat()
