"""sync_runs: the sync history, one row per run of a sync or import."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from pingcrm.models.base import Base, str_enum
from pingcrm.models.enums import Provider, RunStatus, SyncKind, SyncTrigger
from pingcrm.models.mixins import OwnedByUser


class SyncRun(OwnedByUser, Base):
    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_user_provider", "user_id", "provider", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("platform_accounts.id", ondelete="SET NULL"), index=True
    )
    provider: Mapped[Provider] = mapped_column(str_enum(Provider))
    kind: Mapped[SyncKind] = mapped_column(str_enum(SyncKind, 24))
    trigger: Mapped[SyncTrigger] = mapped_column(str_enum(SyncTrigger))
    status: Mapped[RunStatus] = mapped_column(str_enum(RunStatus))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    new_interactions: Mapped[int] = mapped_column(default=0)
    new_contacts: Mapped[int] = mapped_column(default=0)
    updated_contacts: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    error_text: Mapped[str | None] = mapped_column(Text)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None]
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
