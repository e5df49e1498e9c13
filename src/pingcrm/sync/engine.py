"""Running one sync of one platform account: history record, rate gate, retries with
backoff, auth errors → account Error + notification, a notification at the end.

Integrations declare their scheduled jobs in their ``tasks.py`` as thin calls to
:func:`run_account_sync` with their :class:`SyncProvider` class; the job wrapper has
already taken the account's lease. A provider that is told to wait (a 429 with a reset
time, a flood wait) raises :class:`ProviderRateLimited`: the run ends as deferred and
``sync.resume_deferred`` starts the job again when the wait is over, so no worker sleeps.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from pingcrm.identity.service import request_scan as request_identity_scan
from pingcrm.kit.retry import call_with_retry
from pingcrm.models import NotificationKind, RunStatus, SyncKind, SyncRun, SyncTrigger
from pingcrm.notifications.service import notify
from pingcrm.platform_accounts import service as accounts
from pingcrm.sync import rate_gate
from pingcrm.sync.errors import ProviderAuthError, ProviderRateLimited, ProviderTransientError
from pingcrm.sync.provider import SyncContext, SyncProvider
from pingcrm.sync.runs import Counts, RunUpdate, finish_run, record_batch, start_run
from pingcrm.worker.context import JobContext
from pingcrm.worker.statistics import refresh_after_run

log = logging.getLogger("pingcrm.sync")

# A closed rate gate shorter than this is waited out in the worker; a longer one defers.
INLINE_WAIT_SECONDS = 60.0


class _Deferred(Exception):
    """Raised out of an attempt so the retry loop does not sleep through a long wait."""

    def __init__(self, seconds: float, message: str) -> None:
        super().__init__(message)
        self.seconds = seconds


KIND_WORDS = {
    SyncKind.EMAIL: "Email",
    SyncKind.CONTACTS: "Contacts",
    SyncKind.CALENDAR: "Calendar",
    SyncKind.CHATS: "Chats",
    SyncKind.DMS: "DMs",
    SyncKind.MENTIONS: "Mentions",
    SyncKind.EXTENSION_PUSH: "Extension",
    SyncKind.CSV_IMPORT: "Import",
}


def _trigger(value: str) -> SyncTrigger:
    try:
        return SyncTrigger(value)
    except ValueError:
        return SyncTrigger.MANUAL


def summary(run: SyncRun) -> str:
    """'12 new interactions, 3 new contacts, 1 updated' for notifications."""
    parts = [
        f"{run.new_interactions} new interactions",
        f"{run.new_contacts} new contacts",
        f"{run.updated_contacts} updated",
    ]
    if run.skipped:
        parts.append(f"{run.skipped} skipped")
    if run.errors:
        parts.append(f"{run.errors} errors")
    return ", ".join(parts)


def run_account_sync(
    job: JobContext,
    kind: SyncKind,
    provider_cls: type[SyncProvider],
    *,
    sleep: Callable[[float], None] = time.sleep,
    attempts: int = 5,
) -> SyncRun:
    """Sync ``kind`` of the job's platform account with ``provider_cls``; returns the
    finished history record. A run that added a large share of contacts or interactions
    (finished, failed or deferred: its batches are committed) ends with fresh planner
    statistics for those tables."""
    run = _sync(job, kind, provider_cls, sleep=sleep, attempts=attempts)
    refresh_after_run(job.engine, run)
    return run


def _sync(
    job: JobContext,
    kind: SyncKind,
    provider_cls: type[SyncProvider],
    *,
    sleep: Callable[[float], None],
    attempts: int,
) -> SyncRun:
    assert job.account_id is not None
    assert job.user_id is not None
    session = job.session
    account = accounts.get_account(session, job.user_id, job.account_id)
    if account.provider is not provider_cls.provider:
        raise ValueError(f"{provider_cls.__name__} cannot sync a {account.provider} account")
    run = start_run(
        session,
        user_id=account.user_id,
        provider=account.provider,
        kind=kind,
        trigger=_trigger(job.call.trigger),
        platform_account_id=account.id,
        # The job's lease: while it has a heartbeat, this run is alive (reap_interrupted).
        details={"lease": job.call.lease_key},
    )
    job.commit()  # the card shows "Syncing…" from now on
    provider = provider_cls(job.settings)
    link = f"/settings#{account.provider.value}"
    word = KIND_WORDS.get(kind, kind.value)

    def save_credentials(credentials: dict[str, Any]) -> None:
        accounts.store_credentials(job.settings, account, credentials)

    def attempt() -> None:
        closed_for = rate_gate.wait_seconds(job.session_factory, account.id)
        if closed_for > INLINE_WAIT_SECONDS:
            raise _Deferred(closed_for, "Waiting for the provider's rate limit to reset.")
        if closed_for > 0:
            sleep(closed_for)
        ctx: SyncContext

        def commit_batch() -> None:
            # The batch's counts go into the run row in the batch's own transaction.
            record_batch(run, RunUpdate(counts=ctx.counts))
            ctx.counts = Counts()
            job.commit()

        ctx = SyncContext(
            session=session,
            settings=job.settings,
            account=account,
            run=run,
            credentials=accounts.read_credentials(job.settings, account),
            commit=commit_batch,
            save_credentials=save_credentials,
        )
        try:
            provider.sync(ctx, kind)
        except ProviderRateLimited as exc:
            session.rollback()  # earlier batches are committed; this one starts again
            raise _Deferred(exc.retry_after or 0.0, str(exc)) from exc
        except ProviderTransientError as exc:
            # Keep what earlier batches committed; close the gate for everyone.
            session.rollback()
            if exc.retry_after:
                rate_gate.close_for(job.session_factory, account.id, exc.retry_after)
            raise
        record_batch(run, RunUpdate(counts=ctx.counts))

    try:
        call_with_retry(attempt, attempts=attempts, sleep=sleep)
    except _Deferred as deferred:
        return _defer(job, run, deferred)
    except ProviderAuthError as exc:
        session.rollback()
        message = str(exc) or "The connection was refused."
        accounts.mark_failure(account, message, auth=True)
        finish_run(run, RunStatus.FAILED, message)
        notify(
            session,
            account.user_id,
            NotificationKind.CONNECTION_ERROR,
            f"{account.provider.value.title()} needs to be reconnected",
            f"{message} Open Settings and click Reconnect.",
            link,
        )
        job.commit()
        log.info("sync.%s.auth_error account=%s", account.provider.value, account.id)
        return run
    except Exception as exc:
        session.rollback()
        message = str(exc) or type(exc).__name__
        accounts.mark_failure(account, message, auth=False)
        finish_run(run, RunStatus.FAILED, message)
        if run.new_contacts:  # earlier batches committed new contacts
            request_identity_scan(session, account.user_id)
        notify(
            session,
            account.user_id,
            NotificationKind.SYNC_FAILED,
            f"{account.provider.value.title()} {word} sync failed",
            f"{message} It will be retried at the next scheduled sync; "
            "use Sync now in Settings to retry at once.",
            link,
        )
        job.commit()
        log.info("sync.%s.failed account=%s", account.provider.value, account.id)
        return run
    accounts.mark_success(account)
    finish_run(run, RunStatus.PARTIAL if run.errors else RunStatus.SUCCESS)
    if run.new_contacts:
        request_identity_scan(session, account.user_id)
    if run.trigger is not SyncTrigger.SCHEDULED:
        # A scheduled sync that went well needs nothing from the user: its result is in
        # Sync History. One the user started ("Sync now") says it is done.
        notify(
            session,
            account.user_id,
            NotificationKind.SYNC_FINISHED,
            f"{account.provider.value.title()} {word} sync finished",
            summary(run),
            link,
        )
    job.commit()
    return run


def _defer(job: JobContext, run: SyncRun, deferred: _Deferred) -> SyncRun:
    """End ``run`` as deferred: the gate stays closed and the job resumes after the wait."""
    assert run.platform_account_id is not None
    until = rate_gate.close_for(job.session_factory, run.platform_account_id, deferred.seconds)
    when = until.strftime("%H:%M UTC")
    reason = str(deferred).rstrip(".") or "The provider asked to wait"
    finish_run(run, RunStatus.DEFERRED, f"{reason}. The sync continues by itself at {when}.")
    run.details = {**(run.details or {}), "resume_at": until.isoformat(), "job": job.call.name}
    job.commit()
    log.info(
        "sync.%s.deferred account=%s until=%s", run.provider.value, run.platform_account_id, when
    )
    return run
