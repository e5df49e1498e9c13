"""Calendar use cases the pages and jobs call: a contact's upcoming meetings, and the
catch-up that counts meetings once they have started."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from pingcrm.interactions import repository as interactions_repository
from pingcrm.kit.clock import utcnow
from pingcrm.meetings import repository
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


def repoint_attendees(
    session: Session,
    user_id: int,
    meeting_interaction_ids: Collection[int],
    from_contact_id: int,
    to_contact_id: int,
) -> list[list[Any]]:
    """After a merge: the attendees of the events behind these (moved) meeting
    interactions that were ``from_contact_id`` now point at ``to_contact_id``. Returns
    the ``[event row id, attendee email]`` entries changed, for :func:`restore_attendees`."""
    event_ids = repository.meeting_event_ids(session, user_id, meeting_interaction_ids)
    changed: list[list[Any]] = []
    for event in repository.user_events(session, user_id, event_ids) if event_ids else []:
        attendees = [dict(a) for a in event.attendees]
        for attendee in attendees:
            if attendee.get("contact_id") == from_contact_id:
                attendee["contact_id"] = to_contact_id
                changed.append([event.id, attendee.get("email")])
        event.attendees = attendees
    return changed


def restore_attendees(
    session: Session, user_id: int, entries: Sequence[Sequence[Any]], contact_id: int
) -> None:
    """Undo of :func:`repoint_attendees`: the listed attendees point at ``contact_id`` again."""
    wanted: dict[int, set[str]] = {}
    for row_id, email in entries:
        wanted.setdefault(int(row_id), set()).add(str(email))
    for event in repository.events_by_ids(session, user_id, wanted):
        emails = wanted[event.id]
        event.attendees = [
            {**a, "contact_id": contact_id} if a.get("email") in emails else dict(a)
            for a in event.attendees
        ]
