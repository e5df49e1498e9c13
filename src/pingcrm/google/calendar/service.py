"""Calendar use cases the pages and jobs call: a contact's upcoming meetings, and the
catch-up that counts meetings once they have started."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from pingcrm.google.calendar import repository
from pingcrm.interactions import repository as interactions_repository
from pingcrm.kit.clock import utcnow
from pingcrm.scoring.service import recompute_scores

UPCOMING_LIMIT = 5
# How far back the catch-up looks (covers a scheduler that was down for a while).
CATCH_UP_WINDOW = timedelta(days=2)


@dataclass(frozen=True)
class UpcomingMeeting:
    title: str
    starts_at: datetime
    ends_at: datetime | None
    attendees: list[str]
    link: str | None


def upcoming_meetings(
    session: Session, user_id: int, contact_id: int, limit: int = UPCOMING_LIMIT
) -> list[UpcomingMeeting]:
    """The contact's meetings that have not started yet, soonest first."""
    rows = repository.upcoming_for_contact(session, user_id, contact_id, utcnow(), limit)
    return [
        UpcomingMeeting(
            title=row.subject or "Meeting",
            starts_at=row.occurred_at,
            ends_at=row.ended_at,
            attendees=list((row.extra or {}).get("attendees") or []),
            link=(row.extra or {}).get("link"),
        )
        for row in rows
    ]


def count_started_meetings(session: Session, user_id: int) -> list[int]:
    """Counters and scores of contacts whose meeting started since they were last
    computed catch up (a meeting counts as an interaction once it has started)."""
    now = utcnow()
    ids = repository.started_meetings_behind(session, user_id, now - CATCH_UP_WINDOW, now)
    if ids:
        interactions_repository.recompute_counters(
            session, user_id, ids, now, clear_second_tier=False
        )
        recompute_scores(session, user_id, ids)
    return ids
