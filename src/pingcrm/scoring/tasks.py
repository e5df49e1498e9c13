"""Jobs of the scoring domain."""

from __future__ import annotations

from pingcrm.scoring.service import recompute_scores
from pingcrm.worker.context import JobContext
from pingcrm.worker.registry import Cron, Fanout, job


@job(
    "scores.recompute",
    schedule=Cron(hour=3, minute=0),
    fanout=Fanout.USER,
    description="Recompute relationship scores",
)
def recompute(ctx: JobContext) -> None:
    """Recompute every score of the user (or only ``args["contact_ids"]``)."""
    assert ctx.user_id is not None
    ids = ctx.args.get("contact_ids")
    recompute_scores(ctx.session, ctx.user_id, [int(i) for i in ids] if ids else None)
