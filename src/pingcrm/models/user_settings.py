"""user_settings: one row per user with their preferences (follow-up rules, AI, identity)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pingcrm.models.base import Base
from pingcrm.models.mixins import Timestamps


class UserSettings(Timestamps, Base):
    __tablename__ = "user_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    followup_high_days: Mapped[int] = mapped_column(default=30)
    followup_medium_days: Mapped[int] = mapped_column(default=60)
    followup_low_days: Mapped[int] = mapped_column(default=180)
    daily_suggestion_budget: Mapped[int] = mapped_column(default=5)
    ai_provider: Mapped[str] = mapped_column(String(32), default="none")
    ai_model: Mapped[str] = mapped_column(String(200), default="")
    ai_base_url: Mapped[str] = mapped_column(String(500), default="")
    ai_api_key_encrypted: Mapped[str | None] = mapped_column(Text)
    identity_auto_merge_probable: Mapped[bool] = mapped_column(default=False)
    # Set when an import or sync created contacts; the identity.scan_requested job scans
    # (one pending scan per user, however many imports asked; migration 0009).
    identity_scan_requested_at: Mapped[datetime | None]
    primary_gmail_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("platform_accounts.id", ondelete="SET NULL")
    )
    # CSV column mappings the user chose, keyed by the file's normalised header, reused
    # for the next file with the same header (migration 0016).
    import_mappings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
