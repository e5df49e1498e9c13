"""All SQL of the dashboard: aggregates on indexed columns, bounded by user and date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from itertools import pairwise
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    extract,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from pingcrm.contacts.repository import Visibility
from pingcrm.models import (
    HIDDEN_SCORES_SQL,
    HIGH_PRIORITY_LISTED_SQL,
    Contact,
    ContactScore,
    Direction,
    Interaction,
    Platform,
    Priority,
    Suggestion,
    SuggestionStatus,
)
from pingcrm.scoring.rules import STRONG_MIN, WARM_MIN


@dataclass(frozen=True)
class ContactCounts:
    total: int
    strong: int
    warm: int
    cold: int


@dataclass(frozen=True)
class SuggestionRow:
    id: int
    contact_id: int
    contact_name: str
    reason: str
    channel: str
    created_at: datetime


@dataclass(frozen=True)
class AttentionRow:
    id: int
    full_name: str
    score: int
    last_interaction_at: datetime | None


@dataclass(frozen=True)
class BirthdayRow:
    id: int
    full_name: str
    birthday: date


@dataclass(frozen=True)
class ActivityRow:
    id: int
    contact_id: int
    contact_name: str
    platform: Platform
    direction: Direction
    subject: str | None
    preview: str
    occurred_at: datetime


def contact_counts(session: Session, user_id: int) -> tuple[ContactCounts, Visibility]:
    """Contacts (not archived, not 2nd-tier) and how many are Strong / Warm / Cold; and
    how many the list hides (the 2nd-tier ones, the archived ones).

    Counted by index ranges, in one statement: every score row of the user by tier on the
    ``(user_id, score)`` index, less the hidden contacts' rows by tier on the partial index
    of those alone (see ``ContactScore.listed``); the hidden contacts by kind on the
    contacts' tier index. An aggregate over every listed contact joined to its score row
    took 23 ms on SQLite and 49 ms on PostgreSQL at 100k contacts, joining the hidden
    ones to their score rows 13 ms on PostgreSQL; this takes a few."""
    score = ContactScore.score
    tiers = [score >= STRONG_MIN, (score >= WARM_MIN) & (score < STRONG_MIN), score < WARM_MIN]
    # The index's own condition, as written there.
    hidden: ColumnElement[bool] = literal_column(HIDDEN_SCORES_SQL)
    archived = Contact.priority == Priority.ARCHIVED

    def count(owner: InstrumentedAttribute[int], *where: ColumnElement[bool]) -> ColumnElement[int]:
        """How many rows of the table of ``owner`` (its user_id column) the user has where
        ``where`` holds."""
        return select(func.count()).where(owner == user_id, *where).scalar_subquery()

    # Disjoint ranges of the tier index: an OR, or no 2nd-tier condition, would read every
    # contact's entry.
    counts = session.execute(
        select(
            *[count(ContactScore.user_id, tier) for tier in tiers],
            *[count(ContactScore.user_id, hidden, tier) for tier in tiers],
            count(Contact.user_id, Contact.is_second_tier == true()),
            count(Contact.user_id, Contact.is_second_tier == true(), archived),
            count(Contact.user_id, Contact.is_second_tier == false(), archived),
        )
    ).one()
    strong, warm, cold = (int(counts[i]) - int(counts[i + 3]) for i in range(len(tiers)))
    second_tier, archived_second_tier, archived_others = (int(n) for n in counts[6:])
    visibility = Visibility(
        listed=strong + warm + cold,
        second_tier=second_tier - archived_second_tier,
        archived=archived_others + archived_second_tier,
    )
    return ContactCounts(strong + warm + cold, strong, warm, cold), visibility


def has_any_contact(session: Session, user_id: int) -> bool:
    """True when the user has at least one contact of any kind."""
    return (
        session.execute(select(Contact.id).where(Contact.user_id == user_id).limit(1)).first()
        is not None
    )


def pending_suggestion_count(session: Session, user_id: int) -> int:
    """How many suggestions wait for the user."""
    return int(
        session.execute(
            select(func.count())
            .select_from(Suggestion)
            .where(Suggestion.user_id == user_id, Suggestion.status == SuggestionStatus.PENDING)
        ).scalar_one()
    )


def interactions_since(
    session: Session, user_id: int, since: datetime, until: datetime | None = None
) -> int:
    """How many interactions happened since ``since`` (and by ``until``: an upcoming
    meeting has not happened yet)."""
    where = [Interaction.user_id == user_id, Interaction.occurred_at >= since]
    if until is not None:
        where.append(Interaction.occurred_at <= until)
    return int(
        session.execute(select(func.count()).select_from(Interaction).where(*where)).scalar_one()
    )


def top_pending_suggestions(session: Session, user_id: int, limit: int) -> list[SuggestionRow]:
    """The best-ranked pending suggestions (newest first among equals) with names."""
    rows = session.execute(
        select(
            Suggestion.id,
            Suggestion.contact_id,
            Contact.full_name,
            Suggestion.reason,
            Suggestion.channel,
            Suggestion.created_at,
        )
        .join(Contact, Contact.id == Suggestion.contact_id)
        .where(
            Suggestion.user_id == user_id,
            Contact.user_id == user_id,
            Suggestion.status == SuggestionStatus.PENDING,
        )
        .order_by(
            Suggestion.rank.desc().nulls_last(),
            Suggestion.created_at.desc(),
            Suggestion.id.desc(),
        )
        .limit(limit)
    ).all()
    return [SuggestionRow(*row) for row in rows]


def going_cold(
    session: Session, user_id: int, silent_before: datetime, limit: int
) -> list[AttentionRow]:
    """High-priority contacts with a score of 3 or less or silent since ``silent_before``,
    longest silence first (never contacted before all).

    Read in that order from the partial index of listed high-priority contacts by last
    interaction: the never-contacted first, then the others from the longest silence,
    stopping at ``limit``. Sorting every high-priority contact took 30 ms for a book with
    4,000 of them on SQLite."""
    columns = (Contact.id, Contact.full_name, ContactScore.score, Contact.last_interaction_at)
    # The index's own condition, as written there (see HIGH_PRIORITY_LISTED_SQL).
    high = [Contact.user_id == user_id, literal_column(HIGH_PRIORITY_LISTED_SQL)]
    # Each one's score read by primary key: as a join, PostgreSQL expected hundreds of
    # never-contacted contacts and hashed every score row of the user (4 ms at 100k
    # contacts) to find the scores of two.
    score = (
        select(ContactScore.score)
        .where(ContactScore.contact_id == Contact.id)
        .scalar_subquery()
        .label("score")
    )
    never = (
        select(Contact.id, Contact.full_name, score, Contact.last_interaction_at)
        .where(*high, Contact.last_interaction_at.is_(None))
        .order_by(score, Contact.sort_name)
        .limit(limit)
    )
    rows = list(session.execute(never).all())
    if len(rows) < limit:
        cooling = (
            select(*columns)
            .join(ContactScore, ContactScore.contact_id == Contact.id)
            .where(
                *high,
                Contact.last_interaction_at.is_not(None),
                or_(ContactScore.score <= 3, Contact.last_interaction_at < silent_before),
            )
            .order_by(Contact.last_interaction_at, ContactScore.score, Contact.sort_name)
            .limit(limit - len(rows))
        )
        rows += session.execute(cooling).all()
    return [AttentionRow(*row) for row in rows]


def birthdays_on(session: Session, user_id: int, month_days: list[int]) -> list[BirthdayRow]:
    """Contacts whose birthday falls on one of ``month_days`` (``month * 100 + day``).

    Answered from the birthday index alone, which holds the priority and the name
    (migration 0025): matching on the rows read every contact of the user (31 ms at 100k
    contacts on SQLite), and reading the rows of the matches after the index cost 9 ms of
    PostgreSQL's dashboard for the 837 birthdays of 14 days."""
    if not month_days:
        return []
    month: ColumnElement[Any]
    day: ColumnElement[Any]
    if session.get_bind().dialect.name == "postgresql":
        # date_part's double precision: EXTRACT's numeric took 11 ms over 23,000 birthdays
        # against 4.
        month = func.date_part("month", Contact.birthday)
        day = func.date_part("day", Contact.birthday)
    else:
        month = extract("month", Contact.birthday)
        day = extract("day", Contact.birthday)
    key = month * 100 + day
    rows = session.execute(
        select(Contact.id, Contact.full_name, Contact.birthday).where(
            Contact.user_id == user_id,
            Contact.birthday.is_not(None),
            key.in_(month_days),
            Contact.priority != Priority.ARCHIVED,
        )
    ).all()
    return [BirthdayRow(row[0], row[1], row[2]) for row in rows if row[2] is not None]


def recent_interactions(
    session: Session, user_id: int, limit: int, until: datetime | None = None
) -> list[ActivityRow]:
    """The latest interactions (that happened by ``until``) with their contact's name."""
    rows = session.execute(
        select(
            Interaction.id,
            Interaction.contact_id,
            Contact.full_name,
            Interaction.platform,
            Interaction.direction,
            Interaction.subject,
            Interaction.preview,
            Interaction.occurred_at,
        )
        .join(Contact, Contact.id == Interaction.contact_id)
        .where(
            Interaction.user_id == user_id,
            true() if until is None else Interaction.occurred_at <= until,
        )
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(limit)
    ).all()
    return [ActivityRow(*row) for row in rows]


def weekly_counts(session: Session, user_id: int, boundaries: list[datetime]) -> list[int]:
    """Interactions per bucket ``[boundaries[i], boundaries[i+1])``, in one statement: one
    range count per bucket on the covering ``(user_id, occurred_at)`` index (counting
    index entries beats grouping on a computed day by several times on SQLite)."""
    values: dict[str, Any] = {"user_id": user_id}
    for index, (start, end) in enumerate(pairwise(boundaries)):
        values[f"start_{index}"], values[f"end_{index}"] = start, end
    statement = _bucket_counts(len(boundaries) - 1)
    return [int(value) for value in session.execute(statement, values).one()]


@lru_cache(maxsize=8)
def _bucket_counts(buckets: int) -> Select[Any]:
    """The statement of :func:`weekly_counts` for ``buckets`` buckets, built once with
    bound values (building its 26 subqueries and their cache key anew took a few ms of
    every dashboard)."""
    return select(
        *[
            select(func.count())
            .select_from(Interaction)
            .where(
                Interaction.user_id == bindparam("user_id"),
                Interaction.occurred_at >= bindparam(f"start_{index}"),
                Interaction.occurred_at < bindparam(f"end_{index}"),
            )
            .scalar_subquery()
            for index in range(buckets)
        ]
    )
