"""mcp_keys, extension_pairings and extension_tokens: credentials of AI clients and
the LinkedIn extension (only digests or ids are stored)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from pingcrm.models.base import Base
from pingcrm.models.mixins import OwnedByUser, Timestamps


class McpKey(Timestamps, Base):
    __tablename__ = "mcp_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    # HMAC-SHA256 of the key with the server's MCP secret, hex.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    allow_changes: Mapped[bool] = mapped_column(default=False)
    last_used_at: Mapped[datetime | None]


class ExtensionPairing(Timestamps, Base):
    __tablename__ = "extension_pairings"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    expires_at: Mapped[datetime]
    claimed_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    claimed_at: Mapped[datetime | None]
    token_delivered_at: Mapped[datetime | None]


class ExtensionToken(OwnedByUser, Timestamps, Base):
    __tablename__ = "extension_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    jti: Mapped[str] = mapped_column(String(64), unique=True)
    pairing_id: Mapped[int | None] = mapped_column(
        ForeignKey("extension_pairings.id", ondelete="SET NULL"), index=True
    )
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
