"""The job wrapper: lease, job_runs row, transaction, outcome. Both runners call
:func:`execute` for every job they run."""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.db import bulk_connections, checkpoint_wal
from pingcrm.errors import PingError
from pingcrm.kit.clock import utcnow
from pingcrm.models import RunStatus
from pingcrm.worker import leases, repository
from pingcrm.worker.context import JobCall, JobContext
from pingcrm.worker.registry import Fanout, JobSpec, get_job

log = logging.getLogger("pingcrm.worker")


class Outcome(enum.StrEnum):
    SUCCESS = "success"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class JobResult:
    """What happened to one job call."""

    outcome: Outcome
    job_run_id: int
    error: str | None = None


def _user_message(exc: BaseException) -> str:
    if isinstance(exc, PingError):
        return exc.message
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}"[:2000] if text else type(exc).__name__


def execute(
    call: JobCall,
    *,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
) -> JobResult:
    """Run ``call`` once: take its lease (or record a skipped attempt), run the job
    function in a transaction the wrapper commits, record the outcome, release."""
    spec = get_job(call.name)
    ttl = min(spec.lease_seconds, leases.HEARTBEAT_SECONDS)
    holder = leases.new_holder()
    started = utcnow()
    if not leases.acquire(engine, call.lease_key, holder, ttl):
        run_id = repository.add_run(
            engine,
            job_name=call.name,
            scope_key=call.scope_key,
            user_id=call.user_id,
            trigger=call.trigger,
            status=RunStatus.SKIPPED,
            started_at=started,
            finished_at=started,
            error="Already running elsewhere; this attempt was skipped.",
        )
        log.info("worker.job.skipped name=%s scope=%s", call.name, call.scope_key)
        return JobResult(Outcome.SKIPPED, run_id)
    try:
        run_id = repository.add_run(
            engine,
            job_name=call.name,
            scope_key=call.scope_key,
            user_id=call.user_id,
            trigger=call.trigger,
            status=RunStatus.RUNNING,
            started_at=started,
        )
        outcome, error = _run(spec, call, run_id, holder, ttl, settings, engine, session_factory)
        repository.finish_run(
            engine,
            run_id,
            RunStatus.SUCCESS if outcome is Outcome.SUCCESS else RunStatus.FAILED,
            utcnow(),
            error,
        )
        return JobResult(outcome, run_id, error)
    finally:
        leases.release(engine, call.lease_key, holder)


def _run(
    spec: JobSpec,
    call: JobCall,
    run_id: int,
    holder: str,
    ttl: int,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
) -> tuple[Outcome, str | None]:
    session = session_factory()
    context = JobContext(
        call=call,
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        session=session,
        job_run_id=run_id,
        renew_lease=lambda: leases.renew(engine, call.lease_key, holder, ttl),
    )
    log.info("worker.job.started name=%s scope=%s", call.name, call.scope_key)
    try:
        with job_connections(engine, call.lease_key, holder, ttl):
            spec.func(context)
            session.commit()
    except Exception as exc:
        session.rollback()
        log.exception("worker.job.failed name=%s scope=%s", call.name, call.scope_key)
        return Outcome.FAILED, _user_message(exc)
    finally:
        session.close()
    log.info("worker.job.finished name=%s scope=%s", call.name, call.scope_key)
    return Outcome.SUCCESS, None


@contextmanager
def job_connections(engine: Engine, lease_key: str, holder: str, ttl: int) -> Iterator[None]:
    """What a job's work runs inside, ``holder`` holding ``lease_key``: bulk connections
    (:func:`pingcrm.db.bulk_connections`), the lease's heartbeat (which checkpoints SQLite's
    WAL each beat), and a last checkpoint when the work ends, failed or not."""
    try:
        with bulk_connections(), leases.LeaseKeeper(engine, lease_key, holder, ttl):
            yield
    finally:
        checkpoint_wal(engine)


def expand(spec: JobSpec, session_factory: sessionmaker[Session], trigger: str) -> list[JobCall]:
    """The calls one scheduled tick of ``spec`` makes (its fan-out)."""
    if spec.fanout is Fanout.GLOBAL:
        return [JobCall(spec.name, trigger=trigger)]
    with session_factory() as session:
        if spec.fanout is Fanout.USER:
            return [
                JobCall(spec.name, user_id=uid, trigger=trigger)
                for uid in repository.all_user_ids(session)
            ]
        assert spec.provider is not None
        return [
            JobCall(spec.name, user_id=uid, account_id=aid, trigger=trigger)
            for aid, uid in repository.auto_sync_account_ids(
                session, spec.provider, only_auto_sync=spec.follows_auto_sync
            )
        ]
