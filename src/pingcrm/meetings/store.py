"""Writing one page of calendar events: stored events, attendee contacts, and their
meeting interactions (inserted, updated when an event moves or is renamed, removed
when it is cancelled, declined or loses its attendees). Set-based per page."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from pingcrm.contacts.ingest import ContactInput, OrganizationCache, upsert_contacts
from pingcrm.contacts.repository import identifier_owners
from pingcrm.contacts.service import refresh_search_words
from pingcrm.interactions import repository as interactions_repository
from pingcrm.interactions.service import NewInteraction, compose_preview, record_interactions
from pingcrm.kit.clock import utcnow
from pingcrm.kit.counts import Counts
from pingcrm.meetings import repository
from pingcrm.meetings.schemas import Attendee, Dropped, Meeting, provider_id
from pingcrm.models import (
    CalendarEvent,
    Direction,
    IdentifierKind,
    InteractionKind,
    Platform,
    PlatformAccount,
)


@dataclass(frozen=True)
class PageResult:
    counts: Counts
    touched_contacts: list[int]


def name_from_email(email: str) -> str:
    """'ann.lee@x.com' → 'Ann Lee' (a name for an attendee without a display name)."""
    local = email.split("@", 1)[0].split("+", 1)[0]
    words = [w for w in local.replace("_", ".").replace("-", ".").split(".") if w]
    return " ".join(w.capitalize() for w in words) or email


def _attendee_contacts(
    session: Session,
    user_id: int,
    meetings: Sequence[Meeting],
    max_people: int,
    counts: Counts,
    source: str,
) -> dict[str, int]:
    """Normalised email → contact id: matched for every meeting, created for unknown
    attendees of meetings of at most ``max_people`` people (the user included)."""
    emails = {a.email for m in meetings for a in m.attendees}
    owners = identifier_owners(session, user_id, {(IdentifierKind.EMAIL, e) for e in emails})
    found = {o.value: o.contact_id for o in owners if o.kind is IdentifierKind.EMAIL}
    to_create: dict[str, Attendee] = {}
    for meeting in meetings:
        if len(meeting.attendees) + 1 > max_people:
            continue
        for attendee in meeting.attendees:
            if attendee.email not in found:
                to_create.setdefault(attendee.email, attendee)
    if to_create:
        people = list(to_create.values())
        rows = [
            ContactInput(
                full_name=a.name or name_from_email(a.email),
                identifiers=[(IdentifierKind.EMAIL, a.email, None)],
            )
            for a in people
        ]
        result = upsert_contacts(
            session, user_id, rows, source=source, organizations=OrganizationCache()
        )
        counts.new_contacts += result.created
        for attendee, contact_id in zip(people, result.contact_ids, strict=True):
            if contact_id is not None:
                found[attendee.email] = contact_id
    return found


def _preview(meeting: Meeting) -> str:
    names = ", ".join(a.display for a in meeting.attendees[:10])
    more = len(meeting.attendees) - 10
    if more > 0:
        names += f" and {more} more"
    return f"{meeting.title} — with {names}"


def _wanted(
    account: PlatformAccount, meetings: Sequence[Meeting], contacts: dict[str, int]
) -> dict[str, NewInteraction]:
    wanted: dict[str, NewInteraction] = {}
    for meeting in meetings:
        extra: dict[str, Any] = {
            "event_id": meeting.event_id,
            "attendees": [a.display for a in meeting.attendees][:50],
            "all_day": meeting.all_day,
        }
        if meeting.html_link:
            extra["link"] = meeting.html_link
        for attendee in meeting.attendees:
            contact_id = contacts.get(attendee.email)
            if contact_id is None:
                continue
            key = provider_id(meeting.event_id, attendee.email)
            wanted[key] = NewInteraction(
                contact_id=contact_id,
                platform=Platform.MEETING,
                kind=InteractionKind.MEETING,
                direction=Direction.MUTUAL,
                occurred_at=meeting.starts_at,
                ended_at=meeting.ends_at,
                provider_id=key,
                subject=meeting.title,
                preview=_preview(meeting),
                platform_account_id=account.id,
                extra=extra,
            )
    return wanted


def _stored_keys(events: Collection[CalendarEvent]) -> set[str]:
    return {provider_id(e.event_id, str(a["email"])) for e in events for a in e.attendees}


def apply_page(
    session: Session,
    account: PlatformAccount,
    mapped: Sequence[Meeting | Dropped],
    *,
    max_people: int,
    source: str,
    now: datetime | None = None,
) -> PageResult:
    """Store one page of mapped events for ``account`` (flushed, not committed);
    attendees who become contacts are created with ``source``."""
    now = now or utcnow()
    user_id = account.user_id
    counts = Counts()
    latest: dict[str, Meeting | Dropped] = {}
    for item in mapped:
        if item.event_id:
            latest[item.event_id] = item
    if not latest:
        return PageResult(counts, [])
    meetings = [m for m in latest.values() if isinstance(m, Meeting)]
    counts.skipped += sum(
        1 for d in latest.values() if isinstance(d, Dropped) and d.reason != "cancelled"
    )
    stored = repository.events_of_account(session, account.id, list(latest))
    old_keys = _stored_keys(stored.values())
    contacts = _attendee_contacts(session, user_id, meetings, max_people, counts, source)
    wanted = _wanted(account, meetings, contacts)
    # The same event seen through another of the user's accounts keeps its interactions.
    claimed = _stored_keys(
        repository.events_of_other_accounts(session, user_id, account.id, list(latest))
    )

    # Events: upsert the meetings, forget the dropped ones.
    for meeting in meetings:
        row = stored.get(meeting.event_id)
        if row is None:
            row = CalendarEvent(
                user_id=user_id, platform_account_id=account.id, event_id=meeting.event_id
            )
            session.add(row)
        row.title = meeting.title
        row.starts_at = meeting.starts_at
        row.ends_at = meeting.ends_at
        row.all_day = meeting.all_day
        row.time_zone = meeting.time_zone
        row.html_link = meeting.html_link
        row.attendees = [
            {
                "email": a.email,
                "name": a.name,
                "response": a.response,
                "organizer": a.organizer,
                "contact_id": contacts.get(a.email),
            }
            for a in meeting.attendees
        ]
        row.updated_at = now  # seen by this sync (a full sync prunes unseen rows)
    dropped = [
        stored[e].id for e, item in latest.items() if isinstance(item, Dropped) and e in stored
    ]
    if dropped:
        repository.delete_events(session, dropped)
        for event_id, item in latest.items():
            if isinstance(item, Dropped) and event_id in stored:
                session.expunge(stored[event_id])

    touched = _sync_interactions(session, user_id, wanted, old_keys, claimed, now, counts)
    session.flush()
    return PageResult(counts, touched)


def _sync_interactions(
    session: Session,
    user_id: int,
    wanted: dict[str, NewInteraction],
    old_keys: set[str],
    claimed: set[str],
    now: datetime,
    counts: Counts,
) -> list[int]:
    existing = repository.meeting_interactions(session, user_id, set(wanted) | old_keys)
    by_key = {i.provider_id: i for i in existing}
    changed_contacts: set[int] = set()
    # Contacts whose previews went or changed: their search documents are rebuilt.
    reworded: set[int] = set()
    remove = [i for i in existing if i.provider_id not in wanted and i.provider_id not in claimed]
    for item in remove:
        changed_contacts.add(item.contact_id)
        reworded.add(item.contact_id)
    if remove:
        ids = [i.id for i in remove]
        for item in remove:
            session.expunge(item)
        repository.delete_interactions(session, user_id, ids)
    for key, new in wanted.items():
        current = by_key.get(key)
        if current is None:
            continue
        preview = compose_preview(new.platform, new.kind, new.subject, new.preview)
        if (
            current.occurred_at != new.occurred_at
            or current.ended_at != new.ended_at
            or current.subject != new.subject
            or current.preview != preview
            or current.extra != new.extra
        ):
            if current.occurred_at != new.occurred_at:
                changed_contacts.add(current.contact_id)
            if current.preview != preview:
                reworded.add(current.contact_id)
            current.occurred_at = new.occurred_at
            current.ended_at = new.ended_at
            current.subject = new.subject
            current.preview = preview
            current.extra = new.extra
            current.updated_at = now
    fresh = [new for key, new in wanted.items() if key not in by_key]
    if fresh:
        session.flush()
        counts.new_interactions += record_interactions(session, user_id, fresh)
    if reworded:
        refresh_search_words(session, sorted(reworded))
    if changed_contacts:
        session.flush()
        interactions_repository.recompute_counters(
            session, user_id, sorted(changed_contacts), now, clear_second_tier=False
        )
    return sorted(changed_contacts | {new.contact_id for new in fresh})


def prune_unseen(
    session: Session,
    account: PlatformAccount,
    seen_since: datetime,
    start: datetime,
    end: datetime,
) -> PageResult:
    """After a full sync: remove the account's events in the window it did not see."""
    stale = repository.stale_events(session, account.id, seen_since, start, end)
    if not stale:
        return PageResult(Counts(), [])
    return apply_page(
        session,
        account,
        [Dropped(e.event_id, "cancelled") for e in stale],
        max_people=0,
        source="",  # only removals: nobody is created
    )
