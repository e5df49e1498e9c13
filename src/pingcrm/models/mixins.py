"""Column helpers shared by tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from pingcrm.kit.clock import utcnow


class Timestamps:
    """``created_at``/``updated_at`` columns, set from the application clock."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OwnedByUser:
    """A ``user_id`` column: every user-owned row says whose it is (isolation).

    The column has an index of its own unless the table sets ``user_id_index = False``
    because a unique index already leads with ``user_id``: then the planner could pick
    the narrow index for a lookup by the unique key of a user it has no statistics for
    yet, and walk all of that user's rows once per key (migration 0019).

    A table whose rows each belong to a contact sets ``user_id_foreign_key = False``: the
    column copies the contact's owner, and the contact's foreign keys already delete the
    row with its user; on PostgreSQL a foreign key costs a trigger per inserted row
    (migration 0020, which leaves SQLite's schema as it was)."""

    user_id_index: bool = True
    user_id_foreign_key: bool = True

    @declared_attr
    def user_id(cls) -> Mapped[int]:
        if not cls.user_id_foreign_key:
            return mapped_column(index=cls.user_id_index)
        return mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=cls.user_id_index)
