"""Google Contacts job: a daily sync per Gmail account (and Sync now)."""

from __future__ import annotations

from pingcrm.google.provider import GoogleProvider
from pingcrm.models import Provider, SyncKind
from pingcrm.sync.engine import run_account_sync
from pingcrm.worker.context import JobContext
from pingcrm.worker.registry import Cron, Fanout, job

SYNC_JOB = "google.contacts_sync"


@job(
    SYNC_JOB,
    schedule=Cron(hour=5, minute=30),
    fanout=Fanout.ACCOUNT,
    provider=Provider.GMAIL,
    kind=SyncKind.CONTACTS,
    description="Sync Google Contacts",
)
def contacts_sync(ctx: JobContext) -> None:
    """Import the account's Google Contacts (read-only)."""
    run_account_sync(ctx, SyncKind.CONTACTS, GoogleProvider)
