"""Pydantic shapes of the identity API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from pingcrm.identity.service import MergeView, PairView
from pingcrm.kit.bounds import DbId


class PairContactOut(BaseModel):
    id: int
    name: str
    emails: list[str]


class PairOut(BaseModel):
    """A candidate pair: both contacts, score, tier (1 certain, 2 probable), signals."""

    id: int
    score: float
    tier: int
    status: str
    signals: list[str] = Field(description="What matched, in words")
    guards: list[str] = Field(description="Cautions (colleagues, a common first name, …)")
    label: str = Field(description='How sure the match is, in words ("certain", "93% likely")')
    conflicts: list[str] = Field(
        default_factory=list,
        description="Identifiers that contradict each other (two LinkedIn profiles, two "
        "phones): look before merging",
    )
    contacts: list[PairContactOut]

    @classmethod
    def of(cls, view: PairView) -> PairOut:
        return cls(
            id=view.id,
            score=view.score,
            tier=view.tier,
            status=view.status.value,
            signals=view.signals,
            guards=view.guards,
            label=view.label,
            conflicts=view.conflicts,
            contacts=[
                PairContactOut(id=c.id, name=c.full_name, emails=emails)
                for c, emails in ((view.left, view.left_emails), (view.right, view.right_emails))
            ],
        )


class MergeOut(BaseModel):
    """One merge of the history."""

    id: int
    merged_at: datetime
    survivor_id: int | None
    survivor_name: str
    absorbed_contact_id: int
    absorbed_name: str
    reason: str
    moved_interactions: int
    undone_at: datetime | None
    can_undo: bool

    @classmethod
    def of(cls, view: MergeView) -> MergeOut:
        return cls(
            id=view.id,
            merged_at=view.at,
            survivor_id=view.survivor_id,
            survivor_name=view.survivor_name,
            absorbed_contact_id=view.absorbed_id,
            absorbed_name=view.absorbed_name,
            reason=view.reason,
            moved_interactions=view.moved_interactions,
            undone_at=view.undone_at,
            can_undo=view.can_undo,
        )


class MergeRequest(BaseModel):
    """Merge two contacts by hand; the richer one is kept."""

    contact_id: DbId
    other_id: DbId
    # Two contacts whose identifiers conflict (two LinkedIn profiles, two phones) are
    # merged only when this is true; otherwise the answer is 409 naming the conflicts.
    confirm_conflicts: bool = False


class DecisionOut(BaseModel):
    action: str
    message: str
    merge: MergeOut | None = None


class ScanOut(BaseModel):
    """What a scan found and did."""

    contacts: int
    compared_pairs: int
    certain: int
    probable: int
    auto_merged: int
    waiting_for_review: int
    oversized_blocks_skipped: int
    summary: str


class ScanStartedOut(BaseModel):
    queued: bool
    message: str


class IdentitySettingsIn(BaseModel):
    auto_merge_probable: bool


class IdentitySettingsOut(BaseModel):
    auto_merge_probable: bool
