"""The follow-up engine under a frozen clock: every trigger, guard, the budget and ranking."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import (
    Contact,
    DetectedEvent,
    Direction,
    Platform,
    Priority,
    Suggestion,
    SuggestionStatus,
    User,
    UserSettings,
)
from pingcrm.suggestions.engine import GenerationResult, generate_for_user
from tests.fixtures.builders import create_contact, create_interaction, create_user

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def person(
    session: Session,
    user: User,
    name: str,
    *,
    silent_days: int | None = None,
    priority: Priority = Priority.HIGH,
    history: int = 1,
    email: bool = True,
    platform: Platform = Platform.EMAIL,
    **fields: Any,
) -> Contact:
    """A contact whose last interaction was ``silent_days`` ago (two-way history)."""
    with use_clock(FrozenClock(NOW)):
        contact = create_contact(
            session,
            user,
            name,
            [name.lower().replace(" ", ".") + "@example.com"] if email else [],
            priority=priority,
            **fields,
        )
        if silent_days is not None:
            for index in range(history):
                create_interaction(
                    session,
                    user,
                    contact,
                    platform=platform,
                    direction=Direction.INBOUND if index % 2 == 0 else Direction.OUTBOUND,
                    occurred_at=NOW - timedelta(days=silent_days + index * 3),
                    subject="Lunch plans" if index == 0 else None,
                    preview="Lunch plans — see you there" if index == 0 else "hello",
                )
    return contact


def generate(session: Session, user: User, at: datetime = NOW) -> GenerationResult:
    with use_clock(FrozenClock(at)):
        result = generate_for_user(session, user.id, at, None)
    session.commit()
    return result


def suggested(session: Session, user: User) -> dict[str, Suggestion]:
    rows = session.execute(
        select(Contact.full_name, Suggestion)
        .join(Contact, Contact.id == Suggestion.contact_id)
        .where(Suggestion.user_id == user.id)
    ).all()
    return dict(rows)  # type: ignore[arg-type]


def test_overdue_by_priority_interval_is_suggested_with_its_why(session: Session) -> None:
    user = create_user(session)
    person(session, user, "Hana High", silent_days=40, priority=Priority.HIGH)
    person(session, user, "Mo Medium", silent_days=40, priority=Priority.MEDIUM)

    generate(session, user)

    made = suggested(session, user)
    assert list(made) == ["Hana High"]
    suggestion = made["Hana High"]
    assert suggestion.trigger == "time_based"
    assert suggestion.reason == (
        "No contact for 40 days; your high-priority rule says every 30 days."
    )
    assert suggestion.why["rule"] == "time_based"
    assert suggestion.why["days_silent"] == 40
    assert suggestion.why["interval_days"] == 30
    assert suggestion.channel == "email"
    assert suggestion.status == SuggestionStatus.PENDING
    assert "Hana" in suggestion.message
    assert "Lunch plans" in suggestion.message
    assert suggestion.llm_model == "template"


def test_the_users_own_intervals_are_used(session: Session) -> None:
    user = create_user(session)
    settings = session.get(UserSettings, user.id)
    assert settings is not None
    settings.followup_medium_days = 20
    session.commit()
    person(session, user, "Mo Medium", silent_days=25, priority=Priority.MEDIUM)
    generate(session, user)
    assert list(suggested(session, user)) == ["Mo Medium"]


def test_archived_second_tier_and_unreachable_contacts_never_get_suggestions(
    session: Session,
) -> None:
    user = create_user(session)
    person(session, user, "Arch Ived", silent_days=100, priority=Priority.ARCHIVED)
    # 2nd-tier contacts have no direct interaction (one would clear the flag).
    person(session, user, "Sec Ond", birthday=date(1990, 3, 11), is_second_tier=True)
    person(session, user, "No Channel", silent_days=100, email=False, platform=Platform.MEETING)
    result = generate(session, user)
    assert suggested(session, user) == {}
    assert result.skipped == {"no_channel": 1}


def test_already_queued_and_recently_suggested_are_skipped(session: Session) -> None:
    user = create_user(session)
    queued = person(session, user, "Queued Person", silent_days=50)
    recent = person(session, user, "Recent Person", silent_days=50)
    for contact, status, age in (
        (queued, SuggestionStatus.SNOOZED, 60),
        (recent, SuggestionStatus.DISMISSED, 5),
    ):
        session.add(
            Suggestion(
                user_id=user.id,
                contact_id=contact.id,
                trigger="time_based",
                reason="r",
                message="m",
                channel="email",
                status=status,
                created_at=NOW - timedelta(days=age),
            )
        )
    session.commit()
    result = generate(session, user)
    assert result.created == []
    assert result.skipped == {"already_queued": 1, "suggested_recently": 1}


def test_birthdays_rank_first_and_ignore_cooldowns(session: Session) -> None:
    user = create_user(session)
    person(session, user, "Overdue Olga", silent_days=90, history=30)
    person(session, user, "Birthday Ben", silent_days=3, birthday=date(1990, 3, 12))
    generate(session, user)
    made = suggested(session, user)
    assert made["Birthday Ben"].reason == "Birthday in 2 days (12 March)."
    assert made["Birthday Ben"].rank > made["Overdue Olga"].rank  # type: ignore[operator]


def test_birthdays_across_the_new_year(session: Session) -> None:
    user = create_user(session)
    person(session, user, "New Year Nina", silent_days=3, birthday=date(1985, 1, 1))
    generate(session, user, at=datetime(2026, 12, 30, 8, tzinfo=UTC))
    assert suggested(session, user)["New Year Nina"].reason == "Birthday in 2 days (01 January)."


def test_events_fire_and_three_unanswered_messages_stop_a_suggestion(session: Session) -> None:
    user = create_user(session)
    evan = person(session, user, "Evan Event", silent_days=20)
    nagged = person(session, user, "Nagged Nora", silent_days=40)
    twice = person(session, user, "Twice Tom", silent_days=40)
    with use_clock(FrozenClock(NOW)):
        for contact, unanswered in ((nagged, 3), (twice, 2)):
            for index in range(unanswered):
                create_interaction(
                    session,
                    user,
                    contact,
                    direction=Direction.OUTBOUND,
                    occurred_at=NOW - timedelta(days=15 + index),
                )
    for contact in (evan, nagged, twice):
        session.add(
            DetectedEvent(
                user_id=user.id,
                contact_id=contact.id,
                kind="job_change",
                summary=f"{contact.full_name} joined Acme as CTO",
                confidence=0.9,
                source="linkedin",
                occurred_at=NOW - timedelta(days=2),
            )
        )
    session.add(
        DetectedEvent(
            user_id=user.id,
            contact_id=evan.id,
            kind="bio_change",
            summary="unsure",
            confidence=0.3,
            source="twitter",
            occurred_at=NOW - timedelta(days=1),
        )
    )
    session.commit()

    result = generate(session, user)

    made = suggested(session, user)
    assert set(made) == {"Evan Event", "Twice Tom"}
    assert made["Evan Event"].reason == "Recent news: Evan Event joined Acme as CTO."
    assert "joined Acme as CTO" in made["Evan Event"].message
    assert made["Twice Tom"].why["unanswered_in_a_row"] == 2
    assert made["Twice Tom"].rank < made["Evan Event"].rank  # type: ignore[operator]
    assert result.skipped["unanswered"] == 1


def test_budget_split_between_active_and_dormant_pools(session: Session) -> None:
    user = create_user(session)
    for index in range(8):
        person(session, user, f"Active {index:02d}", silent_days=35 + index, history=2 + index)
    for index in range(3):
        person(session, user, f"Dormant {index}", silent_days=400 + index * 30, history=8)
    person(session, user, "Thin Dormant", silent_days=500, history=1)

    generate(session, user)

    made = suggested(session, user)
    assert len(made) == 5
    triggers = sorted(s.trigger for s in made.values())
    assert triggers == ["dormant", "time_based", "time_based", "time_based", "time_based"]
    # Richer history and longer silence first.
    assert {"Active 07", "Active 06", "Active 05", "Active 04"} <= set(made)
    assert "Thin Dormant" not in made
    dormant = next(s for s in made.values() if s.trigger == "dormant")
    assert dormant.reason.startswith("Silent for 1+ years after 8 interactions")


def test_running_twice_on_the_same_day_creates_nothing_new(session: Session) -> None:
    user = create_user(session)
    person(session, user, "Hana High", silent_days=40)
    assert len(generate(session, user).created) == 1
    assert generate(session, user).created == []
