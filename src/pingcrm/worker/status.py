"""The Background jobs panel: which runner is active, when the scheduler last ticked,
and per job its last run, result and next run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from pingcrm.kit.clock import utcnow
from pingcrm.models import JobRun
from pingcrm.worker import repository
from pingcrm.worker.registry import load_jobs

STALE_AFTER = timedelta(minutes=15)
RUNNER_LABELS = {
    "embedded": "Embedded (inside pingcrm serve)",
    "celery": "Celery workers over Redis",
    "inline": "None in this process (jobs run when submitted)",
}


@dataclass(frozen=True)
class JobStatus:
    name: str
    description: str
    schedule: str
    last_run: JobRun | None
    next_run: datetime | None


@dataclass(frozen=True)
class JobsStatus:
    runner: str
    runner_label: str
    last_tick: datetime | None
    stale: bool
    jobs: list[JobStatus]


def scheduler_stale(session: Session, *, now: datetime | None = None) -> bool:
    """True when no scheduler has ticked for 15 minutes (the red banner)."""
    beat = repository.last_heartbeat(session)
    moment = now or utcnow()
    return beat is None or moment - beat.ticked_at > STALE_AFTER


def jobs_status(session: Session, user_id: int, runner: str) -> JobsStatus:
    """The panel's content for ``user_id`` (their runs and the global ones)."""
    specs = sorted(load_jobs().values(), key=lambda s: s.name)
    last = repository.latest_runs_for(session, user_id, [s.name for s in specs])
    now = utcnow()
    jobs: list[JobStatus] = []
    for spec in specs:
        run = last.get(spec.name)
        next_run = None
        if spec.schedule is not None:
            next_run = max(now, spec.schedule.next_after(run.started_at if run else None, now))
        jobs.append(
            JobStatus(
                name=spec.name,
                description=spec.description,
                schedule=spec.schedule.describe() if spec.schedule else "when asked",
                last_run=run,
                next_run=next_run,
            )
        )
    beat = repository.last_heartbeat(session)
    return JobsStatus(
        runner=runner,
        runner_label=RUNNER_LABELS.get(runner, runner),
        last_tick=beat.ticked_at if beat else None,
        stale=scheduler_stale(session, now=now),
        jobs=jobs,
    )
