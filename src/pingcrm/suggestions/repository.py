"""SQL of the suggestions domain: candidate shortlists, guards in batches, CRUD."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from pingcrm.kit.pagination import PageRequest
from pingcrm.models import (
    Contact,
    ContactIdentifier,
    ContactScore,
    DetectedEvent,
    IdentifierKind,
    Interaction,
    PlatformAccount,
    Priority,
    Provider,
    Suggestion,
    SuggestionStatus,
)


@dataclass(frozen=True)
class CandidateRow:
    contact_id: int
    priority: Priority
    score: int
    interaction_count: int
    last_interaction_at: datetime | None
    birthday: date | None


_CandidateSelect = Select[Any]


def _candidate_columns() -> _CandidateSelect:
    return select(  # type: ignore[return-value]
        Contact.id,
        Contact.priority,
        ContactScore.score,
        Contact.interaction_count,
        Contact.last_interaction_at,
        Contact.birthday,
    ).join(ContactScore, ContactScore.contact_id == Contact.id)


def _eligible(user_id: int) -> list[ColumnElement[bool]]:
    return [
        Contact.user_id == user_id,
        Contact.priority != Priority.ARCHIVED,
        Contact.is_second_tier.is_(False),
    ]


def _row(values: Sequence[Any]) -> CandidateRow:
    return CandidateRow(
        contact_id=values[0],
        priority=values[1],
        score=values[2],
        interaction_count=values[3],
        last_interaction_at=values[4],
        birthday=values[5],
    )


def _rows(session: Session, query: _CandidateSelect) -> list[CandidateRow]:
    return [_row(row) for row in session.execute(query)]


def overdue_contacts(
    session: Session,
    user_id: int,
    cutoffs: dict[Priority, datetime],
    dormant_after: datetime,
    limit: int,
) -> list[CandidateRow]:
    """Active pool, time-based: silent longer than their priority's interval (but not yet
    dormant), richest history and longest silence first."""
    overdue = or_(
        *[
            and_(Contact.priority == priority, Contact.last_interaction_at < cutoff)
            for priority, cutoff in cutoffs.items()
        ]
    )
    query = (
        _candidate_columns()
        .where(*_eligible(user_id), overdue, Contact.last_interaction_at >= dormant_after)
        .order_by(Contact.interaction_count.desc(), Contact.last_interaction_at)
        .limit(limit)
    )
    return _rows(session, query)


def dormant_contacts(
    session: Session,
    user_id: int,
    silent_since: datetime,
    not_before: datetime,
    min_interactions: int,
    min_score: int,
    limit: int,
) -> list[CandidateRow]:
    """Dormant-revival pool: silent 1-5 years with a meaningful history."""
    query = (
        _candidate_columns()
        .where(
            *_eligible(user_id),
            Contact.last_interaction_at < silent_since,
            Contact.last_interaction_at >= not_before,
            or_(Contact.interaction_count >= min_interactions, ContactScore.score >= min_score),
        )
        .order_by(Contact.interaction_count.desc(), Contact.last_interaction_at)
        .limit(limit)
    )
    return _rows(session, query)


def scheduled_contacts(
    session: Session, user_id: int, cutoffs: dict[Priority, datetime], limit: int
) -> list[CandidateRow]:
    """Active pool, scheduled: longer than the interval since the last completed follow-up."""
    last_done = (
        select(Suggestion.contact_id, func.max(Suggestion.acted_at).label("done_at"))
        .where(Suggestion.user_id == user_id, Suggestion.status == SuggestionStatus.DONE)
        .group_by(Suggestion.contact_id)
        .subquery()
    )
    due = or_(
        *[
            and_(Contact.priority == priority, last_done.c.done_at < cutoff)
            for priority, cutoff in cutoffs.items()
        ]
    )
    query = (
        _candidate_columns()
        .join(last_done, last_done.c.contact_id == Contact.id)
        .where(*_eligible(user_id), due)
        .order_by(Contact.interaction_count.desc())
        .limit(limit)
    )
    return _rows(session, query)


def contacts_with_events(
    session: Session, user_id: int, since: datetime, min_confidence: float, limit: int
) -> list[tuple[CandidateRow, DetectedEvent]]:
    """Contacts with a confident detected event since ``since`` (newest event each)."""
    query = (
        select(
            Contact.id,
            Contact.priority,
            ContactScore.score,
            Contact.interaction_count,
            Contact.last_interaction_at,
            Contact.birthday,
            DetectedEvent,
        )
        .join(ContactScore, ContactScore.contact_id == Contact.id)
        .join(DetectedEvent, DetectedEvent.contact_id == Contact.id)
        .where(
            *_eligible(user_id),
            DetectedEvent.occurred_at >= since,
            DetectedEvent.confidence >= min_confidence,
        )
        .order_by(DetectedEvent.occurred_at.desc())
        .limit(limit)
    )
    seen: dict[int, tuple[CandidateRow, DetectedEvent]] = {}
    for row in session.execute(query):
        seen.setdefault(row[0], (_row(row), row[6]))
    return list(seen.values())


def contacts_with_birthdays(session: Session, user_id: int) -> list[CandidateRow]:
    """Every eligible contact with a birthday (the day window is checked in Python:
    month/day arithmetic is not portable SQL)."""
    return _rows(
        session, _candidate_columns().where(*_eligible(user_id), Contact.birthday.is_not(None))
    )


def blocked_by_suggestions(
    session: Session, user_id: int, contact_ids: Sequence[int], since: datetime
) -> tuple[set[int], set[int]]:
    """(contacts with a pending/snoozed suggestion, contacts suggested since ``since``)."""
    rows = session.execute(
        select(Suggestion.contact_id, Suggestion.status, Suggestion.created_at).where(
            Suggestion.user_id == user_id, Suggestion.contact_id.in_(contact_ids)
        )
    ).all()
    open_ids = {r[0] for r in rows if r[1] in (SuggestionStatus.PENDING, SuggestionStatus.SNOOZED)}
    recent_ids = {r[0] for r in rows if r[2] >= since}
    return open_ids, recent_ids


def recent_interactions(
    session: Session, contact_ids: Sequence[int], per_contact: int
) -> dict[int, list[Interaction]]:
    """The latest ``per_contact`` interactions of each contact, newest first, in one query."""
    if not contact_ids:
        return {}
    ranked = (
        select(
            Interaction.id,
            func.row_number()
            .over(partition_by=Interaction.contact_id, order_by=Interaction.occurred_at.desc())
            .label("rank"),
        )
        .where(Interaction.contact_id.in_(contact_ids))
        .subquery()
    )
    query = (
        select(Interaction)
        .join(ranked, ranked.c.id == Interaction.id)
        .where(ranked.c.rank <= per_contact)
        .order_by(Interaction.contact_id, Interaction.occurred_at.desc())
    )
    result: dict[int, list[Interaction]] = {}
    for interaction in session.execute(query).scalars():
        result.setdefault(interaction.contact_id, []).append(interaction)
    return result


def channel_identifiers(session: Session, contact_ids: Sequence[int]) -> dict[int, set[str]]:
    """Which channels each contact can be reached on, from their identifiers."""
    kinds = {
        IdentifierKind.EMAIL: "email",
        IdentifierKind.TELEGRAM_ID: "telegram",
        IdentifierKind.TELEGRAM_USERNAME: "telegram",
        IdentifierKind.TWITTER_ID: "twitter",
        IdentifierKind.TWITTER_HANDLE: "twitter",
        IdentifierKind.LINKEDIN_ID: "linkedin",
        IdentifierKind.LINKEDIN_SLUG: "linkedin",
    }
    result: dict[int, set[str]] = {}
    for contact_id, kind in session.execute(
        select(ContactIdentifier.contact_id, ContactIdentifier.kind).where(
            ContactIdentifier.contact_id.in_(contact_ids), ContactIdentifier.kind.in_(list(kinds))
        )
    ):
        result.setdefault(contact_id, set()).add(kinds[kind])
    return result


def load_contacts(session: Session, contact_ids: Sequence[int]) -> dict[int, Contact]:
    """Contacts by id."""
    if not contact_ids:
        return {}
    rows = session.execute(select(Contact).where(Contact.id.in_(contact_ids))).scalars()
    return {contact.id: contact for contact in rows}


def events_for(
    session: Session, contact_ids: Sequence[int], since: datetime, min_confidence: float
) -> dict[int, list[DetectedEvent]]:
    """Confident detected events of each contact since ``since``, newest first."""
    result: dict[int, list[DetectedEvent]] = {}
    for event in session.execute(
        select(DetectedEvent)
        .where(DetectedEvent.contact_id.in_(contact_ids), DetectedEvent.occurred_at >= since)
        .order_by(DetectedEvent.occurred_at.desc())
    ).scalars():
        result.setdefault(event.contact_id, []).append(event)
    return result


def list_suggestions(
    session: Session,
    user_id: int,
    page: PageRequest,
    *,
    status: SuggestionStatus | None,
    contact_id: int | None,
) -> tuple[list[tuple[Suggestion, Contact]], int]:
    """Suggestions with their contacts, best first (birthdays and events before others)."""
    conditions = [Suggestion.user_id == user_id]
    if status is not None:
        conditions.append(Suggestion.status == status)
    if contact_id is not None:
        conditions.append(Suggestion.contact_id == contact_id)
    total = session.execute(
        select(func.count()).select_from(Suggestion).where(*conditions)
    ).scalar_one()
    rank = func.coalesce(Suggestion.rank, 0.0)
    rows = session.execute(
        select(Suggestion, Contact)
        .join(Contact, Contact.id == Suggestion.contact_id)
        .where(*conditions)
        .order_by(rank.desc(), Suggestion.created_at.desc(), Suggestion.id)
        .limit(page.limit)
        .offset(page.offset)
        .options(selectinload(Contact.score_row))
    ).all()
    return [(row[0], row[1]) for row in rows], total


def get_suggestion(session: Session, user_id: int, suggestion_id: int) -> Suggestion | None:
    return session.execute(
        select(Suggestion).where(Suggestion.id == suggestion_id, Suggestion.user_id == user_id)
    ).scalar_one_or_none()


def reactivate_due(session: Session, now: datetime, user_id: int | None = None) -> int:
    """Snoozed suggestions whose time has come become pending again."""
    conditions = [Suggestion.status == SuggestionStatus.SNOOZED, Suggestion.snoozed_until <= now]
    if user_id is not None:
        conditions.append(Suggestion.user_id == user_id)
    result = session.execute(
        update(Suggestion)
        .where(*conditions)
        .values(status=SuggestionStatus.PENDING, snoozed_until=None, updated_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def reach_handles(session: Session, contact_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """Per contact, one address per channel (email, telegram, twitter, linkedin)."""
    kinds = {
        IdentifierKind.EMAIL: "email",
        IdentifierKind.TELEGRAM_USERNAME: "telegram",
        IdentifierKind.TWITTER_HANDLE: "twitter",
        IdentifierKind.LINKEDIN_SLUG: "linkedin",
    }
    result: dict[int, dict[str, str]] = {}
    if not contact_ids:
        return result
    for contact_id, kind, display in session.execute(
        select(
            ContactIdentifier.contact_id, ContactIdentifier.kind, ContactIdentifier.display_value
        )
        .where(
            ContactIdentifier.contact_id.in_(contact_ids), ContactIdentifier.kind.in_(list(kinds))
        )
        .order_by(ContactIdentifier.id)
    ):
        result.setdefault(contact_id, {}).setdefault(kinds[kind], display.lstrip("@"))
    return result


# Which channel each connectable provider sends on.
PROVIDER_CHANNELS = {
    Provider.GMAIL: "email",
    Provider.TELEGRAM: "telegram",
    Provider.TWITTER: "twitter",
    Provider.LINKEDIN: "linkedin",
}


def connected_channels(session: Session, user_id: int) -> set[str]:
    """The channels of the integrations the user has connected (credentials stored)."""
    providers = session.execute(
        select(PlatformAccount.provider)
        .where(
            PlatformAccount.user_id == user_id,
            PlatformAccount.credentials_encrypted.is_not(None),
        )
        .distinct()
    ).scalars()
    return {PROVIDER_CHANNELS[p] for p in providers if p in PROVIDER_CHANNELS}


def pending_count(session: Session, user_id: int) -> int:
    """How many suggestions wait for the user."""
    return int(
        session.execute(
            select(func.count())
            .select_from(Suggestion)
            .where(Suggestion.user_id == user_id, Suggestion.status == SuggestionStatus.PENDING)
        ).scalar_one()
    )
