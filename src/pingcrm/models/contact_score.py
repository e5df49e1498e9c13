"""contact_scores: each contact's relationship score and its parts, one narrow row per
contact.

The nightly recompute rewrites many scores: here a changed score updates a row of four
columns and two indexes, not the wide contacts row and its indexes (migration 0018).
Every contact has its row: bulk paths insert it with the contact, an ORM-added contact
gets it from the ``after_insert`` listener below."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Connection, ForeignKey, Index, insert
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from pingcrm.models.base import Base


class ContactScore(Base):
    __tablename__ = "contact_scores"
    __table_args__ = (
        # The contacts list sorted by score walks this index (id breaks ties).
        Index("ix_contact_scores_user_score", "user_id", "score", "contact_id"),
    )

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    # The contact's owner; deleted with the contact (no users foreign key: migration 0020).
    user_id: Mapped[int]
    score: Mapped[int] = mapped_column(default=0)
    parts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def add_score_row(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    """A contact added through the ORM starts with score 0 (bulk inserts write their
    score rows themselves)."""
    connection.execute(
        insert(ContactScore).values(contact_id=target.id, user_id=target.user_id, score=0, parts={})
    )
