"""Jobs of the suggestions domain."""

from __future__ import annotations

from pingcrm.suggestions import service
from pingcrm.worker.context import JobContext
from pingcrm.worker.registry import Cron, Fanout, job


@job(
    "suggestions.generate",
    schedule=Cron(hour=6, minute=0),
    fanout=Fanout.USER,
    description="Generate today's follow-up suggestions",
)
def generate(ctx: JobContext) -> None:
    """Run the follow-up engine for the user (after the 03:00 score refresh)."""
    assert ctx.user_id is not None
    service.generate(ctx.session, ctx.settings, ctx.user_id)


@job(
    "suggestions.reactivate",
    schedule=Cron(hour=None, minute=5),
    description="Bring back snoozed suggestions",
)
def reactivate(ctx: JobContext) -> None:
    """Snoozed suggestions whose time has come become pending again (hourly)."""
    service.reactivate_snoozed(ctx.session)
