"""Merging two contacts into one, with a full snapshot, and undoing it exactly."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from pingcrm.contacts.service import refresh_search_text, refresh_search_words
from pingcrm.errors import Conflict, NotFound, ValidationFailed
from pingcrm.identity import repository
from pingcrm.interactions.repository import recompute_counters
from pingcrm.kit.clock import utcnow
from pingcrm.meetings import service as calendar
from pingcrm.models import MatchStatus, MergeRecord
from pingcrm.scoring.service import recompute_scores

SNAPSHOT_VERSION = 1
# Scalar fields filled from the absorbed contact when the survivor's is empty (or when
# the user edited the absorbed one's by hand and not the survivor's).
SCALAR_FIELDS = (
    "full_name",
    "given_name",
    "family_name",
    "company",
    "title",
    "location",
    "avatar_url",
    "birthday",
    "twitter_bio",
    "linkedin_headline",
    "telegram_bio",
    "organization_id",
)
PRIORITY_ORDER = ("high", "medium", "low", "archived")
NOT_FOUND = "That contact does not exist among your contacts."


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def richness(contact: dict[str, Any], children: dict[str, list[int]]) -> tuple[int, int]:
    """How much we know about a contact: filled fields, identifiers (twice), notes and
    interactions; on a tie the older contact."""
    filled = sum(0 if _empty(contact.get(f)) else 1 for f in SCALAR_FIELDS)
    known = (
        filled
        + 2 * len(children.get("identifiers", []))
        + len(children.get("notes", []))
        + len(children.get("interactions", []))
    )
    return known, -int(contact["id"])


# Text fields where the fuller of two values wins ("Maxwell" + "Maxwell Wilcox").
FULLER_FIELDS = frozenset(
    {"full_name", "given_name", "family_name", "company", "title", "location"}
)


def fuller(mine: Any, theirs: Any) -> bool:
    """Whether ``theirs`` says everything ``mine`` says and more: every word of ``mine``
    is in ``theirs`` (accents and case aside) and ``theirs`` has more ("Maxwell" →
    "Maxwell Wilcox", "Acme" → "Acme Robotics GmbH"); a different value is not fuller."""
    if not isinstance(mine, str) or not isinstance(theirs, str):
        return False
    from pingcrm.identity.names import fold

    mine_words = fold(mine).replace(".", " ").split()
    their_words = fold(theirs).replace(".", " ").split()
    if not mine_words or len(their_words) <= len(mine_words):
        return False
    remaining = list(their_words)
    for word in mine_words:
        match = next((w for w in remaining if w == word or w.startswith(word)), None)
        if match is None:
            return False
        remaining.remove(match)
    return True


def merged_values(survivor: dict[str, Any], absorbed: dict[str, Any]) -> dict[str, Any]:
    """The survivor's changed columns: empty scalars filled, the fuller of two text
    values kept ("Maxwell" + "Maxwell Wilcox" → "Maxwell Wilcox") unless the survivor's
    was edited by hand, hand-edited fields of the absorbed contact winning over
    un-edited ones, lists unioned without duplicates."""
    out: dict[str, Any] = {}
    edited_s = set(survivor.get("edited_fields") or [])
    edited_a = set(absorbed.get("edited_fields") or [])
    for name in SCALAR_FIELDS:
        mine, theirs = survivor.get(name), absorbed.get(name)
        if _empty(theirs):
            continue
        richer = name in FULLER_FIELDS and name not in edited_s and fuller(mine, theirs)
        wins = _empty(mine) or (name in edited_a and name not in edited_s) or richer
        if wins and mine != theirs:
            out[name] = theirs
    if "full_name" in out:
        out["sort_name"] = absorbed["sort_name"]
    for name in ("common_groups", "edited_fields"):
        mine_list = list(survivor.get(name) or [])
        union = mine_list + [v for v in absorbed.get(name) or [] if v not in mine_list]
        if union != mine_list:
            out[name] = union
    if "priority" not in edited_s:
        ranks = [PRIORITY_ORDER.index(p) for p in (survivor["priority"], absorbed["priority"])]
        best = PRIORITY_ORDER[min(ranks)]
        if "priority" in edited_a:
            best = absorbed["priority"]
        if best != survivor["priority"]:
            out["priority"] = best
    if survivor.get("is_second_tier") and not absorbed.get("is_second_tier"):
        out["is_second_tier"] = False
    return out


def _refuse_bad_pair(session: Session, user_id: int, first_id: int, second_id: int) -> None:
    if first_id == second_id:
        raise ValidationFailed(
            "A contact cannot be merged with itself: choose two different contacts.",
            details={"field": "other_id"},
        )
    for contact_id in (first_id, second_id):
        if repository.contact_snapshot(session, user_id, contact_id) is None:
            record = repository.open_record_absorbing(session, user_id, contact_id)
            if record is not None:
                raise Conflict(
                    "That contact was already merged into another one; "
                    "undo that merge first or merge the contact it became.",
                    details={"contact_id": contact_id, "merge_id": record.id},
                )
            raise NotFound(NOT_FOUND, details={"contact_id": contact_id})


def merge_contacts(
    session: Session,
    user_id: int,
    first_id: int,
    second_id: int,
    *,
    reason: str = "manual",
    signals: dict[str, Any] | None = None,
) -> MergeRecord:
    """Merge two of the user's contacts: the richer one survives and absorbs the other
    (fields, interactions, notes, suggestions, events, identifiers, tags). Returns the
    merge record whose snapshot lets :func:`undo_merge` restore both exactly.

    Merging a contact with itself, with an unknown or another user's contact, or with a
    contact already merged away raises a :class:`PingError` and changes nothing."""
    _refuse_bad_pair(session, user_id, first_id, second_id)
    session.flush()
    snap_1 = repository.contact_snapshot(session, user_id, first_id)
    snap_2 = repository.contact_snapshot(session, user_id, second_id)
    assert snap_1 is not None
    assert snap_2 is not None
    kids_1 = repository.child_ids(session, user_id, first_id)
    kids_2 = repository.child_ids(session, user_id, second_id)
    if richness(snap_1, kids_1) >= richness(snap_2, kids_2):
        survivor, absorbed, moved = snap_1, snap_2, kids_2
    else:
        survivor, absorbed, moved = snap_2, snap_1, kids_1
    s_id, a_id = int(survivor["id"]), int(absorbed["id"])
    survivor_tags = repository.tag_ids(session, s_id)
    absorbed_tags = repository.tag_ids(session, a_id)
    tags_added = [t for t in absorbed_tags if t not in survivor_tags]
    records_survived = repository.records_survived_by(session, user_id, a_id)
    snapshot = {
        "version": SNAPSHOT_VERSION,
        "reason": reason,
        "signals": signals or {},
        "survivor": survivor,
        "absorbed": absorbed,
        "moved": moved,
        "absorbed_tags": absorbed_tags,
        "tags_added": tags_added,
        "matches": repository.matches_of_contact_rows(session, user_id, a_id),
        "records_survived": records_survived,
    }
    # One open suggestion per person: the survivor's stays, the absorbed one's is kept
    # in the snapshot (Undo puts it back) instead of showing the same person twice.
    dropped: list[dict[str, Any]] = []
    if repository.open_suggestion_rows(session, user_id, s_id):
        dropped = repository.open_suggestion_rows(session, user_id, a_id)
    dropped_ids = {int(row["id"]) for row in dropped}
    moved["suggestions"] = [i for i in moved.get("suggestions", []) if i not in dropped_ids]
    snapshot["suggestions_dropped"] = dropped
    repository.delete_suggestions(session, user_id, dropped_ids)
    repository.move_children(session, user_id, moved, a_id, s_id)
    snapshot["calendar_attendees"] = calendar.repoint_attendees(
        session, user_id, moved.get("interactions", []), a_id, s_id
    )
    repository.add_tags(session, s_id, tags_added)
    repository.set_contact_values(session, user_id, s_id, merged_values(survivor, absorbed))
    repository.set_record_survivor(session, user_id, records_survived, None)
    repository.delete_contact(session, user_id, a_id)
    record = repository.add_record(
        session,
        MergeRecord(user_id=user_id, survivor_id=s_id, absorbed_contact_id=a_id, snapshot=snapshot),
    )
    _refresh(session, user_id, [s_id])
    return record


def _refresh(session: Session, user_id: int, ids: list[int], *, scores: bool = True) -> None:
    """Counters and search text from the rows as they now are (and the score, after a
    merge; an undo puts the scores of the snapshot back)."""
    session.flush()
    recompute_counters(session, user_id, ids, utcnow(), clear_second_tier=False)
    if scores:
        recompute_scores(session, user_id, ids)
    refresh_search_text(session, ids)
    refresh_search_words(session, ids)
    session.expire_all()


def undo_merge(session: Session, user_id: int, record_id: int) -> MergeRecord:
    """Restore both contacts of a merge as they were, every moved row back to its
    original owner; the pair is then remembered as "not the same"."""
    record = repository.get_record(session, user_id, record_id)
    if record is None:
        raise NotFound("That merge does not exist in your merge history.")
    if record.undone_at is not None:
        raise Conflict("This merge was already undone.")
    if record.survivor_id is None:
        raise Conflict(
            "The contact this merge kept was itself merged or deleted since; "
            "undo that later merge first."
        )
    snapshot = record.snapshot
    if snapshot.get("version") != SNAPSHOT_VERSION or "absorbed" not in snapshot:
        raise Conflict("This merge has no snapshot to restore from; it cannot be undone.")
    absorbed = snapshot["absorbed"]
    a_id, s_id = int(absorbed["id"]), int(record.survivor_id)
    if repository.contact_exists(session, a_id):
        raise Conflict("This merge cannot be undone: the contact's id is in use again.")
    repository.insert_contact(session, absorbed)
    repository.restore_contact(session, user_id, snapshot["survivor"])
    moved = {k: [int(i) for i in v] for k, v in snapshot["moved"].items()}
    repository.move_children(session, user_id, moved, s_id, a_id)
    calendar.restore_attendees(session, user_id, snapshot.get("calendar_attendees", []), a_id)
    repository.reinsert_suggestions(session, snapshot.get("suggestions_dropped", []))
    tags_added = repository.existing_tag_ids(session, user_id, snapshot["tags_added"])
    repository.remove_tags(session, s_id, tags_added)
    repository.add_tags(
        session, a_id, repository.existing_tag_ids(session, user_id, snapshot["absorbed_tags"])
    )
    alive = repository.existing_contact_ids(
        session,
        user_id,
        {int(m["contact_a_id"]) for m in snapshot["matches"]}
        | {int(m["contact_b_id"]) for m in snapshot["matches"]},
    )
    repository.reinsert_matches(
        session,
        [
            m
            for m in snapshot["matches"]
            if int(m["contact_a_id"]) in alive and int(m["contact_b_id"]) in alive
        ],
    )
    repository.set_record_survivor(session, user_id, snapshot["records_survived"], a_id)
    now = utcnow()
    record.undone_at = now
    session.flush()
    _remember_rejected(session, user_id, s_id, a_id, now)
    _refresh(session, user_id, [s_id, a_id], scores=False)
    # The refresh touched both rows; their last-modified times are part of "exactly".
    for data in (snapshot["survivor"], absorbed):
        repository.set_contact_values(
            session, user_id, int(data["id"]), {"updated_at": data["updated_at"]}
        )
    session.expire_all()
    return record


def _remember_rejected(session: Session, user_id: int, s_id: int, a_id: int, now: Any) -> None:
    """After an undo, the pair is "not the same": a later scan never proposes it again."""
    from pingcrm.models import IdentityMatch

    match = repository.match_between(session, user_id, s_id, a_id)
    if match is None:
        low, high = sorted((s_id, a_id))
        session.add(
            IdentityMatch(
                user_id=user_id,
                contact_a_id=low,
                contact_b_id=high,
                score=0.0,
                tier=0,
                signals={"undone": True},
                status=MatchStatus.REJECTED,
                decided_at=now,
            )
        )
    else:
        match.status = MatchStatus.REJECTED
        match.decided_at = now
    session.flush()
