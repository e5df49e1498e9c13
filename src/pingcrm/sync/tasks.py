"""Sync jobs of the framework itself: continuing the syncs a provider asked to wait, and
closing the runs of syncs whose process was killed."""

from __future__ import annotations

from datetime import datetime, timedelta

from pingcrm.kit.clock import utcnow
from pingcrm.sync import repository
from pingcrm.sync.runs import reap_interrupted
from pingcrm.worker.context import JobCall, JobContext
from pingcrm.worker.execute import execute
from pingcrm.worker.registry import Every, job


def due_resumptions(ctx: JobContext) -> list[JobCall]:
    """The sync jobs whose provider-imposed wait is over (one per account and kind)."""
    now = utcnow()
    calls: list[JobCall] = []
    for run in repository.deferred_runs(ctx.session):
        details = run.details or {}
        name, resume_at = details.get("job"), details.get("resume_at")
        if not name or not resume_at or datetime.fromisoformat(resume_at) > now:
            continue
        calls.append(
            JobCall(
                str(name),
                user_id=run.user_id,
                account_id=run.platform_account_id,
                trigger="scheduled",
            )
        )
    return calls


@job(
    "sync.resume_deferred",
    schedule=Every(timedelta(minutes=1)),
    lease_seconds=1800,
    description="Continue syncs that a provider asked to wait",
)
def resume_deferred(ctx: JobContext) -> None:
    """Run again every sync whose rate-limit wait is over (each under its own lease)."""
    calls = due_resumptions(ctx)
    ctx.commit()
    for call in calls:
        execute(call, settings=ctx.settings, engine=ctx.engine, session_factory=ctx.session_factory)


@job(
    "sync.reap_interrupted",
    schedule=Every(timedelta(minutes=1)),
    lease_seconds=60,
    description="Close syncs whose process stopped mid-run",
)
def reap(ctx: JobContext) -> None:
    """A sync killed mid-run stops showing "Syncing…" within a minute: its run fails
    with a message saying so (what it had committed is kept)."""
    reap_interrupted(ctx.session, ctx.engine)
