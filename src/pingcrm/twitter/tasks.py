"""X jobs: DMs and mentions of every X account, daily (X serves only the last 30 days of
DM events, so a daily run misses none), and Sync now.

A run that hits X's rate limit ends at once (``attempts=1``: no worker sleeps through a
15-minute window); its checkpoint is committed and the next run resumes there.
"""

from __future__ import annotations

from pingcrm.models import Provider, SyncKind
from pingcrm.sync.engine import run_account_sync
from pingcrm.sync.now import register_sync_job
from pingcrm.twitter import provider as _provider  # registers the sync provider
from pingcrm.worker.context import JobContext
from pingcrm.worker.registry import Cron, Fanout, job

DMS_JOB = "twitter.dms_sync"
MENTIONS_JOB = "twitter.mentions_sync"

assert _provider.TwitterProvider.provider is Provider.TWITTER
register_sync_job(Provider.TWITTER, SyncKind.DMS, DMS_JOB)
register_sync_job(Provider.TWITTER, SyncKind.MENTIONS, MENTIONS_JOB)


@job(
    DMS_JOB,
    schedule=Cron(hour=5, minute=15),
    fanout=Fanout.ACCOUNT,
    provider=Provider.TWITTER,
    lease_seconds=1800,
    description="Sync X direct messages",
)
def dms_sync(ctx: JobContext) -> None:
    """DM events since the last run (X keeps 30 days)."""
    run_account_sync(ctx, SyncKind.DMS, attempts=1)


@job(
    MENTIONS_JOB,
    schedule=Cron(hour=5, minute=45),
    fanout=Fanout.ACCOUNT,
    provider=Provider.TWITTER,
    lease_seconds=1800,
    description="Sync X mentions and refresh contacts' X bios",
)
def mentions_sync(ctx: JobContext) -> None:
    """Mentions since the stored ``since_id``, then a batch of bios."""
    run_account_sync(ctx, SyncKind.MENTIONS, attempts=1)
