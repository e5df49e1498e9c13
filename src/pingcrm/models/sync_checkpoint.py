"""sync_checkpoints: where each sync of an account resumes (historyId, sync token, …)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pingcrm.models.base import Base
from pingcrm.models.mixins import Timestamps


class SyncCheckpoint(Timestamps, Base):
    __tablename__ = "sync_checkpoints"
    __table_args__ = (UniqueConstraint("platform_account_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_account_id: Mapped[int] = mapped_column(
        ForeignKey("platform_accounts.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(100))
    cursor: Mapped[str] = mapped_column(Text)
