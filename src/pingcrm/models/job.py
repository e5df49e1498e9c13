"""job_leases, job_runs and scheduler_heartbeats: the background-job bookkeeping."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pingcrm.models.base import Base, str_enum
from pingcrm.models.enums import RunStatus


class JobLease(Base):
    """A held lease: the job for ``key`` runs in one place at a time until ``expires_at``."""

    __tablename__ = "job_leases"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class JobRun(Base):
    """One execution (or skipped attempt) of a registered job."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_name_started", "job_name", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(String(100))
    scope_key: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    trigger: Mapped[str] = mapped_column(String(16))
    status: Mapped[RunStatus] = mapped_column(str_enum(RunStatus))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    # Progress of long jobs that are not syncs (e.g. applying tags to every contact).
    progress_done: Mapped[int | None]
    progress_total: Mapped[int | None]
    summary: Mapped[str | None] = mapped_column(Text)


class SchedulerHeartbeat(Base):
    """When a scheduler last ticked (the Background jobs panel and its red banner)."""

    __tablename__ = "scheduler_heartbeats"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    runner: Mapped[str] = mapped_column(String(32))
    ticked_at: Mapped[datetime]
