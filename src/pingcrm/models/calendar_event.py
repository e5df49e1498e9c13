"""calendar_events: the synced events of a Google account's primary calendar that have
at least one attendee other than the user (meetings). Their attendee contacts get one
meeting interaction each; meeting prep and the MCP brief read them by time and id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pingcrm.models.base import Base
from pingcrm.models.mixins import OwnedByUser, Timestamps


class CalendarEvent(OwnedByUser, Timestamps, Base):
    __tablename__ = "calendar_events"
    __table_args__ = (
        UniqueConstraint("platform_account_id", "event_id"),
        # Meeting prep: the user's events starting in a window.
        Index("ix_calendar_events_user_start", "user_id", "starts_at"),
        # The MCP brief by event id.
        Index("ix_calendar_events_user_event", "user_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_account_id: Mapped[int] = mapped_column(
        ForeignKey("platform_accounts.id", ondelete="CASCADE")
    )
    event_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(500), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    all_day: Mapped[bool] = mapped_column(default=False)
    # The event's IANA time zone (for showing local times in the prep email).
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # [{"email", "name", "response", "organizer", "contact_id"}] for every other attendee.
    attendees: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    html_link: Mapped[str | None] = mapped_column(Text)
