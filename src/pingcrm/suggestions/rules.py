"""The numbers of the follow-up rules (suggestions.md), in one place."""

from __future__ import annotations

import enum
from datetime import timedelta

COOLDOWN = timedelta(days=14)
EVENT_WINDOW = timedelta(days=7)
EVENT_MIN_CONFIDENCE = 0.7
BIRTHDAY_WINDOW_DAYS = 3
DORMANT_MIN = timedelta(days=365)
DORMANT_MAX = timedelta(days=5 * 365)
DORMANT_MIN_INTERACTIONS = 5
DORMANT_MIN_PAST_SCORE = 5
UNANSWERED_WINDOW = timedelta(days=30)
UNANSWERED_STOP = 3
UNANSWERED_HALVE = 2
SHORTLIST_FACTOR = 8
CHANNELS = ("email", "telegram", "twitter", "linkedin")
SNOOZE_DURATIONS = {"2w": timedelta(weeks=2), "1m": timedelta(days=30), "3m": timedelta(days=90)}
SNOOZE_LABELS = {"2w": "2 weeks", "1m": "1 month", "3m": "3 months"}
INTERVAL_MIN_DAYS = 7
INTERVAL_MAX_DAYS = 365


class Trigger(enum.StrEnum):
    BIRTHDAY = "birthday"
    EVENT = "event"
    TIME_BASED = "time_based"
    SCHEDULED = "scheduled"
    DORMANT = "dormant"


ACTIVE_TRIGGERS = frozenset(
    {Trigger.BIRTHDAY, Trigger.EVENT, Trigger.TIME_BASED, Trigger.SCHEDULED}
)


def dormant_share(budget: int) -> int:
    """How much of the daily budget goes to the dormant-revival pool (the rest: active)."""
    return max(1, budget // 5) if budget > 1 else 0
