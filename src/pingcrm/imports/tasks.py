"""The import job (queued after an upload; runs in either runner) and the job that
resumes imports a crash or restart interrupted."""

from __future__ import annotations

from datetime import timedelta

from pingcrm.imports import service
from pingcrm.worker import leases
from pingcrm.worker.context import JobCall, JobContext
from pingcrm.worker.execute import execute
from pingcrm.worker.registry import Every, job
from pingcrm.worker.statistics import refresh_after_run

# An import queued or running for this long without a lease holder was interrupted.
STALE_AFTER = timedelta(minutes=1)
# An upload left waiting for its column mapping this long is dropped (file deleted).
WAITING_EXPIRES_AFTER = timedelta(days=7)


@job(service.JOB_NAME, lease_seconds=300, description="Import a CSV or vCard file")
def run_import(ctx: JobContext) -> None:
    """Import the uploaded file of run ``args["run_id"]`` in committed batches."""
    run = service.run_import(ctx.session, ctx.settings, int(ctx.args["run_id"]), ctx.commit)
    # Once per run (the batches are committed): a large import leaves stale statistics.
    refresh_after_run(ctx.engine, run)


def import_call(user_id: int, run_id: int) -> JobCall:
    """The job call that runs import ``run_id`` (one lease per run)."""
    return JobCall(
        service.JOB_NAME, user_id=user_id, args={"run_id": run_id}, scope=f"run:{run_id}"
    )


@job(
    "imports.resume",
    schedule=Every(timedelta(minutes=1)),
    lease_seconds=600,
    description="Resume imports interrupted by a crash or restart",
)
def resume_interrupted(ctx: JobContext) -> None:
    """Finish every import left queued or running with no live worker holding it; drop
    uploads left waiting for their column mapping for a week."""
    if service.expire_waiting(ctx.session, ctx.settings, WAITING_EXPIRES_AFTER):
        ctx.commit()
    for user_id, run_id in service.interrupted_imports(ctx.session, STALE_AFTER):
        call = import_call(user_id, run_id)
        if leases.holder_of(ctx.engine, call.lease_key) is not None:
            continue  # a worker is on it
        execute(call, settings=ctx.settings, engine=ctx.engine, session_factory=ctx.session_factory)
