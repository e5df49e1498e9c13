"""Dashboard use case: everything the ``/dashboard`` page shows, in a few aggregate queries."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from pingcrm.contacts.repository import Visibility
from pingcrm.dashboard import repository
from pingcrm.dashboard.repository import (
    ActivityRow,
    AttentionRow,
    ContactCounts,
    SuggestionRow,
)
from pingcrm.kit.clock import utcnow
from pingcrm.settings import service as settings_service

WEEKS = 26
BIRTHDAY_DAYS = 14
TOP_SUGGESTIONS = 5
# The dashboard lists this many upcoming birthdays; the rest are one link away.
BIRTHDAYS_SHOWN = 6
ATTENTION_LIMIT = 10
ACTIVITY_LIMIT = 10

# Chart geometry (SVG user units).
CHART_LEFT = 34
CHART_TOP = 12
CHART_HEIGHT = 120
BAR_WIDTH = 14
BAR_STEP = 20
CHART_WIDTH = CHART_LEFT + WEEKS * BAR_STEP + 6
CHART_TOTAL_HEIGHT = CHART_TOP + CHART_HEIGHT + 28


@dataclass(frozen=True)
class UpcomingBirthday:
    """A birthday in the next 14 days."""

    contact_id: int
    full_name: str
    on: date
    days_away: int

    @property
    def when(self) -> str:
        """'Today', 'Tomorrow' or 'Fri 2 Jan'."""
        if self.days_away == 0:
            return "Today"
        if self.days_away == 1:
            return "Tomorrow"
        return f"{self.on:%a} {self.on.day} {self.on:%b}"


@dataclass(frozen=True)
class ChartBar:
    """One week of the interactions chart, with its SVG geometry."""

    week_start: date
    count: int
    x: float
    y: float
    width: float
    height: float
    label: str

    @property
    def tooltip(self) -> str:
        """'Week of 2026-11-16: 3 interactions'."""
        return (
            f"Week of {self.week_start.isoformat()}: {self.count} "
            f"interaction{'' if self.count == 1 else 's'}"
        )


@dataclass(frozen=True)
class Chart:
    """The 26-week interactions chart."""

    bars: list[ChartBar]
    maximum: int
    total: int
    width: int = CHART_WIDTH
    height: int = CHART_TOTAL_HEIGHT
    left: int = CHART_LEFT
    top: int = CHART_TOP
    plot_height: int = CHART_HEIGHT

    @property
    def baseline(self) -> int:
        return self.top + self.plot_height


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows."""

    is_empty: bool
    counts: ContactCounts
    pending_suggestions: int
    interactions_last_7_days: int
    suggestions: list[SuggestionRow]
    attention: list[AttentionRow]
    high_interval_days: int
    birthdays: list[UpcomingBirthday]
    activity: list[ActivityRow]
    chart: Chart
    hidden: Visibility

    @property
    def birthdays_shown(self) -> list[UpcomingBirthday]:
        """The first few upcoming birthdays (the page links to the rest)."""
        return self.birthdays[:BIRTHDAYS_SHOWN]

    @property
    def birthdays_more(self) -> int:
        return max(0, len(self.birthdays) - BIRTHDAYS_SHOWN)


def _month_day_keys(days: list[date]) -> dict[int, date]:
    """``month * 100 + day`` → the date in the window; Feb 29 birthdays count on Feb 28
    in years without one."""
    keys: dict[int, date] = {}
    for day in days:
        keys[day.month * 100 + day.day] = day
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            keys[229] = day
    return keys


def upcoming_birthdays(session: Session, user_id: int, today: date) -> list[UpcomingBirthday]:
    """Birthdays from today through the next 13 days (14 days), across the year end."""
    window = [today + timedelta(days=i) for i in range(BIRTHDAY_DAYS)]
    keys = _month_day_keys(window)
    rows = repository.birthdays_on(session, user_id, sorted(keys))
    found = []
    for row in rows:
        on = keys.get(row.birthday.month * 100 + row.birthday.day)
        if on is None:
            continue
        found.append(UpcomingBirthday(row.id, row.full_name, on, (on - today).days))
    return sorted(found, key=lambda b: (b.days_away, b.full_name.lower()))


def week_starts(now: datetime) -> list[datetime]:
    """27 boundaries: Monday 00:00 UTC of the 26 weeks ending with the current one, plus
    the Monday after."""
    today = now.astimezone(UTC).date()
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=WEEKS - 1)
    return [
        datetime(first.year, first.month, first.day, tzinfo=UTC) + timedelta(weeks=i)
        for i in range(WEEKS + 1)
    ]


def build_chart(boundaries: list[datetime], counts: list[int]) -> Chart:
    """Bar geometry: heights proportional to the busiest week; a month label under the
    first week of each month."""
    maximum = max(counts, default=0)
    bars: list[ChartBar] = []
    previous_month: int | None = None
    for index, (start, count) in enumerate(zip(boundaries, counts, strict=False)):
        height = round(count / maximum * CHART_HEIGHT, 1) if maximum else 0.0
        week = start.date()
        label = f"{week:%b}" if week.month != previous_month else ""
        previous_month = week.month
        bars.append(
            ChartBar(
                week_start=week,
                count=count,
                x=CHART_LEFT + index * BAR_STEP + (BAR_STEP - BAR_WIDTH) / 2,
                y=round(CHART_TOP + CHART_HEIGHT - height, 1),
                width=BAR_WIDTH,
                height=height,
                label=label,
            )
        )
    return Chart(bars=bars, maximum=maximum, total=sum(counts))


def get_dashboard(session: Session, user_id: int) -> Dashboard:
    """Counts, today's top suggestions, high-priority contacts going cold, upcoming
    birthdays, recent activity and interactions per week over the last 26 weeks."""
    now = utcnow()
    rules = settings_service.get_follow_up_rules(session, user_id)
    boundaries = week_starts(now)
    counts, hidden = repository.contact_counts(session, user_id)
    return Dashboard(
        is_empty=not repository.has_any_contact(session, user_id),
        counts=counts,
        pending_suggestions=repository.pending_suggestion_count(session, user_id),
        interactions_last_7_days=repository.interactions_since(
            session, user_id, now - timedelta(days=7), now
        ),
        suggestions=repository.top_pending_suggestions(session, user_id, TOP_SUGGESTIONS),
        attention=repository.going_cold(
            session, user_id, now - timedelta(days=rules.high_days), ATTENTION_LIMIT
        ),
        high_interval_days=rules.high_days,
        birthdays=upcoming_birthdays(session, user_id, now.date()),
        activity=repository.recent_interactions(session, user_id, ACTIVITY_LIMIT, now),
        chart=build_chart(boundaries, repository.weekly_counts(session, user_id, boundaries)),
        hidden=hidden,
    )
