"""A sync whose process was killed stops showing "Syncing…" within a minute, and "Sync
now" then starts it, or says plainly that it is still running."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.errors import Conflict
from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import PlatformAccount, Provider, RunStatus, SyncKind, SyncRun, SyncTrigger
from pingcrm.platform_accounts import service as accounts
from pingcrm.sync.now import sync_now
from pingcrm.sync.runs import INTERRUPTED, start_run
from pingcrm.worker import leases
from pingcrm.worker.context import JobCall
from pingcrm.worker.execute import execute
from pingcrm.worker.runner import InlineRunner
from tests.fixtures.builders import create_user

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
JOB = "google.email_sync"


@pytest.fixture
def account(session: Session, settings: Settings) -> PlatformAccount:
    user = create_user(session)
    account = accounts.connect(
        session,
        settings,
        user_id=user.id,
        provider=Provider.GMAIL,
        external_id="ada@example.com",
        credentials={"token": "t"},
    )
    session.commit()
    return account


def _running_run(session: Session, account: PlatformAccount) -> SyncRun:
    """What a sync leaves behind when its process is SIGKILLed: a run still "running"."""
    lease = JobCall(JOB, user_id=account.user_id, account_id=account.id).lease_key
    run = start_run(
        session,
        user_id=account.user_id,
        provider=Provider.GMAIL,
        kind=SyncKind.EMAIL,
        trigger=SyncTrigger.MANUAL,
        platform_account_id=account.id,
        details={"lease": lease},
    )
    session.commit()
    return run


def _status(session: Session, run_id: int) -> tuple[RunStatus, str | None]:
    session.expire_all()
    run = session.execute(select(SyncRun).where(SyncRun.id == run_id)).scalar_one()
    return run.status, run.error_text


def test_a_killed_sync_is_closed_within_a_minute_and_a_live_one_is_not(
    session: Session,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    account: PlatformAccount,
) -> None:
    clock = FrozenClock(NOW)
    with use_clock(clock):
        dead = _running_run(session, account)
        other = accounts.connect(
            session,
            settings,
            user_id=account.user_id,
            provider=Provider.GMAIL,
            external_id="ada.work@example.com",
            credentials={"token": "t"},
        )
        session.commit()
        alive = _running_run(session, other)
        # The live sync's job beats; the killed one's lease expired with its process.
        alive_lease = JobCall(JOB, user_id=other.user_id, account_id=other.id).lease_key
        assert leases.acquire(engine, alive_lease, "worker-1", leases.HEARTBEAT_SECONDS)
        reap = JobCall("sync.reap_interrupted")

        clock.advance(timedelta(seconds=30))  # younger than a heartbeat: left alone
        execute(reap, settings=settings, engine=engine, session_factory=session_factory)
        assert _status(session, dead.id)[0] is RunStatus.RUNNING

        clock.advance(timedelta(seconds=31))
        leases.renew(engine, alive_lease, "worker-1", leases.HEARTBEAT_SECONDS)
        execute(reap, settings=settings, engine=engine, session_factory=session_factory)

    assert _status(session, dead.id) == (RunStatus.FAILED, INTERRUPTED)
    assert _status(session, alive.id) == (RunStatus.RUNNING, None)


def test_sync_now_says_plainly_when_the_sync_is_running_and_starts_after_a_kill(
    session: Session,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    account: PlatformAccount,
) -> None:
    runner = InlineRunner(settings, engine, session_factory)
    jobs = {(Provider.GMAIL, SyncKind.EMAIL): JOB}

    def job_for(provider: Provider, kind: SyncKind) -> str | None:
        return jobs.get((provider, kind))

    clock = FrozenClock(NOW)
    with use_clock(clock):
        dead = _running_run(session, account)
        lease = JobCall(JOB, user_id=account.user_id, account_id=account.id).lease_key
        assert leases.acquire(engine, lease, "killed-worker", leases.HEARTBEAT_SECONDS)

        with pytest.raises(Conflict) as refused:
            sync_now(session, runner, account.user_id, account.id, SyncKind.EMAIL, job_for)
        assert "already running" in refused.value.message
        session.rollback()

        # The killed worker beats no more: a minute later Sync now closes its run and starts.
        clock.advance(timedelta(seconds=leases.HEARTBEAT_SECONDS + 1))
        sync_now(
            session,
            runner,
            account.user_id,
            account.id,
            SyncKind.EMAIL,
            lambda p, k: jobs.get((p, k)),
        )
        assert _status(session, dead.id) == (RunStatus.FAILED, INTERRUPTED)
