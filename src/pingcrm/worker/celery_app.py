"""The Celery runner: ``pingcrm worker`` and ``pingcrm beat`` over Redis.

One generic task runs any registered job through the same wrapper as the embedded runner
(:func:`pingcrm.worker.execute.execute`), so leases, job runs and transactions behave the
same. The beat schedule is generated from the registry: each scheduled job's tick sends
``pingcrm.dispatch``, which fans out into one ``pingcrm.run_job`` per user or account.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import lru_cache
from typing import Any

from celery import Celery
from celery.schedules import crontab
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings, get_settings
from pingcrm.db import make_engine, make_session_factory
from pingcrm.kit.clock import utcnow
from pingcrm.worker import repository
from pingcrm.worker.context import JobCall
from pingcrm.worker.execute import execute, expand
from pingcrm.worker.registry import Cron, Every, get_job, scheduled_jobs

log = logging.getLogger("pingcrm.worker")

RUN_TASK = "pingcrm.run_job"
DISPATCH_TASK = "pingcrm.dispatch"
HEARTBEAT_TASK = "pingcrm.heartbeat"
HEARTBEAT_NAME = "celery"


def beat_schedule() -> dict[str, dict[str, Any]]:
    """Celery beat entries generated from the job registry (plus the heartbeat)."""
    schedule: dict[str, dict[str, Any]] = {
        HEARTBEAT_TASK: {"task": HEARTBEAT_TASK, "schedule": timedelta(minutes=1)}
    }
    for spec in scheduled_jobs():
        when: Any
        if isinstance(spec.schedule, Every):
            when = spec.schedule.interval
        else:
            assert isinstance(spec.schedule, Cron)
            hour = "*" if spec.schedule.hour is None else str(spec.schedule.hour)
            when = crontab(minute=str(spec.schedule.minute), hour=hour)
        schedule[spec.name] = {"task": DISPATCH_TASK, "schedule": when, "args": (spec.name,)}
    return schedule


@lru_cache(maxsize=1)
def _worker_state() -> tuple[Settings, Engine, sessionmaker[Session]]:
    """Settings and database of this worker process (created lazily, after fork)."""
    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    return settings, engine, make_session_factory(engine)


def make_celery(settings: Settings) -> Celery:
    """A Celery app on ``settings.broker_url`` with PingCRM's tasks registered."""
    app = Celery("pingcrm", broker=settings.broker_url or None)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        enable_utc=True,
        beat_schedule=beat_schedule(),
    )

    @app.task(name=RUN_TASK)
    def run_job(message: dict[str, Any]) -> str:
        settings, engine, factory = _worker_state()
        result = execute(
            JobCall.from_message(message),
            settings=settings,
            engine=engine,
            session_factory=factory,
        )
        return result.outcome.value

    @app.task(name=DISPATCH_TASK)
    def dispatch(name: str) -> int:
        _settings, _engine, factory = _worker_state()
        calls = expand(get_job(name), factory, "scheduled")
        for call in calls:
            run_job.delay(call.to_message())
        return len(calls)

    @app.task(name=HEARTBEAT_TASK)
    def heartbeat() -> None:
        _settings, engine, _factory = _worker_state()
        repository.beat(engine, HEARTBEAT_NAME, "celery", utcnow())

    return app


class CeleryRunner:
    """The web process side of Celery mode: it only enqueues."""

    name = "celery"

    def __init__(self, settings: Settings) -> None:
        self.app = make_celery(settings)

    def submit(self, call: JobCall) -> None:
        self.app.send_task(RUN_TASK, args=[call.to_message()])

    def start(self) -> None:
        return None

    def shutdown(self) -> None:
        return None


@lru_cache(maxsize=1)
def _default_app() -> Celery:
    return make_celery(get_settings())


def __getattr__(name: str) -> Any:
    # ``celery -A pingcrm.worker.celery_app worker`` looks up ``celery``; built on first use
    # so that importing this module reads no settings.
    if name in ("celery", "app"):
        return _default_app()
    raise AttributeError(name)
