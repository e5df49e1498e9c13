"""platform_accounts: connections to providers, credentials encrypted at rest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pingcrm.models.base import Base, str_enum
from pingcrm.models.enums import Provider
from pingcrm.models.mixins import OwnedByUser, Timestamps


class PlatformAccount(OwnedByUser, Timestamps, Base):
    __tablename__ = "platform_accounts"
    __table_args__ = (UniqueConstraint("user_id", "provider", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[Provider] = mapped_column(str_enum(Provider))
    # The external identity: an email address, a phone number, a handle.
    external_id: Mapped[str] = mapped_column(String(320))
    display_name: Mapped[str | None] = mapped_column(String(300))
    # Fernet token (kit.crypto); never plaintext.
    credentials_encrypted: Mapped[str | None] = mapped_column(Text)
    scopes: Mapped[str] = mapped_column(Text, default="")
    sync_settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_attempt_failed: Mapped[bool] = mapped_column(default=False)
    last_error_is_auth: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    last_synced_at: Mapped[datetime | None]
    # A per-account rate gate: no job of this account calls the provider before this time.
    rate_limited_until: Mapped[datetime | None]
