"""Telegram jobs: the chat sync of every connected account (and Sync now).

The scheduled tick is hourly; each account is synced when its own schedule (Sync
settings: every 6 or 12 hours, daily, weekly) has elapsed. A flood wait ends the run as
deferred (``ProviderRateLimited``): the account's gate closes and the job is re-run once
the wait is over, without a worker sleeping through it.
"""

from __future__ import annotations

from datetime import timedelta

from pingcrm.models import Provider, SyncKind
from pingcrm.platform_accounts import service as accounts
from pingcrm.sync.engine import run_account_sync
from pingcrm.telegram.settings import is_due
from pingcrm.telegram.sync import TelegramSync
from pingcrm.worker.context import JobContext
from pingcrm.worker.registry import Every, Fanout, job

SYNC_JOB = "telegram.chats_sync"


@job(
    SYNC_JOB,
    schedule=Every(timedelta(hours=1)),
    fanout=Fanout.ACCOUNT,
    provider=Provider.TELEGRAM,
    kind=SyncKind.CHATS,
    lease_seconds=3600,
    description="Sync Telegram chats, groups and bios",
)
def chats_sync(ctx: JobContext) -> None:
    """Sync the account's chats (a scheduled tick only when its schedule is due)."""
    assert ctx.account_id is not None
    assert ctx.user_id is not None
    if ctx.call.trigger == "scheduled":
        account = accounts.get_account(ctx.session, ctx.user_id, ctx.account_id)
        if not is_due(account):
            return
    run_account_sync(ctx, SyncKind.CHATS, TelegramSync)
