"""Recompute relationship scores: a handful of set-based aggregates, not a Python loop
over interactions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from pingcrm.kit.clock import utcnow
from pingcrm.scoring import repository
from pingcrm.scoring.rules import score_parts, total_score


@dataclass(frozen=True)
class RecomputeResult:
    contacts_scored: int
    contacts_changed: int


def recompute_scores(
    session: Session, user_id: int, contact_ids: Sequence[int] | None = None
) -> RecomputeResult:
    """Recompute the scores of all of ``user_id``'s contacts, or just ``contact_ids``
    (the ones a sync or import touched). Only changed rows are written."""
    now = utcnow()
    ids = list(contact_ids) if contact_ids is not None else None
    stored = repository.current_scores(session, user_id, ids)
    activity = repository.activity_by_contact(session, user_id, now, ids)
    changed: list[tuple[int, int, dict[str, float]]] = []
    for contact_id, (old_score, old_parts) in stored.items():
        facts = activity.get(contact_id)
        if facts is None:
            new_parts: dict[str, float] = {}
            new_score = 0
        else:
            new_parts = score_parts(facts, now)
            new_score = total_score(new_parts)
        if new_score != old_score or new_parts != old_parts:
            changed.append((contact_id, new_score, new_parts))
    repository.write_scores(session, user_id, changed)
    session.flush()
    return RecomputeResult(contacts_scored=len(stored), contacts_changed=len(changed))
