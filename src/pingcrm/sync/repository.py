"""SQL of sync runs, checkpoints and account rate gates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pingcrm.kit.clock import utcnow
from pingcrm.models import (
    PlatformAccount,
    Provider,
    RunStatus,
    SyncCheckpoint,
    SyncKind,
    SyncRun,
)


def get_run(session: Session, user_id: int, run_id: int) -> SyncRun | None:
    return session.execute(
        select(SyncRun).where(SyncRun.id == run_id, SyncRun.user_id == user_id)
    ).scalar_one_or_none()


def get_run_for_update(session: Session, run_id: int) -> SyncRun | None:
    """The run row, by id only (job side; the job was enqueued with its owner's run)."""
    return session.get(SyncRun, run_id)


def list_runs(
    session: Session, user_id: int, provider: Provider | None, limit: int, offset: int
) -> tuple[list[SyncRun], int]:
    """Runs of the user (of one provider), newest first, and their total."""
    where = [SyncRun.user_id == user_id]
    if provider is not None:
        where.append(SyncRun.provider == provider)
    total = session.execute(select(func.count()).select_from(SyncRun).where(*where)).scalar_one()
    rows = session.execute(
        select(SyncRun)
        .where(*where)
        .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
        .limit(limit)
        .offset(offset)
    ).scalars()
    return list(rows), int(total)


def active_runs(session: Session, user_id: int, provider: Provider | None) -> list[SyncRun]:
    """Queued or running runs of the user."""
    where = [
        SyncRun.user_id == user_id,
        SyncRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]),
    ]
    if provider is not None:
        where.append(SyncRun.provider == provider)
    return list(session.execute(select(SyncRun).where(*where).order_by(SyncRun.id)).scalars())


def stale_runs(
    session: Session, kind: SyncKind, statuses: list[RunStatus], started_before: datetime
) -> list[tuple[int, int]]:
    """(user id, run id) of runs of ``kind`` in ``statuses`` started before a time."""
    rows = session.execute(
        select(SyncRun.user_id, SyncRun.id)
        .where(
            SyncRun.kind == kind,
            SyncRun.status.in_(statuses),
            SyncRun.started_at < started_before,
        )
        .order_by(SyncRun.id)
    ).all()
    return [(r[0], r[1]) for r in rows]


def get_checkpoint(session: Session, account_id: int, name: str) -> str | None:
    return session.execute(
        select(SyncCheckpoint.cursor).where(
            SyncCheckpoint.platform_account_id == account_id, SyncCheckpoint.name == name
        )
    ).scalar_one_or_none()


def put_checkpoint(session: Session, account_id: int, name: str, cursor: str) -> None:
    """Upsert a checkpoint (in the caller's transaction)."""
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    stmt = insert_fn(SyncCheckpoint).values(
        platform_account_id=account_id, name=name, cursor=cursor, created_at=now, updated_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[SyncCheckpoint.platform_account_id, SyncCheckpoint.name],
        set_={"cursor": stmt.excluded.cursor, "updated_at": now},
    )
    session.execute(stmt)


def rate_limited_until(session: Session, account_id: int) -> datetime | None:
    return session.execute(
        select(PlatformAccount.rate_limited_until).where(PlatformAccount.id == account_id)
    ).scalar_one_or_none()


def set_rate_limited_until(session: Session, account_id: int, until: datetime) -> None:
    """Push the account's gate to ``until`` (never pulls it earlier)."""
    session.execute(
        update(PlatformAccount)
        .where(
            PlatformAccount.id == account_id,
            (PlatformAccount.rate_limited_until.is_(None))
            | (PlatformAccount.rate_limited_until < until),
        )
        .values(rate_limited_until=until)
    )


def latest_run(session: Session, user_id: int, account_id: int, kind: SyncKind) -> SyncRun | None:
    """The newest run of ``kind`` of the user's account."""
    return session.execute(
        select(SyncRun)
        .where(
            SyncRun.user_id == user_id,
            SyncRun.platform_account_id == account_id,
            SyncRun.kind == kind,
        )
        .order_by(SyncRun.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def deferred_runs(session: Session) -> list[SyncRun]:
    """Every account's newest run of a kind when that run is deferred (all users)."""
    waiting = select(SyncRun.platform_account_id).where(SyncRun.status == RunStatus.DEFERRED)
    newest = (
        select(func.max(SyncRun.id))
        .where(SyncRun.platform_account_id.in_(waiting))
        .group_by(SyncRun.platform_account_id, SyncRun.kind)
    )
    return list(
        session.execute(
            select(SyncRun).where(SyncRun.id.in_(newest), SyncRun.status == RunStatus.DEFERRED)
        ).scalars()
    )


def running_account_runs(session: Session, started_before: datetime) -> list[SyncRun]:
    """Account syncs (all users) still marked running that started before a time."""
    return list(
        session.execute(
            select(SyncRun).where(
                SyncRun.status == RunStatus.RUNNING,
                SyncRun.platform_account_id.is_not(None),
                SyncRun.started_at < started_before,
            )
        ).scalars()
    )
