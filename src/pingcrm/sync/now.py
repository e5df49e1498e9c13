""" "Sync now" for any integration: enqueue the job that syncs one kind of one account.

Which job syncs what is the app's wiring (:func:`pingcrm.wiring.providers.sync_job_name`);
the web and CLI adapters pass it in as ``jobs``.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.errors import Conflict, NotFound, ValidationFailed
from pingcrm.models import PlatformAccount, Provider, SyncKind, SyncRun
from pingcrm.platform_accounts import service as accounts
from pingcrm.sync.repository import latest_run
from pingcrm.sync.runs import reap_interrupted
from pingcrm.worker import leases
from pingcrm.worker.context import JobCall
from pingcrm.worker.execute import Outcome, execute
from pingcrm.worker.runner import Runner, submit_after_commit

SyncJobs = Callable[[Provider, SyncKind], str | None]
"""Which job syncs a kind of a provider (``pingcrm.wiring.providers.sync_job_name``)."""


def _job_name(jobs: SyncJobs, provider: Provider, kind: SyncKind) -> str:
    name = jobs(provider, kind)
    if name is None:
        raise NotFound(f"{provider.value.title()} has no {kind.value} sync.")
    return name


def parse_kind(value: str) -> SyncKind:
    """The sync kind named ``value`` (NotFound for unknown words)."""
    try:
        return SyncKind(value)
    except ValueError as exc:
        raise NotFound("There is no such sync.") from exc


def sync_now(
    session: Session,
    runner: Runner,
    user_id: int,
    account_id: int,
    kind: SyncKind,
    jobs: SyncJobs,
) -> PlatformAccount:
    """Enqueue the ``kind`` sync of the user's account (after the caller's commit)."""
    account = accounts.get_account(session, user_id, account_id)
    name = _job_name(jobs, account.provider, kind)
    if not account.credentials_encrypted:
        raise ValidationFailed("This account is disconnected: connect it again first.")
    call = JobCall(name, user_id=user_id, account_id=account.id, trigger="manual")
    _refuse_when_running(session, call)
    submit_after_commit(session, runner, call)
    return account


def _refuse_when_running(session: Session, call: JobCall) -> None:
    """Say plainly when this sync is already running (a live job holds its lease), after
    closing the runs of syncs that died, so a killed sync never blocks Sync now."""
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    reap_interrupted(session, engine)
    if leases.holder_of(engine, call.lease_key) is not None:
        raise Conflict(
            "This sync is already running. It goes on by itself; its progress is on the "
            "card, and Sync now works again once it has finished."
        )


def find_account(
    session: Session, user_id: int, provider: Provider, address: str | None
) -> PlatformAccount:
    """The user's connected account of ``provider`` (the one with ``address`` when given)."""
    rows = [
        a for a in accounts.list_accounts(session, user_id, provider) if a.credentials_encrypted
    ]
    if address:
        wanted = address.strip().lower()
        rows = [a for a in rows if a.external_id.lower() == wanted]
    if not rows:
        what = f" {address}" if address else ""
        raise NotFound(f"No connected {provider.value.title()} account{what}.")
    if len(rows) > 1:
        choices = ", ".join(a.external_id for a in rows)
        raise ValidationFailed(f"Several accounts are connected ({choices}): pick one.")
    return rows[0]


def run_in_foreground(
    settings: Settings,
    engine: Engine,
    factory: sessionmaker[Session],
    account: PlatformAccount,
    kind: SyncKind,
    jobs: SyncJobs,
) -> SyncRun | None:
    """Run the ``kind`` sync of ``account`` in this process; its history record."""
    name = _job_name(jobs, account.provider, kind)
    call = JobCall(name, user_id=account.user_id, account_id=account.id, trigger="manual")
    with factory.begin() as session:
        _refuse_when_running(session, call)
    result = execute(call, settings=settings, engine=engine, session_factory=factory)
    if result.outcome is Outcome.SKIPPED:
        raise Conflict("This sync was started elsewhere a moment ago: it is running there.")
    with factory() as session:
        return latest_run(session, account.user_id, account.id, kind)
