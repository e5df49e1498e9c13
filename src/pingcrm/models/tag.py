"""tag_categories, tags and contact_tags: a per-user taxonomy of categories → tags."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pingcrm.models.base import Base
from pingcrm.models.mixins import OwnedByUser, Timestamps


class TagCategory(OwnedByUser, Timestamps, Base):
    __tablename__ = "tag_categories"
    __table_args__ = (UniqueConstraint("user_id", "normalized_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    normalized_name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)


class Tag(OwnedByUser, Timestamps, Base):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("user_id", "normalized_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("tag_categories.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    # Tags are case-insensitive and unique per user.
    normalized_name: Mapped[str] = mapped_column(String(100))


contact_tags = Table(
    "contact_tags",
    Base.metadata,
    Column("contact_id", ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)
