"""SQL of meetings: stored calendar events and the meeting interactions they produced."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pingcrm.models import CalendarEvent, Contact, Interaction, Platform

CHUNK = 500


def _chunks(values: Sequence[str], size: int = CHUNK) -> list[Sequence[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def events_of_account(
    session: Session, account_id: int, event_ids: Collection[str]
) -> dict[str, CalendarEvent]:
    """The account's stored events among ``event_ids``."""
    found: dict[str, CalendarEvent] = {}
    for chunk in _chunks(sorted(event_ids)):
        for row in session.scalars(
            select(CalendarEvent).where(
                CalendarEvent.platform_account_id == account_id,
                CalendarEvent.event_id.in_(chunk),
            )
        ):
            found[row.event_id] = row
    return found


def events_of_other_accounts(
    session: Session, user_id: int, account_id: int, event_ids: Collection[str]
) -> list[CalendarEvent]:
    """The same events as seen through the user's other accounts."""
    rows: list[CalendarEvent] = []
    for chunk in _chunks(sorted(event_ids)):
        rows.extend(
            session.scalars(
                select(CalendarEvent).where(
                    CalendarEvent.user_id == user_id,
                    CalendarEvent.platform_account_id != account_id,
                    CalendarEvent.event_id.in_(chunk),
                )
            )
        )
    return rows


def stale_events(
    session: Session, account_id: int, seen_before: datetime, start: datetime, end: datetime
) -> list[CalendarEvent]:
    """Events of the account in [start, end) a full sync did not see (not touched since
    ``seen_before``): deleted at Google while the sync token was not usable."""
    return list(
        session.scalars(
            select(CalendarEvent).where(
                CalendarEvent.platform_account_id == account_id,
                CalendarEvent.updated_at < seen_before,
                CalendarEvent.starts_at >= start,
                CalendarEvent.starts_at < end,
            )
        )
    )


def delete_events(session: Session, ids: Collection[int]) -> None:
    for start in range(0, len(ids), CHUNK):
        chunk = sorted(ids)[start : start + CHUNK]
        session.execute(delete(CalendarEvent).where(CalendarEvent.id.in_(chunk)))


def meeting_interactions(
    session: Session, user_id: int, provider_ids: Collection[str]
) -> list[Interaction]:
    """The user's calendar meeting interactions with these dedup keys."""
    rows: list[Interaction] = []
    for chunk in _chunks(sorted(provider_ids)):
        rows.extend(
            session.scalars(
                select(Interaction).where(
                    Interaction.user_id == user_id,
                    Interaction.platform == Platform.MEETING,
                    Interaction.provider_id.in_(chunk),
                )
            )
        )
    return rows


def delete_interactions(session: Session, user_id: int, ids: Collection[int]) -> None:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        session.execute(
            delete(Interaction).where(
                Interaction.user_id == user_id, Interaction.id.in_(ordered[start : start + CHUNK])
            )
        )


def user_event(session: Session, user_id: int, event_id: str) -> CalendarEvent | None:
    """The user's event with this id (the most recently synced copy)."""
    return session.scalars(
        select(CalendarEvent)
        .where(CalendarEvent.user_id == user_id, CalendarEvent.event_id == event_id)
        .order_by(CalendarEvent.updated_at.desc())
        .limit(1)
    ).first()


def events_starting(
    session: Session, user_id: int, start: datetime, end: datetime
) -> list[CalendarEvent]:
    """The user's events starting in [start, end], soonest first."""
    return list(
        session.scalars(
            select(CalendarEvent)
            .where(
                CalendarEvent.user_id == user_id,
                CalendarEvent.starts_at >= start,
                CalendarEvent.starts_at <= end,
            )
            .order_by(CalendarEvent.starts_at, CalendarEvent.id)
        )
    )


def upcoming_for_contact(
    session: Session, user_id: int, contact_id: int, now: datetime, limit: int
) -> list[Interaction]:
    """The contact's meetings that have not started yet, soonest first."""
    return list(
        session.scalars(
            select(Interaction)
            .where(
                Interaction.contact_id == contact_id,
                Interaction.user_id == user_id,
                Interaction.platform == Platform.MEETING,
                Interaction.occurred_at > now,
            )
            .order_by(Interaction.occurred_at, Interaction.id)
            .limit(limit)
        )
    )


def started_meetings_behind(
    session: Session, user_id: int, since: datetime, now: datetime
) -> list[int]:
    """Contacts with a meeting that started in (since, now] after their stored last
    interaction: their counters and score must catch up."""
    rows = session.execute(
        select(Interaction.contact_id)
        .join(Contact, Contact.id == Interaction.contact_id)
        .where(
            Interaction.user_id == user_id,
            Interaction.occurred_at > since,
            Interaction.occurred_at <= now,
            Interaction.platform == Platform.MEETING,
            (Contact.last_interaction_at.is_(None))
            | (Contact.last_interaction_at < Interaction.occurred_at),
        )
        .distinct()
    )
    return sorted(row[0] for row in rows)


def account_events_starting(
    session: Session, account_id: int, start: datetime, end: datetime
) -> list[CalendarEvent]:
    """The account's events starting in [start, end], soonest first."""
    return list(
        session.scalars(
            select(CalendarEvent)
            .where(
                CalendarEvent.platform_account_id == account_id,
                CalendarEvent.starts_at >= start,
                CalendarEvent.starts_at <= end,
            )
            .order_by(CalendarEvent.starts_at, CalendarEvent.id)
        )
    )


def account_event(
    session: Session, account_id: int, event_id: str, starts_at: datetime
) -> CalendarEvent | None:
    """The account's event ``event_id`` if it still starts at ``starts_at``."""
    return session.scalars(
        select(CalendarEvent).where(
            CalendarEvent.platform_account_id == account_id,
            CalendarEvent.event_id == event_id,
            CalendarEvent.starts_at == starts_at,
        )
    ).first()


def meeting_event_ids(session: Session, user_id: int, interaction_ids: Collection[int]) -> set[str]:
    """The calendar event ids behind the user's meeting interactions ``interaction_ids``."""
    found: set[str] = set()
    ids = sorted(interaction_ids)
    for start in range(0, len(ids), CHUNK):
        for extra in session.scalars(
            select(Interaction.extra).where(
                Interaction.user_id == user_id,
                Interaction.platform == Platform.MEETING,
                Interaction.id.in_(ids[start : start + CHUNK]),
            )
        ):
            event_id = (extra or {}).get("event_id")
            if event_id:
                found.add(str(event_id))
    return found


def user_events(session: Session, user_id: int, event_ids: Collection[str]) -> list[CalendarEvent]:
    """The user's stored events (through any account) among ``event_ids``."""
    rows: list[CalendarEvent] = []
    for chunk in _chunks(sorted(event_ids)):
        rows.extend(
            session.scalars(
                select(CalendarEvent).where(
                    CalendarEvent.user_id == user_id, CalendarEvent.event_id.in_(chunk)
                )
            )
        )
    return rows


def events_by_ids(session: Session, user_id: int, ids: Collection[int]) -> list[CalendarEvent]:
    """The user's stored events with these row ids."""
    rows: list[CalendarEvent] = []
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        rows.extend(
            session.scalars(
                select(CalendarEvent).where(
                    CalendarEvent.user_id == user_id,
                    CalendarEvent.id.in_(ordered[start : start + CHUNK]),
                )
            )
        )
    return rows
