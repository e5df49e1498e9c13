"""linkedin_profile_fetches: when the extension last sent a contact's LinkedIn profile
(the push's backfill list skips those fetched recently)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from pingcrm.models.base import Base
from pingcrm.models.mixins import OwnedByUser


class LinkedinProfileFetch(OwnedByUser, Base):
    __tablename__ = "linkedin_profile_fetches"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), unique=True
    )
    fetched_at: Mapped[datetime]
