"""Celery mode: a real ``pingcrm worker`` process over the real Redis runs the same jobs
(through the same wrapper) as the embedded runner; beat's schedule comes from the registry.

Needs ``PINGCRM_TEST_REDIS_URL`` (CI: ``redis://127.0.0.1:6379/15``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from celery.schedules import crontab
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.db import transaction
from pingcrm.imports import service as imports
from pingcrm.imports.tasks import import_call
from pingcrm.models import Contact, JobRun, RunStatus, SchedulerHeartbeat, SyncRun
from pingcrm.worker.celery_app import HEARTBEAT_TASK, CeleryRunner, beat_schedule
from pingcrm.worker.context import JobContext
from pingcrm.worker.registry import Cron, Every, Fanout, job
from tests.fixtures.builders import create_user
from tests.fixtures.jobs import JobsForTest
from tests.support import require

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "files"
PINGCRM = Path(sys.executable).with_name("pingcrm")


def redis_url() -> str | None:
    return os.environ.get("PINGCRM_TEST_REDIS_URL") or None


def wait_until(check: Callable[[], bool], timeout: float = 60) -> None:
    """Poll another process's work (a worker) until ``check`` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("the worker did not finish in time")


@pytest.fixture
def celery_settings(settings: Settings) -> Settings:
    url = redis_url()
    require(url is not None, "Celery tests need PINGCRM_TEST_REDIS_URL=redis://127.0.0.1:6379/15")
    assert url is not None
    return settings.model_copy(update={"broker_url": url})


@pytest.fixture
def worker_process(celery_settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    """A real ``pingcrm worker`` subprocess on the test database and Redis."""
    runner = CeleryRunner(celery_settings)
    runner.app.control.purge()
    env = {
        **os.environ,
        "PINGCRM_BROKER_URL": celery_settings.broker_url,
        "PINGCRM_DATABASE_URL": celery_settings.resolved_database_url,
        "PINGCRM_DATA_DIR": str(celery_settings.data_dir),
        "PINGCRM_SECRET_KEY": celery_settings.secret_key,
        "PINGCRM_ENCRYPTION_KEYS": celery_settings.encryption_keys,
        "PINGCRM_MCP_HMAC_SECRET": celery_settings.mcp_hmac_secret,
    }
    process = subprocess.Popen(
        [str(PINGCRM), "worker", "--concurrency=2", "--loglevel=WARNING"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_a_real_worker_runs_the_import_job(
    celery_settings: Settings,
    worker_process: subprocess.Popen[bytes],
    session: Session,
    session_factory: sessionmaker[Session],
) -> None:
    user = create_user(session)
    with (FILES / "linkedin_connections.csv").open("rb") as handle:
        path = imports.save_upload(celery_settings, handle, "Connections.csv")
    runner = CeleryRunner(celery_settings)
    with transaction(session_factory) as tx:
        run = imports.create_import(tx, celery_settings, user.id, path, "Connections.csv")
    runner.submit(import_call(user.id, run.id))

    def finished() -> bool:
        # The import's run ends first; the job's own record is closed just after it.
        with session_factory() as check:
            status = check.get(SyncRun, run.id)
            job = check.execute(
                select(JobRun.status).where(JobRun.job_name == "imports.run")
            ).scalar_one_or_none()
            return (
                status is not None
                and status.status is RunStatus.SUCCESS
                and job is not None
                and job is not RunStatus.RUNNING
            )

    wait_until(finished)
    names = set(
        session.execute(select(Contact.full_name).where(Contact.user_id == user.id)).scalars()
    )
    assert names == {"Ada Lovelace", "Charles Babbage", "Grace Hopper", "Alan Turing"}
    job_run = session.execute(select(JobRun).where(JobRun.job_name == "imports.run")).scalar_one()
    assert job_run.status is RunStatus.SUCCESS
    assert job_run.scope_key == f"run:{run.id}"


def test_the_worker_records_the_schedulers_heartbeat(
    celery_settings: Settings,
    worker_process: subprocess.Popen[bytes],
    session_factory: sessionmaker[Session],
) -> None:
    CeleryRunner(celery_settings).app.send_task(HEARTBEAT_TASK)

    def ticked() -> bool:
        with session_factory() as check:
            return check.get(SchedulerHeartbeat, "celery") is not None

    wait_until(ticked)


def test_beat_schedule_is_generated_from_the_registry(registry: JobsForTest) -> None:
    @registry.add
    @job("test.gmail_sync", schedule=Every(timedelta(hours=6)), fanout=Fanout.USER)
    def gmail(ctx: JobContext) -> None:
        return None

    @registry.add
    @job("test.calendar", schedule=Cron(hour=6, minute=0))
    def calendar(ctx: JobContext) -> None:
        return None

    @registry.add
    @job("test.manual_only")
    def manual(ctx: JobContext) -> None:
        return None

    schedule = beat_schedule()
    assert schedule["test.gmail_sync"]["schedule"] == timedelta(hours=6)
    assert schedule["test.gmail_sync"]["args"] == ("test.gmail_sync",)
    assert schedule["test.calendar"]["schedule"] == crontab(minute="0", hour="6")
    assert "test.manual_only" not in schedule
    assert HEARTBEAT_TASK in {entry["task"] for entry in schedule.values()}
