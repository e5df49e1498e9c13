"""Recompute relationship scores: a handful of set-based aggregates, not a Python loop
over interactions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from pingcrm.db import cached_trigger_plans
from pingcrm.kit.clock import utcnow
from pingcrm.models import Direction, InteractionKind, Platform
from pingcrm.scoring import repository
from pingcrm.scoring.rules import (
    AGE_WEIGHTS,
    OLDEST_WEIGHT,
    ContactActivity,
    score_parts,
    total_score,
)

# Contacts per refresh query (ids bound in an IN list).
REFRESH_CHUNK = 5_000


@dataclass(frozen=True)
class RecomputeResult:
    contacts_scored: int
    contacts_changed: int


@dataclass(frozen=True)
class Seed:
    """One interaction a new contact is created with (recorded right after it), so the
    contact is inserted with its counters and score already right: written once."""

    platform: Platform
    provider_id: str
    kind: InteractionKind
    direction: Direction
    occurred_at: datetime


def seeded_values(seeds: Iterable[Seed], now: datetime) -> dict[str, Any]:
    """The counters, score and parts of a contact whose only interactions are ``seeds``:
    what ``refresh_contacts`` would store after they are recorded (the same aggregate as
    ``repository.facts_by_contact``, over these rows in Python). One pass over the seeds:
    a bulk ingest calls this for every new contact."""
    cutoffs = _age_cutoffs(now)
    done = 0
    last_done: datetime | None = None
    inbound = outbound = total = 0
    first_at = last_at = None
    weighted = 0.0
    platforms: set[Platform] = set()
    for seed in seeds:
        at = seed.occurred_at
        if at > now:
            continue
        done += 1
        if last_done is None or at > last_done:
            last_done = at
        if seed.kind is InteractionKind.CONNECTION:
            continue
        total += 1
        direction = seed.direction
        if direction is Direction.MUTUAL:
            inbound += 1
            outbound += 1
        elif direction is Direction.INBOUND:
            inbound += 1
        elif direction is Direction.OUTBOUND:
            outbound += 1
        if first_at is None or at < first_at:
            first_at = at
        if last_at is None or at > last_at:
            last_at = at
        for cutoff, weight in cutoffs:
            if at >= cutoff:
                weighted += weight
                break
        else:
            weighted += OLDEST_WEIGHT
        platforms.add(seed.platform)
    parts: dict[str, float] = {}
    if first_at is not None and last_at is not None:
        activity = ContactActivity(
            inbound=inbound,
            outbound=outbound,
            total=total,
            first_at=first_at,
            last_at=last_at,
            weighted_count=weighted,
            platforms=2 if len(platforms) > 1 else 1,
        )
        parts = score_parts(activity, now)
    return {
        "interaction_count": done,
        "last_interaction_at": last_done,
        "score": total_score(parts) if parts else 0,
        "score_parts": parts,
    }


@lru_cache(maxsize=4)
def _age_cutoffs(now: datetime) -> tuple[tuple[datetime, float], ...]:
    """The oldest time of each age band at ``now`` and its weight, youngest band first
    (one ``now`` for a whole batch of seeded contacts)."""
    return tuple((now - age, weight) for age, weight in AGE_WEIGHTS)


def recompute_scores(
    session: Session, user_id: int, contact_ids: Sequence[int] | None = None
) -> RecomputeResult:
    """Recompute the scores of all of ``user_id``'s contacts, or just ``contact_ids``
    (the ones a sync or import touched). Only changed rows are written."""
    now = utcnow()
    ids = list(contact_ids) if contact_ids is not None else None
    stored = repository.current_scores(session, user_id, ids)
    activity = repository.activity_by_contact(session, user_id, now, ids)
    # Parts as the JSON text stored (encoded once: compared, then written).
    changed: list[tuple[int, int, dict[str, float] | str]] = []
    for contact_id, (old_score, old_parts) in stored.items():
        facts = activity.get(contact_id)
        if facts is None:
            new_parts = repository.parts_text({})
            new_score = 0
        else:
            parts = score_parts(facts, now)
            new_parts = repository.parts_text(parts)
            new_score = total_score(parts)
        if new_score != old_score or new_parts != old_parts:
            changed.append((contact_id, new_score, new_parts))
    repository.write_scores(session, user_id, changed)
    session.flush()
    return RecomputeResult(contacts_scored=len(stored), contacts_changed=len(changed))


def refresh_contacts(
    session: Session,
    user_id: int,
    contact_ids: Sequence[int],
    now: datetime,
    *,
    clear_second_tier: bool,
) -> RecomputeResult:
    """After new interactions: recompute the counters (``interaction_count``,
    ``last_interaction_at``; interactions up to ``now``) and the score of these contacts
    together: changed counters rewrite the contact row once, changed scores only the
    narrow score row. ``clear_second_tier`` also clears their 2nd-tier flag."""
    ids = sorted(set(contact_ids))
    counters: list[tuple[int, repository.StoredContact]] = []
    scores: list[tuple[int, int, dict[str, float]]] = []
    changed: set[int] = set()
    scored = 0
    for start in range(0, len(ids), REFRESH_CHUNK):
        chunk = ids[start : start + REFRESH_CHUNK]
        stored = repository.stored_contacts(session, user_id, chunk)
        facts = repository.facts_by_contact(session, user_id, now, chunk)
        for contact_id, old in stored.items():
            fact = facts.get(contact_id)
            parts: dict[str, float] = {}
            score = 0
            if fact is not None and fact.activity is not None:
                parts = score_parts(fact.activity, now)
                score = total_score(parts)
            new = repository.StoredContact(
                score=score,
                parts=parts,
                interaction_count=fact.interaction_count if fact is not None else 0,
                last_interaction_at=fact.last_interaction_at if fact is not None else None,
                is_second_tier=old.is_second_tier and not clear_second_tier,
            )
            if (new.score, new.parts) != (old.score, old.parts):
                scores.append((contact_id, score, parts))
                changed.add(contact_id)
            if (new.interaction_count, new.last_interaction_at, new.is_second_tier) != (
                old.interaction_count,
                old.last_interaction_at,
                old.is_second_tier,
            ):
                counters.append((contact_id, new))
                changed.add(contact_id)
        scored += len(stored)
    if counters or scores:
        session.flush()
        # Rows this transaction inserted (a sync's new contacts) have their foreign keys
        # checked again when updated on PostgreSQL: with the checks' plan reused.
        with cached_trigger_plans(session.connection()):
            repository.write_counters(session, user_id, counters)
            repository.write_scores(session, user_id, scores)
    session.flush()
    return RecomputeResult(contacts_scored=scored, contacts_changed=len(changed))


def insert_scores(session: Session, user_id: int, rows: Sequence[repository.NewScoreRow]) -> None:
    """Give new contacts (inserted in bulk) their score rows, ``(contact_id, score,
    parts, listed)`` (``listed``: see :func:`pingcrm.models.is_listed`), in one
    set-based pass."""
    repository.insert_scores(session, user_id, rows)
