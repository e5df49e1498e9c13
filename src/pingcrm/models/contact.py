"""contacts: people, with denormalised counters kept by the interaction service."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pingcrm.models.base import Base, str_enum
from pingcrm.models.contact_score import ContactScore, add_score_row
from pingcrm.models.enums import Priority
from pingcrm.models.mixins import OwnedByUser, Timestamps

if TYPE_CHECKING:
    from pingcrm.models.contact_identifier import ContactIdentifier
    from pingcrm.models.organization import Organization
    from pingcrm.models.tag import Tag


# Listed (not 2nd-tier) high-priority contacts, as SQL constants: a partial index is used
# only by a query that repeats its condition with the same constants.
HIGH_PRIORITY_LISTED_SQL = f"priority = '{Priority.HIGH.value}' AND is_second_tier = false"


class Contact(OwnedByUser, Timestamps, Base):
    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("user_id", "bcc_hash"),
        # The list orders by (column, id): the id makes the index give that order
        # (migration 0007).
        Index("ix_contacts_user_name", "user_id", "sort_name", "id"),
        Index("ix_contacts_user_last_interaction", "user_id", "last_interaction_at"),
        Index("ix_contacts_user_interaction_count", "user_id", "interaction_count"),
        # Dashboard and organizations pages (migration 0003; scores moved out in 0018). The
        # id closes the tier and birthday indexes so that PostgreSQL answers "which
        # contacts" from the index alone, as SQLite does with its rowid (migration 0023).
        Index("ix_contacts_user_tier", "user_id", "is_second_tier", "priority", "id"),
        Index("ix_contacts_user_organization", "user_id", "organization_id", "interaction_count"),
        # The dashboard's birthdays from the index alone: priority, id, then the name, so
        # that contacts without a birthday still land in id order (migration 0025).
        Index("ix_contacts_user_birthday", "user_id", "birthday", "priority", "id", "full_name"),
        # The dashboard's "going cold", in its order: high-priority contacts only, so that
        # the bulk inserts of imports and syncs (medium priority) never touch it (0023).
        Index(
            "ix_contacts_user_high_silence",
            "user_id",
            "last_interaction_at",
            sqlite_where=text(HIGH_PRIORITY_LISTED_SQL),
            postgresql_where=text(HIGH_PRIORITY_LISTED_SQL),
        ),
    )
    # The unique (user_id, bcc_hash) and the indexes above lead with user_id (0021).
    user_id_index = False

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(300))
    # Lower-cased name used for ordering and prefix search.
    sort_name: Mapped[str] = mapped_column(String(300), default="")
    given_name: Mapped[str | None] = mapped_column(String(150))
    family_name: Mapped[str | None] = mapped_column(String(150))
    company: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(String(300))
    location: Mapped[str | None] = mapped_column(String(300))
    avatar_url: Mapped[str | None] = mapped_column(Text)
    birthday: Mapped[date | None]
    twitter_bio: Mapped[str | None] = mapped_column(Text)
    linkedin_headline: Mapped[str | None] = mapped_column(Text)
    telegram_bio: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[Priority] = mapped_column(str_enum(Priority), default=Priority.MEDIUM)
    is_second_tier: Mapped[bool] = mapped_column(default=False)
    last_interaction_at: Mapped[datetime | None]
    interaction_count: Mapped[int] = mapped_column(default=0)
    bcc_hash: Mapped[str] = mapped_column(String(24))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    # Names of fields the user edited by hand; syncs and imports never overwrite them.
    edited_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    common_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(32), default="manual")
    # Lower-cased text of names, emails, handles, company, title, tags and notes (search).
    search_text: Mapped[str] = mapped_column(Text, default="")

    identifiers: Mapped[list[ContactIdentifier]] = relationship(
        back_populates="contact",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    organization: Mapped[Organization | None] = relationship(lazy="raise")
    tags: Mapped[list[Tag]] = relationship(
        secondary="contact_tags", lazy="raise", order_by="Tag.normalized_name"
    )
    # The score lives in its own narrow table (rewritten nightly); load it explicitly.
    score_row: Mapped[ContactScore | None] = relationship(lazy="raise", viewonly=True)

    @property
    def score(self) -> int:
        """The relationship score, 0-10 (``score_row`` must be loaded)."""
        return self.score_row.score if self.score_row is not None else 0

    @property
    def score_parts(self) -> dict[str, Any]:
        """What the score is made of (``score_row`` must be loaded)."""
        return self.score_row.parts if self.score_row is not None else {}


event.listen(Contact, "after_insert", add_score_row)
