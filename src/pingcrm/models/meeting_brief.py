"""meeting_briefs: one row per (user, event, start) so a brief is never sent twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pingcrm.models.base import Base
from pingcrm.models.mixins import OwnedByUser, Timestamps


class MeetingBrief(OwnedByUser, Timestamps, Base):
    __tablename__ = "meeting_briefs"
    __table_args__ = (UniqueConstraint("user_id", "event_id", "event_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255))
    event_start: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
