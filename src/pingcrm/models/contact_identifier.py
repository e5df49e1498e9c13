"""contact_identifiers: normalised emails, phones and handles, unique per user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pingcrm.models.base import Base, str_enum
from pingcrm.models.enums import IdentifierKind
from pingcrm.models.mixins import OwnedByUser, Timestamps

if TYPE_CHECKING:
    from pingcrm.models.contact import Contact


class ContactIdentifier(OwnedByUser, Timestamps, Base):
    __tablename__ = "contact_identifiers"
    __table_args__ = (UniqueConstraint("user_id", "kind", "value"),)
    # The unique (user_id, kind, value) index serves every lookup by user.
    user_id_index = False
    # Owned through the contact (migration 0020).
    user_id_foreign_key = False

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[IdentifierKind] = mapped_column(str_enum(IdentifierKind, 24))
    # Normalised form used for lookups (lower-cased email, E.164 phone, lower handle).
    value: Mapped[str] = mapped_column(String(320))
    # As the user or provider wrote it, for display.
    display_value: Mapped[str] = mapped_column(String(320))
    label: Mapped[str | None] = mapped_column(String(40))

    contact: Mapped[Contact] = relationship(back_populates="identifiers", lazy="raise")
