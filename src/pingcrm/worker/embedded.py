"""The embedded runner: inside ``pingcrm serve``, an APScheduler background scheduler
ticks every ``tick_seconds``; each tick evaluates the registry's schedules against the
application clock and hands due jobs (fanned out) to a small worker pool.

No overlapping runs: a job whose previous tick is still running is not started again
(the tick is coalesced), and every run also holds its database lease.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.kit.clock import utcnow
from pingcrm.worker import repository
from pingcrm.worker.context import JobCall
from pingcrm.worker.execute import JobResult, execute, expand
from pingcrm.worker.registry import scheduled_jobs

log = logging.getLogger("pingcrm.worker")

HEARTBEAT_NAME = "embedded"


class EmbeddedRunner:
    """APScheduler ticks + a thread pool over the job registry."""

    name = "embedded"

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        session_factory: sessionmaker[Session],
        *,
        workers: int = 4,
        tick_seconds: int = 30,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.session_factory = session_factory
        self.tick_seconds = tick_seconds
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pingcrm-job")
        self.scheduler = BackgroundScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1}
        )
        self._lock = threading.Lock()
        self._next: dict[str, datetime] = {}
        self._inflight: dict[str, list[Future[JobResult]]] = {}
        self._futures: list[Future[JobResult]] = []

    # lifecycle -----------------------------------------------------------------
    def start(self) -> None:
        """Start ticking (first tick at once)."""
        self.scheduler.add_job(
            self._safe_tick,
            "interval",
            seconds=self.tick_seconds,
            id="pingcrm.tick",
            next_run_time=datetime.now(UTC),
        )
        self.scheduler.start()
        log.info("worker.embedded.started workers=%s", self.pool._max_workers)

    def shutdown(self) -> None:
        """Stop ticking and let running jobs finish."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.pool.shutdown(wait=True, cancel_futures=True)

    # work ----------------------------------------------------------------------
    def submit(self, call: JobCall) -> None:
        """Run ``call`` in the pool now ("Sync now", an upload)."""
        self._submit(call)

    def _submit(self, call: JobCall) -> Future[JobResult]:
        future = self.pool.submit(
            execute,
            call,
            settings=self.settings,
            engine=self.engine,
            session_factory=self.session_factory,
        )
        with self._lock:
            self._futures = [f for f in self._futures if not f.done()] + [future]
        return future

    def _safe_tick(self) -> None:
        try:
            self.tick()
        except Exception:  # a broken tick must not stop the scheduler
            log.exception("worker.embedded.tick_failed")

    def tick(self) -> list[JobCall]:
        """Record a heartbeat and start every job due at ``utcnow()``; the calls made."""
        now = utcnow()
        repository.beat(self.engine, HEARTBEAT_NAME, self.name, now)
        started: list[JobCall] = []
        for spec in scheduled_jobs():
            assert spec.schedule is not None
            due = self._next.get(spec.name)
            if due is None:
                due = spec.schedule.next_after(repository.last_started(self.engine, spec.name), now)
                self._next[spec.name] = due
            if due > now:
                continue
            # Coalesce: one run for however many times were missed; the next one is after now.
            self._next[spec.name] = spec.schedule.next_after(now, now)
            with self._lock:
                running = [f for f in self._inflight.get(spec.name, []) if not f.done()]
            if running:
                log.info("worker.embedded.still_running name=%s", spec.name)
                continue
            calls = expand(spec, self.session_factory, "scheduled")
            futures = [self._submit(call) for call in calls]
            with self._lock:
                self._inflight[spec.name] = futures
            started.extend(calls)
        return started

    def next_run(self, name: str) -> datetime | None:
        """When the scheduled job ``name`` is next due (None before the first tick)."""
        return self._next.get(name)

    def wait_idle(self, timeout: float = 60) -> list[JobResult]:
        """Block until every submitted job has finished; their results."""
        with self._lock:
            futures = list(self._futures)
        wait(futures, timeout=timeout)
        return [f.result() for f in futures if f.done()]
