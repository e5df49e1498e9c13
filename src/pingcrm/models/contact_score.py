"""contact_scores: each contact's relationship score and its parts, one narrow row per
contact.

The nightly recompute rewrites many scores: here a changed score updates a narrow row and
its indexes, not the wide contacts row and its indexes (migration 0018). Every contact
has its row: bulk paths insert it with the contact, an ORM-added contact gets it from
the ``after_insert`` listener below.

``listed`` repeats whether the contact shows in the default list (neither 2nd-tier nor
archived), so that the dashboard counts the hidden contacts' tiers from a small partial
index instead of joining every score row to the contacts (13 ms at 100k contacts on
PostgreSQL). Inserts set it from the new contact's values (:func:`is_listed`); a
trigger on the contacts keeps it when their 2nd-tier flag or priority changes (migration
0026)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Connection, ForeignKey, Index, insert, text, true
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from pingcrm.models.base import Base
from pingcrm.models.enums import Priority

# The score rows of hidden (2nd-tier or archived) contacts, as the SQL of their partial
# index: a query uses it only when it repeats this condition with the same constant.
HIDDEN_SCORES_SQL = "listed = false"


class ContactScore(Base):
    __tablename__ = "contact_scores"
    __table_args__ = (
        # The contacts list sorted by score walks this index (id breaks ties).
        Index("ix_contact_scores_user_score", "user_id", "score", "contact_id"),
        # The dashboard's tiers of hidden contacts (few: listed rows never enter it).
        Index(
            "ix_contact_scores_user_hidden",
            "user_id",
            "score",
            sqlite_where=text(HIDDEN_SCORES_SQL),
            postgresql_where=text(HIDDEN_SCORES_SQL),
        ),
    )

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    # The contact's owner; deleted with the contact (no users foreign key: migration 0020).
    user_id: Mapped[int]
    score: Mapped[int] = mapped_column(default=0)
    parts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    listed: Mapped[bool] = mapped_column(default=True, server_default=true())


def is_listed(is_second_tier: bool | None, priority: Priority | str | None) -> bool:
    """Whether a contact shows in the default list: neither 2nd-tier nor archived."""
    return not is_second_tier and priority != Priority.ARCHIVED


def add_score_row(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    """A contact added through the ORM starts with score 0 (bulk inserts write their
    score rows themselves)."""
    connection.execute(
        insert(ContactScore).values(
            contact_id=target.id,
            user_id=target.user_id,
            score=0,
            parts={},
            listed=is_listed(target.is_second_tier, target.priority),
        )
    )
