"""notifications: what PingCRM tells the user (sync results, errors, new suggestions)."""

from __future__ import annotations

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pingcrm.models.base import Base, str_enum
from pingcrm.models.enums import NotificationKind
from pingcrm.models.mixins import OwnedByUser, Timestamps


class Notification(OwnedByUser, Timestamps, Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "is_read"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind, 32))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))
    is_read: Mapped[bool] = mapped_column(default=False)
    # How many times the same notice came while unread (grouped; migration 0016).
    repeat_count: Mapped[int] = mapped_column(default=1, server_default="1")
