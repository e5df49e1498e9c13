"""identity_matches and merge_records: duplicate candidates and reversible merges."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pingcrm.models.base import Base, str_enum
from pingcrm.models.enums import MatchStatus
from pingcrm.models.mixins import OwnedByUser, Timestamps


class IdentityMatch(OwnedByUser, Timestamps, Base):
    """A candidate pair; ``contact_a_id < contact_b_id`` so each pair exists once."""

    __tablename__ = "identity_matches"
    __table_args__ = (
        UniqueConstraint("user_id", "contact_a_id", "contact_b_id"),
        # The review queue: a user's pending pairs, best first (migration 0009).
        Index("ix_identity_matches_user_status", "user_id", "status", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_a_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    contact_b_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float]
    tier: Mapped[int]
    signals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[MatchStatus] = mapped_column(str_enum(MatchStatus), default=MatchStatus.PENDING)
    decided_at: Mapped[datetime | None]


class MergeRecord(OwnedByUser, Timestamps, Base):
    """A merge with a full snapshot of the absorbed contact, so it can be undone exactly."""

    __tablename__ = "merge_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    absorbed_contact_id: Mapped[int]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    undone_at: Mapped[datetime | None]
