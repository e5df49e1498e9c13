"""Jobs of identity resolution: a scan for one user (Scan now, CLI-free path), and the
debounced scan after imports and syncs that created contacts."""

from __future__ import annotations

from datetime import timedelta

from pingcrm.identity import repository, service
from pingcrm.models import NotificationKind
from pingcrm.notifications.service import notify
from pingcrm.worker.context import JobCall, JobContext
from pingcrm.worker.execute import execute
from pingcrm.worker.registry import Every, job

SCAN_JOB = "identity.scan"
REQUESTED_JOB = "identity.scan_requested"


@job(SCAN_JOB, lease_seconds=900, description="Find duplicate contacts")
def scan(ctx: JobContext) -> None:
    """Scan the user's contacts for duplicates with progress, then notify the user when
    new pairs await review (or when they started the scan themselves)."""
    assert ctx.user_id is not None
    user_id = ctx.user_id

    def progress(done: int, total: int) -> None:
        repository.record_progress(ctx.session, ctx.job_run_id, done, total)
        ctx.commit()

    waiting_before = repository.count_open(ctx.session, user_id)[0]
    result = service.run_scan(ctx.session, ctx.settings, user_id, progress=progress)
    summary = result.summary()
    repository.record_progress(
        ctx.session, ctx.job_run_id, result.candidates, result.candidates, summary
    )
    # Tell the user only what needs them: new pairs to review. A scan they started
    # themselves also says it is done; a scheduled one that found nothing new is quiet
    # (its result is in the scan history on /identity).
    new_pairs = max(0, result.queued - waiting_before)
    if new_pairs:
        notify(
            ctx.session, user_id, NotificationKind.DUPLICATES_FOUND,
            "Possible duplicates to review",
            f"{new_pairs} new pair{'' if new_pairs == 1 else 's'} may be the same person "
            f"({result.queued} waiting in all). Merge them or mark them as different people.",
            "/identity",
        )  # fmt: skip
    elif ctx.call.trigger == "manual":
        merged = (
            f"{result.auto_merged} certain duplicate{'' if result.auto_merged == 1 else 's'} "
            "merged. "
            if result.auto_merged
            else ""
        )
        notify(
            ctx.session, user_id, NotificationKind.SYSTEM, "Duplicate scan finished",
            f"{merged}No new pairs to review.", "/identity",
        )  # fmt: skip


def scan_call(user_id: int, trigger: str = "manual") -> JobCall:
    """The job call that scans ``user_id``'s contacts (one at a time per user)."""
    return JobCall(SCAN_JOB, user_id=user_id, trigger=trigger)


@job(
    REQUESTED_JOB,
    schedule=Every(timedelta(minutes=1)),
    lease_seconds=1800,
    description="Scan for duplicates after imports and syncs that created contacts",
)
def scan_requested(ctx: JobContext) -> None:
    """One scan per user whose imports or syncs created contacts since their last scan
    (however many asked: the requests coalesce)."""
    users = service.users_awaiting_scan(ctx.session)
    ctx.commit()
    for user_id in users:
        execute(
            scan_call(user_id, trigger="scheduled"),
            settings=ctx.settings,
            engine=ctx.engine,
            session_factory=ctx.session_factory,
        )
