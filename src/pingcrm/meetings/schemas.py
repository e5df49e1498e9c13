"""What the meetings domain keeps of a calendar event, whatever calendar it came from:
a provider maps its events into these (pure data, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Attendee:
    """Another person invited to the meeting."""

    email: str  # normalised
    name: str | None
    response: str  # needsAction / accepted / tentative / declined
    organizer: bool = False

    @property
    def display(self) -> str:
        return self.name or self.email


@dataclass(frozen=True)
class Meeting:
    """A kept event: one meeting interaction per attendee contact."""

    event_id: str
    title: str
    starts_at: datetime
    ends_at: datetime | None
    all_day: bool
    time_zone: str | None
    attendees: list[Attendee] = field(default_factory=list)
    html_link: str | None = None


@dataclass(frozen=True)
class Dropped:
    """An event that is (no longer) a meeting for PingCRM, and why."""

    event_id: str
    reason: str  # cancelled / declined / no_attendees / no_time


def provider_id(event_id: str, email: str) -> str:
    """The dedup key of the meeting interaction of one attendee of one event (the same
    event seen through two of the user's accounts is recorded once)."""
    return f"gcal:{event_id}:{email}"[:255]
