"""Leases: one holder at a time across connections; a dead holder's lease expires; a
second attempt is recorded as skipped."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.db import make_engine
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
