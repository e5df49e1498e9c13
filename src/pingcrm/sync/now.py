""" "Sync now" for any integration: enqueue the job that syncs one kind of one account.

A per-account job declares what it syncs with ``register_sync_job(provider, kind, name)``;
jobs that did not are found by convention (a per-account job of the provider whose name
ends in ``<kind>_sync``).
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.errors import NotFound, ValidationFailed
from pingcrm.models import PlatformAccount, Provider, SyncKind, SyncRun
from pingcrm.platform_accounts import service as accounts
from pingcrm.sync.repository import latest_run
from pingcrm.worker.context import JobCall
from pingcrm.worker.registry import Fanout, load_jobs
from pingcrm.worker.runner import Runner, submit_after_commit

SYNC_JOBS: dict[tuple[Provider, SyncKind], str] = {}


def register_sync_job(provider: Provider, kind: SyncKind, job_name: str) -> None:
    """Declare ``job_name`` as the per-account job that syncs ``kind`` of ``provider``."""
    SYNC_JOBS[(provider, kind)] = job_name


def sync_job_name(provider: Provider, kind: SyncKind) -> str | None:
    """The job syncing ``kind`` of ``provider`` accounts, or None."""
    registry = load_jobs()
    name = SYNC_JOBS.get((provider, kind))
    if name is not None and name in registry:
        return name
    for spec in registry.values():
        if (
            spec.fanout is Fanout.ACCOUNT
            and spec.provider is provider
            and spec.name.endswith(f"{kind.value}_sync")
        ):
            return spec.name
    return None


def parse_kind(value: str) -> SyncKind:
    """The sync kind named ``value`` (NotFound for unknown words)."""
    try:
        return SyncKind(value)
    except ValueError as exc:
        raise NotFound("There is no such sync.") from exc


def sync_now(
    session: Session, runner: Runner, user_id: int, account_id: int, kind: SyncKind
) -> PlatformAccount:
    """Enqueue the ``kind`` sync of the user's account (after the caller's commit)."""
    account = accounts.get_account(session, user_id, account_id)
    name = sync_job_name(account.provider, kind)
    if name is None:
        raise NotFound(f"{account.provider.value.title()} has no {kind.value} sync.")
    if not account.credentials_encrypted:
        raise ValidationFailed("This account is disconnected: connect it again first.")
    submit_after_commit(
        session,
        runner,
        JobCall(name, user_id=user_id, account_id=account.id, trigger="manual"),
    )
    return account


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
) -> SyncRun | None:
    """Run the ``kind`` sync of ``account`` in this process; its history record."""
    from pingcrm.worker.execute import execute

    name = sync_job_name(account.provider, kind)
    if name is None:
        raise NotFound(f"{account.provider.value.title()} has no {kind.value} sync.")
    execute(
        JobCall(name, user_id=account.user_id, account_id=account.id, trigger="manual"),
        settings=settings,
        engine=engine,
        session_factory=factory,
    )
    with factory() as session:
        return latest_run(session, account.user_id, account.id, kind)
