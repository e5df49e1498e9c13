"""Sync runs: the sync-history record of every sync or import, and its progress.

The run row is created when the run starts (or is queued), updated with counts and
progress in the same transaction as each batch it covers, and finished with a status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pingcrm.errors import NotFound
from pingcrm.kit.clock import utcnow
from pingcrm.kit.counts import Counts as Counts  # what a run (or one page of it) did
from pingcrm.models import Provider, RunStatus, SyncKind, SyncRun, SyncTrigger
from pingcrm.sync import repository
from pingcrm.worker import leases


@dataclass
class RunUpdate:
    """Progress to write on a run together with a batch."""

    counts: Counts = field(default_factory=Counts)
    progress_done: int | None = None
    progress_total: int | None = None
    details: dict[str, Any] | None = None


def start_run(
    session: Session,
    *,
    user_id: int,
    provider: Provider,
    kind: SyncKind,
    trigger: SyncTrigger,
    platform_account_id: int | None = None,
    status: RunStatus = RunStatus.RUNNING,
    details: dict[str, Any] | None = None,
) -> SyncRun:
    """Create the history record of a run (flushed, not committed)."""
    run = SyncRun(
        user_id=user_id,
        platform_account_id=platform_account_id,
        provider=provider,
        kind=kind,
        trigger=trigger,
        status=status,
        started_at=utcnow(),
        new_interactions=0,
        new_contacts=0,
        updated_contacts=0,
        skipped=0,
        errors=0,
        progress_done=0,
        details=details or {},
    )
    session.add(run)
    session.flush()
    return run


def get_run(session: Session, user_id: int, run_id: int) -> SyncRun:
    """The run ``run_id`` of ``user_id``; NotFound for unknown or other users' runs."""
    run = repository.get_run(session, user_id, run_id)
    if run is None:
        raise NotFound("This run does not exist.")
    return run


def mark_running(run: SyncRun) -> None:
    """A queued (or interrupted) run is running again (an old error text goes)."""
    run.status = RunStatus.RUNNING
    run.finished_at = None
    run.error_text = None


MAX_ERROR_TEXT = 2000


def note_error(run: SyncRun, message: str) -> None:
    """Record why part of ``run`` failed while it goes on: Sync History shows it when the
    run ends partial. Several notes are joined (each once)."""
    message = message.strip()
    if not message:
        return
    current = run.error_text or ""
    if message in current:
        return
    run.error_text = (f"{current} {message}" if current else message)[:MAX_ERROR_TEXT]


def record_batch(run: SyncRun, update: RunUpdate) -> None:
    """Add a batch's counts and progress to ``run`` (same transaction as the batch)."""
    run.new_interactions += update.counts.new_interactions
    run.new_contacts += update.counts.new_contacts
    run.updated_contacts += update.counts.updated_contacts
    run.skipped += update.counts.skipped
    run.errors += update.counts.errors
    if update.progress_done is not None:
        run.progress_done = update.progress_done
    if update.progress_total is not None:
        run.progress_total = update.progress_total
    if update.details:
        run.details = {**(run.details or {}), **update.details}


def finish_run(run: SyncRun, status: RunStatus, error: str | None = None) -> None:
    """Close ``run`` with ``status`` and the error text a user reads: ``error``, or, for
    a partial run, what :func:`note_error` recorded along the way (kept visible)."""
    run.status = status
    run.finished_at = utcnow()
    if error is not None or status is not RunStatus.PARTIAL:
        run.error_text = error
    if status in (RunStatus.SUCCESS, RunStatus.PARTIAL) and run.progress_total is not None:
        run.progress_done = run.progress_total


def percent(run: SyncRun) -> int | None:
    """Progress in percent, when the total is known."""
    if not run.progress_total:
        return None if run.status is RunStatus.RUNNING else 100
    return max(0, min(100, round(100 * run.progress_done / run.progress_total)))


def duration_seconds(run: SyncRun) -> float | None:
    """How long the run took (None while running)."""
    if run.finished_at is None:
        return None
    return (run.finished_at - run.started_at).total_seconds()


INTERRUPTED = (
    "Interrupted: the process running this sync stopped. What it had saved is kept; "
    "it continues at the next scheduled sync, or now with Sync now."
)


def reap_interrupted(session: Session, engine: Engine) -> int:
    """Mark as failed every account sync still "running" whose job lost its heartbeat
    (the process was killed); how many. Runs younger than a heartbeat are left alone."""
    started_before = utcnow() - timedelta(seconds=leases.HEARTBEAT_SECONDS)
    reaped = 0
    for run in repository.running_account_runs(session, started_before):
        lease = (run.details or {}).get("lease")
        if lease and leases.holder_of(engine, str(lease)) is not None:
            continue  # alive: its job still beats
        finish_run(run, RunStatus.FAILED, INTERRUPTED)
        reaped += 1
    session.flush()
    return reaped
