"""suggestions: who to reach out to, why, and a drafted message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pingcrm.models.base import Base, str_enum
from pingcrm.models.enums import SuggestionStatus
from pingcrm.models.mixins import OwnedByUser, Timestamps


class Suggestion(OwnedByUser, Timestamps, Base):
    __tablename__ = "suggestions"
    __table_args__ = (Index("ix_suggestions_user_status", "user_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    trigger: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    # The rule that fired and the numbers behind it.
    why: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[SuggestionStatus] = mapped_column(
        str_enum(SuggestionStatus), default=SuggestionStatus.PENDING
    )
    # Higher first: birthdays, then events, then richer history and longer silence.
    rank: Mapped[float | None]
    snoozed_until: Mapped[datetime | None]
    acted_at: Mapped[datetime | None]
    llm_model: Mapped[str | None] = mapped_column(String(200))
    llm_prompt: Mapped[str | None] = mapped_column(Text)
