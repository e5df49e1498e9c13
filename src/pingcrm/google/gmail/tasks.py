"""Gmail jobs: the email sync of every Gmail account every 6 hours (and Sync now)."""

from __future__ import annotations

from datetime import timedelta

from pingcrm.google.gmail.sync import sync_email
from pingcrm.google.provider import register_kind
from pingcrm.models import Provider, SyncKind
from pingcrm.sync.engine import run_account_sync
from pingcrm.sync.now import register_sync_job
from pingcrm.worker.context import JobContext
from pingcrm.worker.registry import Every, Fanout, job

SYNC_JOB = "google.email_sync"

register_kind(SyncKind.EMAIL)(sync_email)
register_sync_job(Provider.GMAIL, SyncKind.EMAIL, SYNC_JOB)


@job(
    SYNC_JOB,
    schedule=Every(timedelta(hours=6)),
    fanout=Fanout.ACCOUNT,
    provider=Provider.GMAIL,
    lease_seconds=1800,
    description="Sync Gmail messages",
)
def email_sync(ctx: JobContext) -> None:
    """Sync the account's email (full first, then incremental)."""
    run_account_sync(ctx, SyncKind.EMAIL)
