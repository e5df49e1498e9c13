"""Maintenance jobs."""

from __future__ import annotations

from pingcrm.contacts.photos import prune_avatar_files
from pingcrm.db import refresh_planner_statistics
from pingcrm.worker.context import JobContext
from pingcrm.worker.registry import Cron, job


@job("db.analyze", schedule=Cron(hour=4, minute=30), description="Refresh planner statistics")
def analyze(ctx: JobContext) -> None:
    """Refresh the query planner's statistics once a day (after the night's imports and
    score refresh), so list and search queries keep choosing the right indexes."""
    refresh_planner_statistics(ctx.engine)


@job(
    "avatars.prune",
    schedule=Cron(hour=4, minute=15),
    description="Remove the photos of deleted contacts and accounts",
)
def prune_avatars(ctx: JobContext) -> None:
    """Delete stored avatar files that no page shows any more (deleted contacts and
    accounts), keeping those an open merge may restore."""
    prune_avatar_files(ctx.session, ctx.settings)
