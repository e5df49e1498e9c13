"""Gmail jobs: the email sync of every Gmail account every 6 hours (and Sync now)."""

from __future__ import annotations

from datetime import timedelta

from pingcrm.google.provider import GoogleProvider
from pingcrm.models import Provider, SyncKind
from pingcrm.sync.engine import run_account_sync
from pingcrm.worker.context import JobContext
from pingcrm.worker.registry import Every, Fanout, job

SYNC_JOB = "google.email_sync"


@job(
    SYNC_JOB,
    schedule=Every(timedelta(hours=6)),
    fanout=Fanout.ACCOUNT,
    provider=Provider.GMAIL,
    kind=SyncKind.EMAIL,
    lease_seconds=1800,
    description="Sync Gmail messages",
)
def email_sync(ctx: JobContext) -> None:
    """Sync the account's email (full first, then incremental)."""
    run_account_sync(ctx, SyncKind.EMAIL, GoogleProvider)
