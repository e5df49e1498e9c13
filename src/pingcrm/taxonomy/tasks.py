"""Jobs of the tags domain."""

from __future__ import annotations

from pingcrm.models import NotificationKind
from pingcrm.notifications.service import notify
from pingcrm.taxonomy import repository
from pingcrm.taxonomy import service as taxonomy
from pingcrm.worker.context import JobCall, JobContext
from pingcrm.worker.registry import job

APPLY_JOB = "tags.apply"


@job(APPLY_JOB, lease_seconds=900, description="Apply the tag taxonomy to every contact")
def apply_to_all(ctx: JobContext) -> None:
    """Tag every contact with the saved taxonomy, committing batch by batch with the
    progress (so the Settings card can show it), then notify the user."""
    assert ctx.user_id is not None
    user_id = ctx.user_id

    def progress(done: int, total: int) -> None:
        repository.record_progress(ctx.session, ctx.job_run_id, done, total)
        ctx.commit()

    result = taxonomy.apply_taxonomy(ctx.session, user_id, progress)
    summary = (
        f"Applied to {result.contacts_seen} contacts: {result.tags_added} tags added to "
        f"{result.contacts_matched} matching contacts."
    )
    repository.record_progress(
        ctx.session, ctx.job_run_id, result.contacts_seen, result.contacts_seen, summary
    )
    notify(ctx.session, user_id, NotificationKind.SYSTEM, "Tags applied", summary, "/settings#tags")


def apply_call(user_id: int) -> JobCall:
    """The job call that applies the taxonomy for ``user_id`` (one at a time per user)."""
    return JobCall(APPLY_JOB, user_id=user_id)
