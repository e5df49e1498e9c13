"""The score's parts for typical relationships (pure rules, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pingcrm.scoring.rules import (
    ContactActivity,
    Tier,
    explain,
    score_parts,
    tier_for,
    total_score,
)

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def activity(**overrides: object) -> ContactActivity:
    base: dict[str, object] = {
        "inbound": 10,
        "outbound": 10,
        "total": 20,
        "first_at": NOW - timedelta(days=400),
        "last_at": NOW - timedelta(days=3),
        "weighted_count": 20.0,
        "platforms": 2,
    }
    base.update(overrides)
    return ContactActivity(**base)  # type: ignore[arg-type]


def test_a_close_two_way_relationship_is_strong() -> None:
    parts = score_parts(activity(), NOW)
    assert parts == {"reciprocity": 4, "recency": 3.0, "frequency": 2, "breadth": 1, "tenure": 1}
    assert total_score(parts) == 10
    assert tier_for(total_score(parts)) is Tier.STRONG


def test_one_way_outreach_scores_low_and_recency_is_halved() -> None:
    parts = score_parts(
        activity(
            inbound=0,
            outbound=6,
            total=6,
            weighted_count=6.0,
            platforms=1,
            last_at=NOW - timedelta(days=20),
        ),
        NOW,
    )
    assert parts["reciprocity"] == 0
    assert parts["recency"] == 1.0  # 2 points for "within 30 days", halved
    assert tier_for(total_score(parts)) is Tier.COLD


def test_long_friendships_never_fall_to_zero() -> None:
    old = activity(
        total=120,
        inbound=60,
        outbound=60,
        first_at=NOW - timedelta(days=1700),
        last_at=NOW - timedelta(days=900),
        weighted_count=120 * 0.05,
        platforms=1,
    )
    parts = score_parts(old, NOW)
    assert parts["frequency"] == 1
    assert parts["tenure"] == 2
    assert total_score(parts) >= 4


@pytest.mark.parametrize(
    ("score", "tier"),
    [
        (0, Tier.COLD),
        (3, Tier.COLD),
        (4, Tier.WARM),
        (6, Tier.WARM),
        (7, Tier.STRONG),
        (10, Tier.STRONG),
    ],
)
def test_tier_boundaries(score: int, tier: Tier) -> None:
    assert tier_for(score) is tier


def test_explain_lists_the_non_zero_parts() -> None:
    assert (
        explain(6, {"reciprocity": 3, "recency": 2, "frequency": 1, "breadth": 0, "tenure": 0})
        == "why 6: reciprocity 3, recency 2, frequency 1"
    )
    assert explain(0, {}) == "Not scored yet"
