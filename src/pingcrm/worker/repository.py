"""SQL of the job bookkeeping: job runs, heartbeats, fan-out scopes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pingcrm.models import JobRun, PlatformAccount, Provider, RunStatus, SchedulerHeartbeat, User


def add_run(
    engine: Engine,
    *,
    job_name: str,
    scope_key: str,
    user_id: int | None,
    trigger: str,
    status: RunStatus,
    started_at: datetime,
    finished_at: datetime | None = None,
    error: str | None = None,
) -> int:
    """Insert a job_runs row in its own transaction; its id."""
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(JobRun)
                .values(
                    job_name=job_name,
                    scope_key=scope_key[:200],
                    user_id=user_id,
                    trigger=trigger[:16],
                    status=status,
                    started_at=started_at,
                    finished_at=finished_at,
                    error=error,
                )
                .returning(JobRun.id)
            ).scalar_one()
        )


def finish_run(
    engine: Engine, run_id: int, status: RunStatus, finished_at: datetime, error: str | None
) -> None:
    """Record the end of a job run."""
    with engine.begin() as conn:
        conn.execute(
            update(JobRun)
            .where(JobRun.id == run_id)
            .values(status=status, finished_at=finished_at, error=error)
        )


def last_started(engine: Engine, job_name: str) -> datetime | None:
    """When ``job_name`` last started (any scope; skipped attempts excluded)."""
    with engine.connect() as conn:
        value = conn.execute(
            select(func.max(JobRun.started_at)).where(
                JobRun.job_name == job_name, JobRun.status != RunStatus.SKIPPED
            )
        ).scalar()
    # func.max keeps the column type, so the value comes back UTC-aware.
    return value if isinstance(value, datetime) else None


def latest_runs_for(session: Session, user_id: int, names: list[str]) -> dict[str, JobRun]:
    """The most recent run of each job in ``names`` that is the user's or global."""
    if not names:
        return {}
    newest = (
        select(JobRun.job_name, func.max(JobRun.id).label("id"))
        .where(
            JobRun.job_name.in_(names),
            (JobRun.user_id == user_id) | (JobRun.user_id.is_(None)),
        )
        .group_by(JobRun.job_name)
        .subquery()
    )
    rows = session.execute(select(JobRun).join(newest, JobRun.id == newest.c.id)).scalars()
    return {row.job_name: row for row in rows}


def all_user_ids(session: Session) -> list[int]:
    """Every user (per-user fan-out)."""
    return list(session.execute(select(User.id).order_by(User.id)).scalars())


def auto_sync_account_ids(
    session: Session, provider: Provider, *, only_auto_sync: bool = True
) -> list[tuple[int, int]]:
    """(account id, user id) of connected accounts of ``provider`` (with auto-sync on,
    unless ``only_auto_sync`` is False)."""
    rows = session.execute(
        select(PlatformAccount.id, PlatformAccount.user_id, PlatformAccount.sync_settings)
        .where(
            PlatformAccount.provider == provider,
            PlatformAccount.credentials_encrypted.is_not(None),
            PlatformAccount.last_error_is_auth.is_(False),
        )
        .order_by(PlatformAccount.id)
    ).all()
    return [
        (r[0], r[1])
        for r in rows
        if not only_auto_sync or (r[2] or {}).get("auto_sync", True) is not False
    ]


def beat(engine: Engine, name: str, runner: str, at: datetime) -> None:
    """Record that scheduler ``name`` ticked at ``at``."""
    insert_fn = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    stmt = insert_fn(SchedulerHeartbeat).values(name=name, runner=runner, ticked_at=at)
    stmt = stmt.on_conflict_do_update(
        index_elements=[SchedulerHeartbeat.name],
        set_={"runner": stmt.excluded.runner, "ticked_at": stmt.excluded.ticked_at},
    )
    with engine.begin() as conn:
        conn.execute(stmt)


def last_heartbeat(session: Session) -> SchedulerHeartbeat | None:
    """The most recent scheduler tick, whichever scheduler made it."""
    return session.execute(
        select(SchedulerHeartbeat).order_by(SchedulerHeartbeat.ticked_at.desc()).limit(1)
    ).scalar_one_or_none()
