"""The scoring rules (suggestions.md): pure functions from per-contact aggregates to parts.

reciprocity 0-4, recency 0-3 (halved without any inbound message), frequency 0-2 (age
weighted so long friendships never fall to zero), breadth 0-1, tenure bonus 0-2; the total
is capped at 10. Tiers: Strong >= 7, Warm 4-6, Cold <= 3.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

# Weights of one interaction by age (frequency part).
AGE_WEIGHTS: tuple[tuple[timedelta, float], ...] = (
    (timedelta(days=365), 1.0),
    (timedelta(days=730), 0.25),
    (timedelta(days=1825), 0.05),
)
OLDEST_WEIGHT = 0.01
FREQUENCY_STEPS = ((12.0, 2), (3.0, 1))
RECENCY_STEPS = ((timedelta(days=7), 3.0), (timedelta(days=30), 2.0), (timedelta(days=90), 1.0))
MAX_SCORE = 10


class Tier(enum.StrEnum):
    STRONG = "strong"
    WARM = "warm"
    COLD = "cold"


STRONG_MIN = 7
WARM_MIN = 4
# Inclusive score bounds of each tier (None: open), for SQL filters and counts.
TIER_BOUNDS: dict[str, tuple[int | None, int | None]] = {
    "strong": (STRONG_MIN, None),
    "warm": (WARM_MIN, STRONG_MIN - 1),
    "cold": (None, WARM_MIN - 1),
}


def tier_for(score: int) -> Tier:
    """Strong >= 7, Warm 4-6, Cold <= 3."""
    if score >= STRONG_MIN:
        return Tier.STRONG
    if score >= WARM_MIN:
        return Tier.WARM
    return Tier.COLD


@dataclass(frozen=True)
class ContactActivity:
    """What the score needs to know about one contact's interactions up to now."""

    inbound: int
    outbound: int
    total: int
    first_at: datetime
    last_at: datetime
    weighted_count: float
    platforms: int


def reciprocity(activity: ContactActivity) -> int:
    """0-4 from the balance of inbound and outbound; one-way relationships score 0."""
    high = max(activity.inbound, activity.outbound)
    low = min(activity.inbound, activity.outbound)
    if high == 0 or low == 0:
        return 0
    return max(1, round(4 * low / high))


def recency(activity: ContactActivity, now: datetime) -> float:
    """0-3 by the age of the last interaction; halved when they never wrote back."""
    age = now - activity.last_at
    points = next((value for limit, value in RECENCY_STEPS if age <= limit), 0.0)
    return points / 2 if activity.inbound == 0 else points


def frequency(activity: ContactActivity) -> int:
    """0-2 from the age-weighted number of interactions."""
    return next((value for floor, value in FREQUENCY_STEPS if activity.weighted_count >= floor), 0)


def breadth(activity: ContactActivity) -> int:
    """1 when they talk on two or more platforms."""
    return 1 if activity.platforms >= 2 else 0


def tenure(activity: ContactActivity) -> int:
    """2 for >= 50 interactions over >= 2 years, 1 for >= 20 over >= 1 year."""
    span = activity.last_at - activity.first_at
    if activity.total >= 50 and span >= timedelta(days=730):
        return 2
    if activity.total >= 20 and span >= timedelta(days=365):
        return 1
    return 0


def score_parts(activity: ContactActivity, now: datetime) -> dict[str, float]:
    """Every part by name (the contact page shows them as the score's "why")."""
    return {
        "reciprocity": reciprocity(activity),
        "recency": recency(activity, now),
        "frequency": frequency(activity),
        "breadth": breadth(activity),
        "tenure": tenure(activity),
    }


def total_score(parts: dict[str, float]) -> int:
    """The 0-10 score: the parts added up, rounded half up, capped."""
    return min(MAX_SCORE, int(sum(parts.values()) + 0.5))


def explain(score: int, parts: dict[str, float]) -> str:
    """One line such as "why 6: reciprocity 3, recency 2, frequency 1"."""
    if not parts:
        return "Not scored yet"
    shown = ", ".join(f"{name} {value:g}" for name, value in parts.items() if value)
    return f"why {score}: {shown}" if shown else f"why {score}: no recent two-way contact"
