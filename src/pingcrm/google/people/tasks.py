"""Google Contacts job: a daily sync per Gmail account (and Sync now)."""

from __future__ import annotations

from pingcrm.google.client import GoogleClient
from pingcrm.google.people.api import PeopleApi
from pingcrm.google.people.sync import sync_contacts
from pingcrm.google.provider import register_kind
from pingcrm.models import Provider, SyncKind
from pingcrm.sync.engine import run_account_sync
from pingcrm.sync.provider import SyncContext
from pingcrm.worker.context import JobContext
from pingcrm.worker.registry import Cron, Fanout, job

SYNC_JOB = "google.contacts_sync"


@register_kind(SyncKind.CONTACTS)
def contacts_kind(ctx: SyncContext, client: GoogleClient) -> None:
    """The CONTACTS sync of the Google provider."""
    sync_contacts(ctx, PeopleApi(client))


@job(
    SYNC_JOB,
    schedule=Cron(hour=5, minute=30),
    fanout=Fanout.ACCOUNT,
    provider=Provider.GMAIL,
    description="Sync Google Contacts",
)
def contacts_sync(ctx: JobContext) -> None:
    """Import the account's Google Contacts (read-only)."""
    run_account_sync(ctx, SyncKind.CONTACTS)
