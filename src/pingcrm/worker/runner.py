"""How the web process (and the CLI) starts jobs: the runner for the configuration.

- Celery mode (``PINGCRM_BROKER_URL`` set): enqueue only; ``pingcrm worker`` runs it.
- Embedded mode (``pingcrm serve``): the in-process scheduler's worker pool runs it.
- Inline (apps built without ``run_jobs``, e.g. tests and scripts): run it at once in
  the caller's thread, after the caller's transaction commits.

Jobs are always submitted *after* the caller's commit (:func:`submit_after_commit`), so the
worker sees the rows the job is about.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.worker.context import JobCall
from pingcrm.worker.execute import JobResult, execute


class Runner(Protocol):
    name: str

    def submit(self, call: JobCall) -> None:
        """Start ``call`` now (in the background, unless the runner is inline)."""
        ...

    def start(self) -> None: ...

    def shutdown(self) -> None: ...


class InlineRunner:
    """Runs a submitted job synchronously in the caller's thread (no scheduler)."""

    name = "inline"

    def __init__(
        self, settings: Settings, engine: Engine, session_factory: sessionmaker[Session]
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.session_factory = session_factory
        self.results: list[JobResult] = []

    def submit(self, call: JobCall) -> None:
        self.results.append(
            execute(
                call,
                settings=self.settings,
                engine=self.engine,
                session_factory=self.session_factory,
            )
        )

    def start(self) -> None:
        return None

    def shutdown(self) -> None:
        return None


def submit_after_commit(session: Session, runner: Runner, call: JobCall) -> None:
    """Submit ``call`` once ``session``'s transaction has committed (never on rollback)."""
    event.listen(session, "after_commit", lambda _s: runner.submit(call), once=True)


def build_runner(
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    *,
    run_jobs: bool,
) -> Runner:
    """The runner for this process: Celery when a broker is set, else embedded when this
    process runs the jobs (``pingcrm serve``), else inline."""
    if settings.broker_url:
        from pingcrm.worker.celery_app import CeleryRunner

        return CeleryRunner(settings)
    if run_jobs:
        from pingcrm.worker.embedded import EmbeddedRunner

        return EmbeddedRunner(settings, engine, session_factory)
    return InlineRunner(settings, engine, session_factory)
