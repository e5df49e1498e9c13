"""interactions: one message, email, mention, meeting or call with a contact."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pingcrm.models.base import Base, str_enum
from pingcrm.models.enums import Direction, InteractionKind, Platform
from pingcrm.models.mixins import OwnedByUser, Timestamps


class Interaction(OwnedByUser, Timestamps, Base):
    __tablename__ = "interactions"
    __table_args__ = (
        # Re-running any sync or import never creates a duplicate.
        UniqueConstraint("user_id", "platform", "provider_id"),
        Index("ix_interactions_contact_time", "contact_id", "occurred_at"),
        Index("ix_interactions_user_time", "user_id", "occurred_at"),
        # Platform filter of the contacts list (migration 0004).
        Index("ix_interactions_contact_platform", "contact_id", "platform"),
    )
    # The unique (user_id, platform, provider_id) and (user_id, occurred_at) indexes serve
    # every lookup by user.
    user_id_index = False
    # Owned through the contact (migration 0020).
    user_id_foreign_key = False

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    platform: Mapped[Platform] = mapped_column(str_enum(Platform))
    kind: Mapped[InteractionKind] = mapped_column(str_enum(InteractionKind))
    direction: Mapped[Direction] = mapped_column(str_enum(Direction))
    occurred_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    subject: Mapped[str | None] = mapped_column(String(500))
    preview: Mapped[str] = mapped_column(String(500), default="")
    provider_id: Mapped[str] = mapped_column(String(255))
    thread_id: Mapped[str | None] = mapped_column(String(255))
    platform_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("platform_accounts.id", ondelete="SET NULL"), index=True
    )
    # Outbound messages: read by the other side (Telegram read receipts); None if unknown.
    is_read: Mapped[bool | None]
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)
