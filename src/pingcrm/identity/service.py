"""Identity resolution use cases, called by pages, API, CLI, jobs and MCP alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.errors import Conflict, NotFound, ValidationFailed
from pingcrm.identity import merge, repository
from pingcrm.identity.scan import FoundPair, Progress, ScanResult, scan_chunks, store_pairs
from pingcrm.identity.signals import SIGNAL_LABELS, Thresholds
from pingcrm.kit.clock import utcnow
from pingcrm.models import Contact, IdentityMatch, MatchStatus, MergeRecord

MATCH_NOT_FOUND = "That pair is not in your review queue."
ACTIONS = ("merge", "reject", "skip")
# The fields the review cards compare side by side.
CARD_FIELDS: tuple[tuple[str, str], ...] = (
    ("full_name", "Name"),
    ("company", "Company"),
    ("title", "Title"),
    ("location", "Location"),
    ("emails", "Emails"),
    ("phones", "Phones"),
    ("handles", "Handles"),
    ("birthday", "Birthday"),
    ("interaction_count", "Interactions"),
    ("source", "Source"),
)


def thresholds(settings: Settings) -> Thresholds:
    """The configured thresholds (``PINGCRM_IDENTITY_*``)."""
    return Thresholds(
        review=settings.identity_review_threshold,
        auto_merge=settings.identity_auto_merge_threshold,
        name_only_cap=settings.identity_name_only_cap,
    )


# ------------------------------------------------------------------------ scan
def run_scan(
    session: Session,
    settings: Settings,
    user_id: int,
    *,
    progress: Progress | None = None,
    auto_merge: bool = True,
) -> ScanResult:
    """Scan the user's contacts: store the pairs for review and (unless ``auto_merge`` is
    off) merge tier-1 pairs, and probable pairs above the auto-merge threshold when the
    user opted in. Clears the user's pending scan request (first, so that one made during
    the scan is kept)."""
    # Cleared first: a request made while this scan runs asks for another scan.
    repository.set_scan_requested(session, user_id, None)
    limits = thresholds(settings)
    result = scan_chunks(
        repository.scan_chunks(session, user_id),
        limits,
        settings.identity_max_block_size,
        progress,
    )
    open_pairs = store_pairs(session, user_id, result)
    opted_in = repository.settings_row(session, user_id).identity_auto_merge_probable
    if auto_merge:
        result.merged_pairs = _auto_merge(session, user_id, open_pairs, limits, opted_in)
        result.auto_merged = len(result.merged_pairs)
    result.queued = repository.count_open(session, user_id)[0]
    return result


def _may_auto_merge(pair: FoundPair, limits: Thresholds, opted_in: bool) -> bool:
    verdict = pair.verdict
    if verdict.tier == 1:
        return not verdict.conflicting
    return opted_in and verdict.score >= limits.auto_merge and not verdict.guards


def _auto_merge(
    session: Session, user_id: int, pairs: list[FoundPair], limits: Thresholds, opted_in: bool
) -> set[tuple[int, int]]:
    """Merge the pairs that may merge themselves, following earlier merges (a chain of
    three records of one person ends as one contact)."""
    into: dict[int, int] = {}

    def root(contact_id: int) -> int:
        while contact_id in into:
            contact_id = into[contact_id]
        return contact_id

    merged: set[tuple[int, int]] = set()
    for pair in sorted(pairs, key=lambda p: (p.verdict.tier, -p.verdict.score, p.a, p.b)):
        if not _may_auto_merge(pair, limits, opted_in):
            continue
        a, b = root(pair.a), root(pair.b)
        if a == b:
            continue
        record = merge.merge_contacts(
            session,
            user_id,
            a,
            b,
            reason=f"automatic (tier {pair.verdict.tier})",
            signals=pair.verdict.as_json(),
        )
        assert record.survivor_id is not None
        into[record.absorbed_contact_id] = record.survivor_id
        merged.add((pair.a, pair.b))
    return merged


def request_scan(session: Session, user_id: int) -> None:
    """Ask for a scan after an import or sync created contacts. Requests coalesce: the
    ``identity.scan_requested`` job runs one scan per user however many asked."""
    row = repository.settings_row(session, user_id)
    if row.identity_scan_requested_at is None:
        row.identity_scan_requested_at = utcnow()
        session.flush()


def users_awaiting_scan(session: Session) -> list[int]:
    """Users with a pending scan request."""
    return repository.users_with_scan_requested(session)


# ------------------------------------------------------------------ review queue
@dataclass(frozen=True)
class CardRow:
    """One compared field of the two cards."""

    label: str
    left: str
    right: str

    @property
    def differs(self) -> bool:
        return bool(self.left and self.right and self.left != self.right) or (
            bool(self.left) != bool(self.right)
        )


@dataclass(frozen=True)
class PairView:
    """A pair as the review queue and the duplicates card show it."""

    id: int
    score: float
    tier: int
    status: MatchStatus
    left: Contact
    right: Contact
    rows: list[CardRow]
    signals: list[str]
    guards: list[str]
    left_emails: list[str] = field(default_factory=list)
    right_emails: list[str] = field(default_factory=list)
    # Identifiers of one kind that differ (two LinkedIn profiles, two phones): shown as
    # a warning before anyone merges the pair.
    conflicts: list[str] = field(default_factory=list)

    @property
    def percent(self) -> int:
        """The model's probability as a whole percent, never 100 for a probable pair
        (the model is never certain; only a shared identifier is)."""
        percent = round(self.score * 100)
        return percent if self.tier == 1 else min(percent, 99)

    @property
    def label(self) -> str:
        """How sure the match is, in words a user reads on the card."""
        if self.tier == 1:
            return "certain" if not self.conflicts else "shared identifier, conflicting others"
        return f"{self.percent}% likely"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _views(session: Session, user_id: int, matches: list[IdentityMatch]) -> list[PairView]:
    ids = {m.contact_a_id for m in matches} | {m.contact_b_id for m in matches}
    contacts = repository.contacts_brief(session, user_id, ids)
    idents = repository.identifiers_of(session, ids)
    views: list[PairView] = []
    for match in matches:
        left, right = contacts.get(match.contact_a_id), contacts.get(match.contact_b_id)
        if left is None or right is None:
            continue
        facts = [_facts(left, idents.get(left.id, [])), _facts(right, idents.get(right.id, []))]
        rows = [CardRow(label, facts[0][key], facts[1][key]) for key, label in CARD_FIELDS]
        matched = (match.signals or {}).get("matched", {})
        views.append(
            PairView(
                id=match.id,
                score=match.score,
                tier=match.tier,
                status=match.status,
                left=left,
                right=right,
                rows=rows,
                signals=[SIGNAL_LABELS.get(k, k) for k in matched],
                guards=[SIGNAL_LABELS.get(k, k) for k in (match.signals or {}).get("guards", [])],
                left_emails=facts[0]["emails"].split(", ") if facts[0]["emails"] else [],
                right_emails=facts[1]["emails"].split(", ") if facts[1]["emails"] else [],
                conflicts=_conflicts(idents.get(left.id, []), idents.get(right.id, [])),
            )
        )
    return views


def _conflicts(left: list[Any], right: list[Any]) -> list[str]:
    """What the two contacts' identifiers contradict, as sentences for the user."""
    from pingcrm.identity.features import Features, strong_key
    from pingcrm.identity.model import CONFLICT_LABELS, conflicts

    sides = []
    for idents in (left, right):
        features = Features(id=0, full_name="")
        for ident in idents:
            key = strong_key(ident.kind, ident.value)
            if key is not None:
                features.strong.add(key)
        sides.append(features)
    return [CONFLICT_LABELS[kind] for kind in conflicts(sides[0], sides[1])]


def merge_conflicts(session: Session, user_id: int, contact_id: int, other_id: int) -> list[str]:
    """The conflicting identifiers of two of the user's contacts (empty when none, or
    when either is not the user's: the merge itself then says why it is refused)."""
    known = repository.contacts_brief(session, user_id, {contact_id, other_id})
    if contact_id not in known or other_id not in known:
        return []
    idents = repository.identifiers_of(session, [contact_id, other_id])
    return _conflicts(idents.get(contact_id, []), idents.get(other_id, []))


def _facts(contact: Contact, identifiers: list[Any]) -> dict[str, str]:
    from pingcrm.models import IdentifierKind

    by_kind: dict[str, list[str]] = {"emails": [], "phones": [], "handles": []}
    for ident in identifiers:
        if ident.kind is IdentifierKind.EMAIL:
            by_kind["emails"].append(ident.display_value)
        elif ident.kind is IdentifierKind.PHONE:
            by_kind["phones"].append(ident.display_value)
        elif ident.kind not in (
            IdentifierKind.TELEGRAM_ID,
            IdentifierKind.TWITTER_ID,
            IdentifierKind.SOURCE_RECORD,
        ):
            by_kind["handles"].append(f"{ident.kind.value.split('_')[0]}: {ident.display_value}")
    facts = {
        key: _text(getattr(contact, key, None)) for key, _ in CARD_FIELDS if key not in by_kind
    }
    facts.update({key: ", ".join(values) for key, values in by_kind.items()})
    return facts


def review_queue(
    session: Session, user_id: int, limit: int = 20, offset: int = 0
) -> list[PairView]:
    """Open pairs, pending first (best score first), then skipped ones."""
    return _views(
        session, user_id, repository.open_matches(session, user_id, limit=limit, offset=offset)
    )


def queue_counts(session: Session, user_id: int) -> tuple[int, int]:
    """(pending, skipped) pairs."""
    return repository.count_open(session, user_id)


def duplicates_of(session: Session, user_id: int, contact_id: int) -> list[PairView]:
    """Open pairs that involve one contact (the contact page's duplicates card)."""
    return _views(
        session, user_id, repository.open_matches(session, user_id, contact_id=contact_id)
    )


def get_pair(session: Session, user_id: int, match_id: int) -> PairView:
    """One of the user's pairs; 404 for an unknown id or another user's pair."""
    match = repository.get_match(session, user_id, match_id)
    views = _views(session, user_id, [match]) if match is not None else []
    if not views:
        raise NotFound(MATCH_NOT_FOUND)
    return views[0]


@dataclass(frozen=True)
class Decision:
    """What a review decision did."""

    action: str
    match_id: int
    record: MergeRecord | None = None

    @property
    def message(self) -> str:
        if self.action == "merge":
            return "Merged. You can undo this from the contact page or the merge history."
        if self.action == "reject":
            return "Marked as different people; this pair will not be proposed again."
        return "Skipped for now."


def decide(session: Session, user_id: int, match_id: int, action: str) -> Decision:
    """Merge, reject ("not the same") or skip one open pair."""
    if action not in ACTIONS:
        raise ValidationFailed(
            f"Unknown action {action!r}: use merge, reject or skip.", details={"field": "action"}
        )
    match = repository.get_match(session, user_id, match_id)
    if match is None:
        raise NotFound(MATCH_NOT_FOUND)
    if match.status not in (MatchStatus.PENDING, MatchStatus.SKIPPED):
        raise Conflict(f"This pair was already decided ({match.status.value}).")
    now = utcnow()
    if action == "merge":
        a, b, signals = match.contact_a_id, match.contact_b_id, dict(match.signals or {})
        match.status = MatchStatus.MERGED
        match.decided_at = now
        session.flush()
        record = merge.merge_contacts(session, user_id, a, b, reason="review", signals=signals)
        return Decision(action, match_id, record)
    match.status = MatchStatus.REJECTED if action == "reject" else MatchStatus.SKIPPED
    match.decided_at = now
    session.flush()
    return Decision(action, match_id)


# ------------------------------------------------------------------ merges
def merge_contacts(
    session: Session,
    user_id: int,
    contact_id: int,
    other_id: int,
    *,
    confirm_conflicts: bool = True,
) -> MergeRecord:
    """Merge two contacts by hand (the richer one survives). When their identifiers
    conflict (two LinkedIn profiles, two phones, …) and ``confirm_conflicts`` is false,
    nothing is merged: a :class:`Conflict` names the conflicts so the user is warned
    first; asked again with the confirmation, the merge goes ahead."""
    if not confirm_conflicts:
        clashes = merge_conflicts(session, user_id, contact_id, other_id)
        if clashes:
            raise Conflict(
                "These two contacts look like two different people: "
                + "; ".join(clashes)
                + ". Merge anyway only if you are sure (confirm_conflicts).",
                details={"conflicts": clashes},
            )
    match = repository.match_between(session, user_id, contact_id, other_id)
    signals = dict(match.signals or {}) if match is not None else {}
    return merge.merge_contacts(
        session, user_id, contact_id, other_id, reason="manual", signals=signals
    )


def undo_merge(session: Session, user_id: int, record_id: int) -> MergeRecord:
    """Undo one merge exactly (both contacts back, every moved row to its owner)."""
    return merge.undo_merge(session, user_id, record_id)


@dataclass(frozen=True)
class MergeView:
    """One merge in the history."""

    id: int
    at: datetime
    survivor_id: int | None
    survivor_name: str
    absorbed_id: int
    absorbed_name: str
    reason: str
    moved_interactions: int
    undone_at: datetime | None

    @property
    def can_undo(self) -> bool:
        return self.undone_at is None and self.survivor_id is not None


def _merge_view(record: MergeRecord) -> MergeView:
    snap = record.snapshot
    return MergeView(
        id=record.id,
        at=record.created_at,
        survivor_id=record.survivor_id,
        survivor_name=str(snap.get("survivor", {}).get("full_name", "a contact")),
        absorbed_id=record.absorbed_contact_id,
        absorbed_name=str(
            snap.get("absorbed", {}).get("full_name") or snap.get("full_name") or "a contact"
        ),
        reason=str(snap.get("reason", "")),
        moved_interactions=len(snap.get("moved", {}).get("interactions", [])),
        undone_at=record.undone_at,
    )


def merge_history(
    session: Session,
    user_id: int,
    *,
    contact_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[MergeView]:
    """Merges newest first (those that kept ``contact_id`` when given)."""
    return [
        _merge_view(r)
        for r in repository.list_records(
            session, user_id, contact_id=contact_id, limit=limit, offset=offset
        )
    ]


def merge_count(session: Session, user_id: int) -> int:
    return repository.count_records(session, user_id)


def get_merge(session: Session, user_id: int, record_id: int) -> MergeView:
    record = repository.get_record(session, user_id, record_id)
    if record is None:
        raise NotFound("That merge does not exist in your merge history.")
    return _merge_view(record)


# ------------------------------------------------------------------ settings
def auto_merge_enabled(session: Session, user_id: int) -> bool:
    """Whether the user lets probable pairs above the threshold merge themselves."""
    return repository.settings_row(session, user_id).identity_auto_merge_probable


def set_auto_merge(session: Session, user_id: int, enabled: bool) -> bool:
    """Opt in or out of auto-merging probable pairs (off by default)."""
    row = repository.settings_row(session, user_id)
    row.identity_auto_merge_probable = enabled
    session.flush()
    return enabled


def pair_json(view: PairView) -> dict[str, Any]:
    """The CLI/API shape of a pair."""
    return {
        "id": view.id,
        "score": view.score,
        "tier": view.tier,
        "status": view.status.value,
        "label": view.label,
        "signals": view.signals,
        "guards": view.guards,
        "conflicts": view.conflicts,
        "contacts": [
            {"id": c.id, "name": c.full_name, "emails": emails}
            for c, emails in ((view.left, view.left_emails), (view.right, view.right_emails))
        ],
    }


ProgressFactory = Callable[[int, int], None]


def scan_runs(session: Session, user_id: int, job_name: str) -> list[Any]:
    """The user's duplicate scans (``job_name`` runs), newest first."""
    return repository.scan_runs(session, user_id, job_name)
