"""Keyword rules that read a changed Telegram bio: a new job or role is a "job_change"
event (the suggestion engine can bring it up); any other change is a "bio_change"."""

from __future__ import annotations

import re
from dataclasses import dataclass

_ROLE = re.compile(
    r"\b(ceo|cto|cfo|coo|cpo|vp|founder|co-?founder|head of|director|manager|engineer|"
    r"developer|designer|lead|partner|consultant|researcher|professor|intern|"
    r"product|analyst|scientist)\b",
    re.IGNORECASE,
)
_JOINED = re.compile(
    r"\b(joined|joining|now at|working at|work at|works at|new role|new job|started at|"
    r"hiring)\b|(^|\s)@\s?\w|\bat\s+[A-Z]",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BioEvent:
    kind: str
    summary: str
    confidence: float


def bio_event(old: str | None, new: str | None) -> BioEvent | None:
    """The event of a bio that changed from ``old`` to ``new`` (None: no change, or the
    first time the bio is read)."""
    before = " ".join((old or "").split())
    after = " ".join((new or "").split())
    if old is None or before == after:
        return None
    if not after:
        return BioEvent("bio_change", "Cleared their Telegram bio.", 0.3)
    quoted = after if len(after) <= 200 else after[:199] + "…"
    roles_before = {m.lower() for m in _ROLE.findall(before)}
    roles_after = {m.lower() for m in _ROLE.findall(after)}
    if _JOINED.search(after) or roles_after - roles_before:
        return BioEvent("job_change", f"New Telegram bio suggests a job change: “{quoted}”", 0.8)
    return BioEvent("bio_change", f"Updated their Telegram bio: “{quoted}”", 0.5)
