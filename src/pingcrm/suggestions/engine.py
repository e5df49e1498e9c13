"""The daily follow-up engine: pick at most the daily budget of people to reach out to.

Active pool (birthdays, events, overdue by priority interval, scheduled) takes most of the
budget, the dormant-revival pool the rest; guards skip people talked to or suggested in
the last 14 days, anyone already queued, archived or 2nd-tier contacts, people with no
channel, and anyone who left the last 3+ messages unanswered within 30 days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from pingcrm.llm.base import LLMClient
from pingcrm.models import DetectedEvent, Interaction, Priority, Suggestion, UserSettings
from pingcrm.suggestions import repository
from pingcrm.suggestions.drafts import DraftContext, write_draft
from pingcrm.suggestions.repository import CandidateRow
from pingcrm.suggestions.rules import (
    BIRTHDAY_WINDOW_DAYS,
    CHANNELS,
    COOLDOWN,
    DORMANT_MAX,
    DORMANT_MIN,
    DORMANT_MIN_INTERACTIONS,
    DORMANT_MIN_PAST_SCORE,
    EVENT_MIN_CONFIDENCE,
    EVENT_WINDOW,
    SHORTLIST_FACTOR,
    UNANSWERED_HALVE,
    UNANSWERED_STOP,
    UNANSWERED_WINDOW,
    Trigger,
    dormant_share,
)


@dataclass
class Candidate:
    row: CandidateRow
    trigger: Trigger
    facts: dict[str, object]
    rank: float
    event: DetectedEvent | None = None


@dataclass
class GenerationResult:
    created: list[Suggestion] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def intervals(rules: UserSettings) -> dict[Priority, int]:
    """Follow-up interval in days per priority."""
    return {
        Priority.HIGH: rules.followup_high_days,
        Priority.MEDIUM: rules.followup_medium_days,
        Priority.LOW: rules.followup_low_days,
    }


def days_until_birthday(birthday: date, today: date) -> int:
    """Days from ``today`` to the next occurrence of ``birthday`` (Feb 29 → Feb 28)."""

    def occurrence(year: int) -> date:
        try:
            return birthday.replace(year=year)
        except ValueError:
            return date(year, 2, 28)

    upcoming = occurrence(today.year)
    if upcoming < today:
        upcoming = occurrence(today.year + 1)
    return (upcoming - today).days


def _history_weight(row: CandidateRow) -> float:
    return math.log1p(row.interaction_count) + row.score / 2


def _silence_days(row: CandidateRow, now: datetime) -> int:
    return (now - row.last_interaction_at).days if row.last_interaction_at else 0


def _collect(
    session: Session, user_id: int, rules: UserSettings, now: datetime, shortlist: int
) -> tuple[list[Candidate], list[Candidate]]:
    days = intervals(rules)
    cutoffs = {priority: now - timedelta(days=value) for priority, value in days.items()}
    active: dict[int, Candidate] = {}

    def offer(candidate: Candidate) -> None:
        current = active.get(candidate.row.contact_id)
        if current is None or candidate.rank > current.rank:
            active[candidate.row.contact_id] = candidate

    for row in repository.contacts_with_birthdays(session, user_id):
        assert row.birthday is not None
        until = days_until_birthday(row.birthday, now.date())
        if until <= BIRTHDAY_WINDOW_DAYS:
            offer(
                Candidate(
                    row,
                    Trigger.BIRTHDAY,
                    {"birthday": row.birthday.strftime("%d %B"), "days_until": until},
                    rank=1000 - until + _history_weight(row),
                )
            )
    for row, event in repository.contacts_with_events(
        session, user_id, now - EVENT_WINDOW, EVENT_MIN_CONFIDENCE, shortlist
    ):
        offer(
            Candidate(
                row,
                Trigger.EVENT,
                {"event": event.summary, "confidence": round(event.confidence, 2)},
                rank=100 + _history_weight(row),
                event=event,
            )
        )
    for row in repository.overdue_contacts(session, user_id, cutoffs, now - DORMANT_MIN, shortlist):
        interval = days[row.priority]
        silent = _silence_days(row, now)
        offer(
            Candidate(
                row,
                Trigger.TIME_BASED,
                {
                    "days_silent": silent,
                    "interval_days": interval,
                    "priority": row.priority.value,
                    "interactions": row.interaction_count,
                },
                rank=_history_weight(row) * min(silent / interval, 3.0),
            )
        )
    for row in repository.scheduled_contacts(session, user_id, cutoffs, shortlist):
        interval = days[row.priority]
        offer(
            Candidate(
                row,
                Trigger.SCHEDULED,
                {
                    "interval_days": interval,
                    "priority": row.priority.value,
                    "days_silent": _silence_days(row, now),
                },
                rank=_history_weight(row),
            )
        )
    dormant = [
        Candidate(
            row,
            Trigger.DORMANT,
            {
                "days_silent": _silence_days(row, now),
                "interactions": row.interaction_count,
                "score": row.score,
            },
            rank=_history_weight(row) * (_silence_days(row, now) / 365),
        )
        for row in repository.dormant_contacts(
            session,
            user_id,
            now - DORMANT_MIN,
            now - DORMANT_MAX,
            DORMANT_MIN_INTERACTIONS,
            DORMANT_MIN_PAST_SCORE,
            shortlist,
        )
        if row.contact_id not in active
    ]
    return list(active.values()), dormant


def _default_channel(recent: list[Interaction], identifiers: set[str], connected: set[str]) -> str:
    """The channel the card opens on: the last platform the user really talked to this
    person on among the integrations they connected; else email when the contact has an
    address (a mailto: always works); else any handle they have (copy and open)."""
    for interaction in recent:
        if interaction.platform in connected and interaction.platform in CHANNELS:
            return str(interaction.platform)
    if "email" in identifiers:
        return "email"
    return next((channel for channel in CHANNELS if channel in identifiers), "email")


def _channel(recent: list[Interaction], identifiers: set[str]) -> str | None:
    for interaction in recent:
        if interaction.platform in CHANNELS:
            return str(interaction.platform)
    return next((channel for channel in CHANNELS if channel in identifiers), None)


def _unanswered(recent: list[Interaction], since: datetime) -> int:
    streak = 0
    for interaction in recent:
        if interaction.direction != "outbound" or interaction.occurred_at < since:
            break
        streak += 1
    return streak


def _reason(candidate: Candidate) -> str:
    facts = candidate.facts
    match candidate.trigger:
        case Trigger.BIRTHDAY:
            days = facts["days_until"]
            when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
            return f"Birthday {when} ({facts['birthday']})."
        case Trigger.EVENT:
            return f"Recent news: {facts['event']}."
        case Trigger.TIME_BASED:
            return (
                f"No contact for {facts['days_silent']} days; your {facts['priority']}-"
                f"priority rule says every {facts['interval_days']} days."
            )
        case Trigger.SCHEDULED:
            return (
                f"Your last follow-up was more than {facts['interval_days']} days ago "
                f"({facts['priority']} priority)."
            )
        case Trigger.DORMANT:
            return (
                f"Silent for {int(facts['days_silent']) // 365}+ years after "  # type: ignore[call-overload]
                f"{facts['interactions']} interactions: worth reviving."
            )
    return "Time to reach out."


def generate_for_user(
    session: Session, user_id: int, now: datetime, client: LLMClient | None
) -> GenerationResult:
    """Create up to the daily budget of new pending suggestions for ``user_id``."""
    rules = session.get(UserSettings, user_id) or UserSettings(
        user_id=user_id,
        followup_high_days=30,
        followup_medium_days=60,
        followup_low_days=180,
        daily_suggestion_budget=5,
    )
    budget = rules.daily_suggestion_budget
    result = GenerationResult()
    active, dormant = _collect(session, user_id, rules, now, budget * SHORTLIST_FACTOR)
    everyone = [c.row.contact_id for c in active + dormant]
    open_ids, recent_ids = repository.blocked_by_suggestions(
        session, user_id, everyone, now - COOLDOWN
    )
    recent = repository.recent_interactions(session, everyone, per_contact=5)
    identifiers = repository.channel_identifiers(session, everyone)
    connected = repository.connected_channels(session, user_id)

    def admissible(candidate: Candidate) -> bool:
        contact_id = candidate.row.contact_id
        exempt = candidate.trigger is Trigger.BIRTHDAY
        history = recent.get(contact_id, [])
        if contact_id in open_ids:
            result.skip("already_queued")
            return False
        if not exempt and contact_id in recent_ids:
            result.skip("suggested_recently")
            return False
        if not exempt and history and history[0].occurred_at >= now - COOLDOWN:
            result.skip("talked_recently")
            return False
        if _channel(history, identifiers.get(contact_id, set())) is None:
            result.skip("no_channel")
            return False
        streak = _unanswered(history, now - UNANSWERED_WINDOW)
        if streak >= UNANSWERED_STOP:
            result.skip("unanswered")
            return False
        if streak >= UNANSWERED_HALVE:
            candidate.rank /= 2
            candidate.facts["unanswered_in_a_row"] = streak
        return True

    active = sorted((c for c in active if admissible(c)), key=lambda c: -c.rank)
    dormant = sorted((c for c in dormant if admissible(c)), key=lambda c: -c.rank)
    dormant_slots = min(dormant_share(budget), len(dormant))
    active_slots = budget - dormant_slots
    chosen = active[:active_slots] + dormant[:dormant_slots]
    # A pool short of candidates leaves its slots to the other.
    leftovers = active[active_slots:] + dormant[dormant_slots:]
    chosen += leftovers[: budget - len(chosen)]
    contacts = repository.load_contacts(session, [c.row.contact_id for c in chosen])
    events = repository.events_for(
        session, list(contacts), now - EVENT_WINDOW, EVENT_MIN_CONFIDENCE
    )
    for candidate in chosen:
        contact_id = candidate.row.contact_id
        history = recent.get(contact_id, [])
        context = DraftContext(
            contact=contacts[contact_id],
            trigger=candidate.trigger,
            facts=candidate.facts,
            recent=history,
            events=events.get(contact_id, []),
            now=now,
        )
        draft = write_draft(context, client)
        why: dict[str, object] = {"rule": candidate.trigger.value, **candidate.facts}
        if draft.fallback_reason:
            why["draft_fallback"] = draft.fallback_reason
        suggestion = Suggestion(
            user_id=user_id,
            contact_id=contact_id,
            trigger=candidate.trigger.value,
            reason=_reason(candidate),
            why=why,
            message=draft.message,
            channel=_default_channel(history, identifiers.get(contact_id, set()), connected),
            rank=round(candidate.rank, 4),
            llm_model=draft.model,
            llm_prompt=draft.prompt,
            created_at=now,
            updated_at=now,
        )
        session.add(suggestion)
        result.created.append(suggestion)
        result.names[contact_id] = contacts[contact_id].full_name
    session.flush()
    return result
