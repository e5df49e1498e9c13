"""X jobs: DMs and mentions of every X account, daily (X serves only the last 30 days of
DM events, so a daily run misses none), and Sync now.

A run that hits X's rate limit raises ``ProviderRateLimited``: it ends as deferred with
its pages committed and ``sync.resume_deferred`` runs it again after the reset.
"""

from __future__ import annotations

from pingcrm.models import Provider, SyncKind
from pingcrm.sync.engine import run_account_sync
from pingcrm.twitter.provider import TwitterProvider
from pingcrm.worker.context import JobContext
from pingcrm.worker.registry import Cron, Fanout, job

DMS_JOB = "twitter.dms_sync"
MENTIONS_JOB = "twitter.mentions_sync"


@job(
    DMS_JOB,
    schedule=Cron(hour=5, minute=15),
    fanout=Fanout.ACCOUNT,
    provider=Provider.TWITTER,
    kind=SyncKind.DMS,
    lease_seconds=1800,
    description="Sync X direct messages",
)
def dms_sync(ctx: JobContext) -> None:
    """DM events since the last run (X keeps 30 days)."""
    run_account_sync(ctx, SyncKind.DMS, TwitterProvider)


@job(
    MENTIONS_JOB,
    schedule=Cron(hour=5, minute=45),
    fanout=Fanout.ACCOUNT,
    provider=Provider.TWITTER,
    kind=SyncKind.MENTIONS,
    lease_seconds=1800,
    description="Sync X mentions and refresh contacts' X bios",
)
def mentions_sync(ctx: JobContext) -> None:
    """Mentions since the stored ``since_id``, then a batch of bios."""
    run_account_sync(ctx, SyncKind.MENTIONS, TwitterProvider)
