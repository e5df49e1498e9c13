"""telegram_peers: the Telegram users an account has seen (chat partners and group
members): the access hash Telegram requires to address them again from a fresh session
(bios, sending), and when their bio was last read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pingcrm.models.base import Base
from pingcrm.models.mixins import OwnedByUser, Timestamps


class TelegramPeer(OwnedByUser, Timestamps, Base):
    __tablename__ = "telegram_peers"
    __table_args__ = (
        UniqueConstraint("platform_account_id", "peer_id"),
        Index("ix_telegram_peers_account_bio", "platform_account_id", "bio_checked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_account_id: Mapped[int] = mapped_column(
        ForeignKey("platform_accounts.id", ondelete="CASCADE")
    )
    # Telegram's user id and the access hash this account was given for it.
    peer_id: Mapped[int] = mapped_column(BigInteger)
    access_hash: Mapped[int] = mapped_column(BigInteger, default=0)
    bio_checked_at: Mapped[datetime | None]
