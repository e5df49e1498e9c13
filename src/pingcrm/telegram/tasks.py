"""Telegram jobs: the chat sync of every connected account (and Sync now).

The scheduled tick is hourly; each account is synced when its own schedule (Sync
settings: every 6 or 12 hours, daily, weekly) has elapsed.
"""

from __future__ import annotations

import time
from datetime import timedelta

from pingcrm.models import Provider, SyncKind
from pingcrm.platform_accounts import service as accounts
from pingcrm.sync import errors as sync_errors
from pingcrm.sync.engine import run_account_sync
from pingcrm.sync.now import register_sync_job
from pingcrm.telegram.errors import wait_words
from pingcrm.telegram.settings import is_due
from pingcrm.telegram.sync import TelegramSync
from pingcrm.worker.context import JobContext
from pingcrm.worker.registry import Every, Fanout, job

SYNC_JOB = "telegram.chats_sync"
# Backoff pauses up to this long happen in the worker; longer waits (flood waits) end the
# run instead, and the hourly tick syncs again once the account's gate is open.
MAX_SLEEP = 30.0


class FloodDeferred(Exception):
    """The run stopped for a flood wait; the gate keeps every job away until it ends."""


def _sleep_or_defer(seconds: float) -> None:
    if seconds > MAX_SLEEP:
        raise FloodDeferred(
            f"Telegram asked to wait {wait_words(seconds)} (flood wait); the sync "
            "continues at the next scheduled run after that, or use Sync now then."
        )
    time.sleep(seconds)


register_sync_job(Provider.TELEGRAM, SyncKind.CHATS, SYNC_JOB)
__all__ = ["TelegramSync", "chats_sync"]


@job(
    SYNC_JOB,
    schedule=Every(timedelta(hours=1)),
    fanout=Fanout.ACCOUNT,
    provider=Provider.TELEGRAM,
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
    if hasattr(sync_errors, "ProviderRateLimited"):
        run_account_sync(ctx, SyncKind.CHATS)  # the engine defers rate-limited runs itself
    else:
        run_account_sync(ctx, SyncKind.CHATS, sleep=_sleep_or_defer)
