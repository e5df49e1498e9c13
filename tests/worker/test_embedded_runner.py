"""The embedded runner runs registered jobs on schedule under an injected clock, fans
out per user and per account, and never overlaps runs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import JobRun, PlatformAccount, Provider, RunStatus, SchedulerHeartbeat
from pingcrm.platform_accounts import service as accounts
from pingcrm.worker.context import JobCall, JobContext
from pingcrm.worker.embedded import EmbeddedRunner
from pingcrm.worker.registry import Cron, Every, Fanout, job
from tests.fixtures.builders import create_user
from tests.fixtures.jobs import JobsForTest

START = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


def _runs(session: Session, name: str) -> list[JobRun]:
    session.expire_all()
    return list(
        session.execute(select(JobRun).where(JobRun.job_name == name).order_by(JobRun.id))
        .scalars()
        .all()
    )


def test_jobs_run_on_their_schedule_under_the_injected_clock(
    registry: JobsForTest,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    seen: list[str] = []

    @registry.add
    @job("test.every_hour", schedule=Every(timedelta(hours=1)))
    def every_hour(ctx: JobContext) -> None:
        seen.append("hourly")

    @registry.add
    @job("test.daily_six", schedule=Cron(hour=6, minute=0))
    def daily(ctx: JobContext) -> None:
        seen.append("daily")

    clock = FrozenClock(START)
    runner = EmbeddedRunner(settings, engine, session_factory, workers=2)
    try:
        with use_clock(clock):
            runner.tick()  # 05:00: the hourly job has never run, so it runs now
            runner.wait_idle()
            assert seen == ["hourly"]
            assert runner.next_run("test.daily_six") == START.replace(hour=6)

            clock.advance(timedelta(minutes=30))  # 05:30: nothing due
            assert runner.tick() == []

            clock.advance(timedelta(minutes=31))  # 06:01: both due
            started = {c.name for c in runner.tick()}
            runner.wait_idle()
            assert started == {"test.every_hour", "test.daily_six"}

            clock.advance(timedelta(hours=5))  # 11:01: 5 hourly ticks missed → one run
            assert [c.name for c in runner.tick()] == ["test.every_hour"]
            runner.wait_idle()
    finally:
        runner.shutdown()

    assert len(_runs(session, "test.every_hour")) == 3
    daily_runs = _runs(session, "test.daily_six")
    assert [r.status for r in daily_runs] == [RunStatus.SUCCESS]
    assert daily_runs[0].started_at == START + timedelta(minutes=61)
    beat = session.get(SchedulerHeartbeat, "embedded")
    assert beat is not None
    assert beat.ticked_at == START + timedelta(hours=6, minutes=1)


def test_schedule_resumes_from_the_last_run_after_a_restart(
    registry: JobsForTest,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
) -> None:
    @registry.add
    @job("test.six_hourly", schedule=Every(timedelta(hours=6)))
    def six_hourly(ctx: JobContext) -> None:
        return None

    clock = FrozenClock(START)
    with use_clock(clock):
        first = EmbeddedRunner(settings, engine, session_factory)
        assert len(first.tick()) == 1
        first.wait_idle()
        first.shutdown()
        clock.advance(timedelta(hours=2))
        restarted = EmbeddedRunner(settings, engine, session_factory)
        assert restarted.tick() == []  # ran 2 hours ago: not due until 11:00
        assert restarted.next_run("test.six_hourly") == START + timedelta(hours=6)
        restarted.shutdown()


def test_fan_out_per_user_and_per_connected_account(
    registry: JobsForTest,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    ada = create_user(session, "ada@example.com")
    bob = create_user(session, "bob@example.com")
    connected = accounts.connect(
        session,
        settings,
        user_id=ada.id,
        provider=Provider.GMAIL,
        external_id="ada@gmail.com",
        credentials={"refresh_token": "r1"},
    )
    paused = accounts.connect(
        session,
        settings,
        user_id=bob.id,
        provider=Provider.GMAIL,
        external_id="bob@gmail.com",
        credentials={"refresh_token": "r2"},
    )
    paused.sync_settings = {"auto_sync": False}
    session.add(
        PlatformAccount(
            user_id=bob.id, provider=Provider.GMAIL, external_id="gone@gmail.com", sync_settings={}
        )
    )
    session.commit()
    users: list[int | None] = []
    account_ids: list[int | None] = []

    @registry.add
    @job("test.per_user", schedule=Every(timedelta(days=1)), fanout=Fanout.USER)
    def per_user(ctx: JobContext) -> None:
        users.append(ctx.user_id)

    @registry.add
    @job(
        "test.per_account",
        schedule=Every(timedelta(hours=6)),
        fanout=Fanout.ACCOUNT,
        provider=Provider.GMAIL,
    )
    def per_account(ctx: JobContext) -> None:
        account_ids.append(ctx.account_id)

    runner = EmbeddedRunner(settings, engine, session_factory)
    with use_clock(FrozenClock(START)):
        runner.tick()
        runner.wait_idle()
    runner.shutdown()
    assert sorted(u for u in users if u) == sorted([ada.id, bob.id])
    assert account_ids == [connected.id]
    scopes = {r.scope_key for r in _runs(session, "test.per_user")}
    assert scopes == {f"user:{ada.id}", f"user:{bob.id}"}


def test_a_job_still_running_is_not_started_again(
    registry: JobsForTest,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    release = threading.Event()
    entered = threading.Event()

    @registry.add
    @job("test.slow", schedule=Every(timedelta(minutes=10)))
    def slow(ctx: JobContext) -> None:
        entered.set()
        assert release.wait(30)

    clock = FrozenClock(START)
    runner = EmbeddedRunner(settings, engine, session_factory)
    try:
        with use_clock(clock):
            assert len(runner.tick()) == 1
            assert entered.wait(30)
            clock.advance(timedelta(minutes=11))
            assert runner.tick() == []  # the first run is still going
            release.set()
            runner.wait_idle()
    finally:
        runner.shutdown()
    assert [r.status for r in _runs(session, "test.slow")] == [RunStatus.SUCCESS]


def test_a_failing_job_is_recorded_with_its_error(
    registry: JobsForTest,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    @registry.add
    @job("test.broken")
    def broken(ctx: JobContext) -> None:
        raise RuntimeError("provider exploded")

    runner = EmbeddedRunner(settings, engine, session_factory)
    runner.submit(JobCall("test.broken"))
    runner.wait_idle()
    runner.shutdown()
    [run] = _runs(session, "test.broken")
    assert run.status is RunStatus.FAILED
    assert run.error == "RuntimeError: provider exploded"
    assert run.finished_at is not None
