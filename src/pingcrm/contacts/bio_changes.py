"""A contact's profile bio changed on a network: keep the new bio and record a detected
event the suggestion engine can act on ("congratulate on the new role").

Without a language model the change is classified by keyword rules: a bio that newly
names a role or an employer ("now at", "joined", "CEO of", "@company") is a job change;
anything else is a plain bio change of lower confidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from pingcrm.models import DetectedEvent

JOB_CHANGE = "job_change"
BIO_CHANGE = "bio_change"

_ROLE = re.compile(
    r"\b(joined|joining|now at|new role|started at|starting at|working at|work at|"
    r"ceo|cto|cfo|coo|cpo|founder|co-?founder|head of|vp|director|engineer|manager|"
    r"lead|partner|designer|researcher|professor|chief)\b",
    re.IGNORECASE,
)
_EMPLOYER = re.compile(
    r"(?:\b(?:at|of|joined|joining|with)\s+|@)([A-Za-z0-9][\w&.-]*)", re.IGNORECASE
)


@dataclass(frozen=True)
class BioChange:
    contact_id: int
    old: str | None
    new: str
    occurred_at: datetime


def _employers(text: str) -> set[str]:
    return {m.group(1).lower().rstrip(".") for m in _EMPLOYER.finditer(text)}


def classify(old: str | None, new: str) -> tuple[str, float]:
    """(event kind, confidence) of a bio change by keyword rules."""
    if _ROLE.search(new) and (_employers(new) - _employers(old or "")):
        return JOB_CHANGE, 0.8
    if _ROLE.search(new) and not _ROLE.search(old or ""):
        return JOB_CHANGE, 0.6
    return BIO_CHANGE, 0.4


def record_bio_changes(
    session: Session, user_id: int, changes: Sequence[BioChange], *, network: str
) -> int:
    """A detected event per real change (a first bio is not a change); how many."""
    events = []
    for change in changes:
        old = " ".join((change.old or "").split())
        new = " ".join(change.new.split())
        if not old or old == new:
            continue
        kind, confidence = classify(old, new)
        what = "New role" if kind == JOB_CHANGE else "New bio"
        events.append(
            DetectedEvent(
                user_id=user_id,
                contact_id=change.contact_id,
                kind=kind,
                summary=f"{what} on {network}: “{new[:400]}” (was “{old[:200]}”)",
                confidence=confidence,
                source=network.lower()[:32],
                occurred_at=change.occurred_at,
            )
        )
    if events:
        session.add_all(events)
        session.flush()
    return len(events)
