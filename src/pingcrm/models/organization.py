"""organizations: companies grouping contacts (normalised name or email domain)."""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pingcrm.models.base import Base
from pingcrm.models.mixins import OwnedByUser, Timestamps


class Organization(OwnedByUser, Timestamps, Base):
    __tablename__ = "organizations"
    __table_args__ = (UniqueConstraint("user_id", "normalized_name"),)
    # The unique (user_id, normalized_name) leads with user_id (migration 0021).
    user_id_index = False

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    normalized_name: Mapped[str] = mapped_column(String(300))
    domain: Mapped[str | None] = mapped_column(String(255), index=True)
