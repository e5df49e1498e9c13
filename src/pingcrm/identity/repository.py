"""All SQL of identity resolution: scan inputs, matches, merges and their records."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Row, Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from pingcrm.models import (
    Contact,
    ContactIdentifier,
    ContactScore,
    IdentifierKind,
    IdentityMatch,
    Interaction,
    MatchStatus,
    MergeRecord,
    Note,
    Suggestion,
    SuggestionStatus,
    UserSettings,
    is_listed,
)
from pingcrm.models.base import UTCDateTime
from pingcrm.models.detected_event import DetectedEvent
from pingcrm.models.tag import contact_tags

CHUNK = 500
# Tables whose rows belong to one contact and move with it in a merge.
CHILD_TABLES: dict[str, Any] = {
    "interactions": Interaction,
    "notes": Note,
    "suggestions": Suggestion,
    "detected_events": DetectedEvent,
    "identifiers": ContactIdentifier,
}
SCAN_COLUMNS = (
    Contact.id,
    Contact.full_name,
    Contact.given_name,
    Contact.family_name,
    Contact.company,
    Contact.twitter_bio,
    Contact.linkedin_headline,
    Contact.telegram_bio,
    Contact.common_groups,
)


# ------------------------------------------------------------------ scan inputs
def scan_rows(
    session: Session, user_id: int, contact_ids: Collection[int] | None = None
) -> tuple[list[Any], dict[int, list[tuple[IdentifierKind, str]]]]:
    """The user's contacts (the matcher's columns) and their identifiers."""
    query = select(*SCAN_COLUMNS).where(Contact.user_id == user_id).order_by(Contact.id)
    ident = select(
        ContactIdentifier.contact_id, ContactIdentifier.kind, ContactIdentifier.value
    ).where(
        ContactIdentifier.user_id == user_id,
        # Source-record keys are bookkeeping of the imports, not evidence of identity.
        ContactIdentifier.kind != IdentifierKind.SOURCE_RECORD,
    )
    if contact_ids is not None:
        query = query.where(Contact.id.in_(list(contact_ids)))
        ident = ident.where(ContactIdentifier.contact_id.in_(list(contact_ids)))
    rows = list(session.execute(query))
    identifiers: dict[int, list[tuple[IdentifierKind, str]]] = defaultdict(list)
    for contact_id, kind, value in session.execute(ident):
        identifiers[contact_id].append((kind, value))
    return rows, identifiers


def scan_chunks(
    session: Session, user_id: int, size: int = 2_000
) -> Iterator[tuple[list[Any], dict[int, list[tuple[IdentifierKind, str]]]]]:
    """The user's contacts (the matcher's columns) and their identifiers, ``size``
    contacts at a time in id order (keyset paging: the scan never holds every row)."""
    after = 0
    while True:
        rows = list(
            session.execute(
                select(*SCAN_COLUMNS)
                .where(Contact.user_id == user_id, Contact.id > after)
                .order_by(Contact.id)
                .limit(size)
            )
        )
        if not rows:
            return
        first, after = rows[0].id, rows[-1].id
        identifiers: dict[int, list[tuple[IdentifierKind, str]]] = defaultdict(list)
        for contact_id, kind, value in session.execute(
            select(
                ContactIdentifier.contact_id, ContactIdentifier.kind, ContactIdentifier.value
            ).where(
                ContactIdentifier.user_id == user_id,
                ContactIdentifier.contact_id.between(first, after),
                ContactIdentifier.kind != IdentifierKind.SOURCE_RECORD,
            )
        ):
            identifiers[contact_id].append((kind, value))
        yield rows, identifiers


# ---------------------------------------------------------------------- matches
def existing_matches(session: Session, user_id: int) -> dict[tuple[int, int], tuple[int, str]]:
    """Every stored pair of the user: ``(a, b) → (match id, status)``."""
    rows = session.execute(
        select(
            IdentityMatch.contact_a_id,
            IdentityMatch.contact_b_id,
            IdentityMatch.id,
            IdentityMatch.status,
        ).where(IdentityMatch.user_id == user_id)
    )
    return {(a, b): (mid, MatchStatus(status)) for a, b, mid, status in rows}


def insert_matches(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert new candidate pairs (batched)."""
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(IdentityMatch), list(rows[start : start + CHUNK]))


def update_matches(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Refresh score, tier and signals of known pairs (``id`` in each row)."""
    if rows:
        session.execute(update(IdentityMatch), list(rows))


def delete_matches(session: Session, user_id: int, ids: Collection[int]) -> None:
    """Forget these pairs (e.g. pending pairs that no longer match)."""
    id_list = list(ids)
    for start in range(0, len(id_list), CHUNK):
        session.execute(
            delete(IdentityMatch).where(
                IdentityMatch.user_id == user_id,
                IdentityMatch.id.in_(id_list[start : start + CHUNK]),
            )
        )


def get_match(session: Session, user_id: int, match_id: int) -> IdentityMatch | None:
    """One of the user's pairs."""
    return session.scalars(
        select(IdentityMatch).where(IdentityMatch.user_id == user_id, IdentityMatch.id == match_id)
    ).first()


def match_between(session: Session, user_id: int, a: int, b: int) -> IdentityMatch | None:
    """The stored pair of these two contacts, if any."""
    low, high = sorted((a, b))
    return session.scalars(
        select(IdentityMatch).where(
            IdentityMatch.user_id == user_id,
            IdentityMatch.contact_a_id == low,
            IdentityMatch.contact_b_id == high,
        )
    ).first()


def open_matches(
    session: Session,
    user_id: int,
    *,
    contact_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[IdentityMatch]:
    """Pending pairs, best first, then skipped ones; of one contact when given."""
    query = select(IdentityMatch).where(
        IdentityMatch.user_id == user_id,
        IdentityMatch.status.in_([MatchStatus.PENDING, MatchStatus.SKIPPED]),
    )
    if contact_id is not None:
        query = query.where(
            (IdentityMatch.contact_a_id == contact_id) | (IdentityMatch.contact_b_id == contact_id)
        )
    query = query.order_by(
        (IdentityMatch.status == MatchStatus.SKIPPED).asc(),
        IdentityMatch.score.desc(),
        IdentityMatch.id,
    )
    return list(session.scalars(query.limit(limit).offset(offset)))


def count_open(session: Session, user_id: int) -> tuple[int, int]:
    """How many pairs are pending and how many were skipped."""
    rows = dict(
        session.execute(
            select(IdentityMatch.status, func.count())
            .where(IdentityMatch.user_id == user_id)
            .group_by(IdentityMatch.status)
        ).all()
    )
    return int(rows.get(MatchStatus.PENDING, 0)), int(rows.get(MatchStatus.SKIPPED, 0))


def matches_of_contact_rows(
    session: Session, user_id: int, contact_id: int
) -> list[dict[str, Any]]:
    """Full rows of every pair that involves the contact (for a merge snapshot)."""
    table: Table = IdentityMatch.__table__  # type: ignore[assignment]
    rows = session.execute(
        select(table).where(
            table.c.user_id == user_id,
            (table.c.contact_a_id == contact_id) | (table.c.contact_b_id == contact_id),
        )
    )
    return [to_json(table, row) for row in rows]


# ----------------------------------------------------------------- row snapshots
def to_json(table: Table, row: Row[Any]) -> dict[str, Any]:
    """A table row as JSON-able values (timestamps and dates as ISO text)."""
    out: dict[str, Any] = {}
    for column in table.columns:
        value = getattr(row, column.name)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif hasattr(value, "value") and isinstance(value.value, str):
            value = value.value
        out[column.name] = value
    return out


def from_json(table: Table, data: dict[str, Any]) -> dict[str, Any]:
    """Column values back from :func:`to_json`."""
    out: dict[str, Any] = {}
    for column in table.columns:
        if column.name not in data:
            continue
        value = data[column.name]
        if value is not None and isinstance(column.type, UTCDateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column.type, Date):
            value = date.fromisoformat(value)
        out[column.name] = value
    return out


def contact_table() -> Table:
    return Contact.__table__  # type: ignore[return-value]


def contact_snapshot(session: Session, user_id: int, contact_id: int) -> dict[str, Any] | None:
    """Every column of the contact as JSON, or None when it is not the user's."""
    table = contact_table()
    row = session.execute(
        select(table).where(table.c.user_id == user_id, table.c.id == contact_id)
    ).first()
    if row is None:
        return None
    # The score row's values, under the names they had as contact columns (before
    # migration 0018): snapshots of either age restore the same way.
    score = session.execute(
        select(ContactScore.score, ContactScore.parts).where(ContactScore.contact_id == contact_id)
    ).first()
    return {
        **to_json(table, row),
        "score": score[0] if score is not None else 0,
        "score_parts": (score[1] if score is not None else None) or {},
    }


def contact_exists(session: Session, contact_id: int) -> bool:
    """Whether any contact (of anyone) has this id."""
    return session.scalar(select(Contact.id).where(Contact.id == contact_id)) is not None


def insert_contact(session: Session, data: dict[str, Any]) -> None:
    """Re-create a contact exactly (same id) from its snapshot, with its score row."""
    values = from_json(contact_table(), data)
    session.execute(insert(contact_table()).values(**values))
    session.execute(
        insert(ContactScore).values(
            contact_id=values["id"],
            user_id=values["user_id"],
            score=data.get("score") or 0,
            parts=data.get("score_parts") or {},
            listed=is_listed(values.get("is_second_tier"), values.get("priority")),
        )
    )


def restore_contact(session: Session, user_id: int, data: dict[str, Any]) -> None:
    """Put every column of an existing contact (and its score) back as in its snapshot."""
    values = from_json(contact_table(), data)
    contact_id = values.pop("id")
    values.pop("user_id", None)
    table = contact_table()
    session.execute(
        update(table).where(table.c.user_id == user_id, table.c.id == contact_id).values(**values)
    )
    session.execute(
        update(ContactScore)
        .where(ContactScore.user_id == user_id, ContactScore.contact_id == contact_id)
        .values(score=data.get("score") or 0, parts=data.get("score_parts") or {})
        .execution_options(synchronize_session=False)
    )


def set_contact_values(
    session: Session, user_id: int, contact_id: int, values: dict[str, Any]
) -> None:
    """Write merged values onto the survivor."""
    if values:
        table = contact_table()
        session.execute(
            update(table)
            .where(table.c.user_id == user_id, table.c.id == contact_id)
            .values(**from_json(table, values))
        )


def delete_contact(session: Session, user_id: int, contact_id: int) -> None:
    session.execute(delete(Contact).where(Contact.user_id == user_id, Contact.id == contact_id))


# ------------------------------------------------------------------ children
def child_ids(session: Session, user_id: int, contact_id: int) -> dict[str, list[int]]:
    """Ids of every row that points at the contact, per table."""
    out: dict[str, list[int]] = {}
    for name, model in CHILD_TABLES.items():
        out[name] = list(
            session.scalars(
                select(model.id)
                # ``user_id + 0``: through the contact_id index whatever the statistics
                # (a table never analysed, such as notes, was read through its user_id
                # index: every note of the user, for each merge).
                .where((model.user_id + 0) == user_id, model.contact_id == contact_id)
                .order_by(model.id)
            )
        )
    return out


def move_children(
    session: Session,
    user_id: int,
    moved: dict[str, list[int]],
    from_id: int,
    to_id: int,
) -> None:
    """Point the listed rows (still at ``from_id``) at ``to_id``."""
    for name, ids in moved.items():
        model = CHILD_TABLES[name]
        for start in range(0, len(ids), CHUNK):
            session.execute(
                update(model)
                .where(
                    (model.user_id + 0) == user_id,  # the contact_id index (see child_ids)
                    model.contact_id == from_id,
                    model.id.in_(ids[start : start + CHUNK]),
                )
                .values(contact_id=to_id)
                .execution_options(synchronize_session=False)
            )


def tag_ids(session: Session, contact_id: int) -> list[int]:
    return sorted(
        session.scalars(
            select(contact_tags.c.tag_id).where(contact_tags.c.contact_id == contact_id)
        )
    )


def add_tags(session: Session, contact_id: int, tag_ids_: Iterable[int]) -> None:
    rows = [{"contact_id": contact_id, "tag_id": t} for t in tag_ids_]
    if rows:
        session.execute(insert(contact_tags), rows)


def remove_tags(session: Session, contact_id: int, tag_ids_: Collection[int]) -> None:
    if tag_ids_:
        session.execute(
            delete(contact_tags).where(
                contact_tags.c.contact_id == contact_id, contact_tags.c.tag_id.in_(list(tag_ids_))
            )
        )


def existing_tag_ids(session: Session, user_id: int, ids: Collection[int]) -> list[int]:
    from pingcrm.models import Tag

    if not ids:
        return []
    return sorted(
        session.scalars(select(Tag.id).where(Tag.user_id == user_id, Tag.id.in_(list(ids))))
    )


def existing_contact_ids(session: Session, user_id: int, ids: Collection[int]) -> set[int]:
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Contact.id).where(Contact.user_id == user_id, Contact.id.in_(list(ids)))
        )
    )


def open_suggestion_rows(session: Session, user_id: int, contact_id: int) -> list[dict[str, Any]]:
    """The contact's pending or snoozed suggestions, every column as JSON."""
    table: Table = Suggestion.__table__  # type: ignore[assignment]
    rows = session.execute(
        select(table)
        .where(
            table.c.user_id == user_id,
            table.c.contact_id == contact_id,
            table.c.status.in_([SuggestionStatus.PENDING, SuggestionStatus.SNOOZED]),
        )
        .order_by(table.c.id)
    ).all()
    return [to_json(table, row) for row in rows]


def delete_suggestions(session: Session, user_id: int, ids: Collection[int]) -> None:
    if ids:
        session.execute(
            delete(Suggestion).where(Suggestion.user_id == user_id, Suggestion.id.in_(list(ids)))
        )


def reinsert_suggestions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Put suggestions back exactly (same ids) from a snapshot."""
    table: Table = Suggestion.__table__  # type: ignore[assignment]
    if rows:
        session.execute(insert(table), [from_json(table, data) for data in rows])


def reinsert_matches(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Put pairs back from a snapshot (new ids)."""
    table: Table = IdentityMatch.__table__  # type: ignore[assignment]
    values = []
    for data in rows:
        row = from_json(table, data)
        row.pop("id", None)
        values.append(row)
    if values:
        session.execute(insert(table), values)


# -------------------------------------------------------------- merge records
def add_record(session: Session, record: MergeRecord) -> MergeRecord:
    session.add(record)
    session.flush()
    return record


def get_record(session: Session, user_id: int, record_id: int) -> MergeRecord | None:
    return session.scalars(
        select(MergeRecord).where(MergeRecord.user_id == user_id, MergeRecord.id == record_id)
    ).first()


def records_survived_by(session: Session, user_id: int, contact_id: int) -> list[int]:
    """Open merge records whose survivor is this contact."""
    return list(
        session.scalars(
            select(MergeRecord.id).where(
                MergeRecord.user_id == user_id,
                MergeRecord.survivor_id == contact_id,
                MergeRecord.undone_at.is_(None),
            )
        )
    )


def set_record_survivor(
    session: Session, user_id: int, record_ids: Collection[int], survivor_id: int | None
) -> None:
    if record_ids:
        session.execute(
            update(MergeRecord)
            .where(MergeRecord.user_id == user_id, MergeRecord.id.in_(list(record_ids)))
            .values(survivor_id=survivor_id)
        )


def list_records(
    session: Session,
    user_id: int,
    *,
    contact_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[MergeRecord]:
    """Merges newest first (of one survivor when given)."""
    query = select(MergeRecord).where(MergeRecord.user_id == user_id)
    if contact_id is not None:
        query = query.where(MergeRecord.survivor_id == contact_id)
    return list(
        session.scalars(
            query.order_by(MergeRecord.created_at.desc(), MergeRecord.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def count_records(session: Session, user_id: int) -> int:
    return int(session.scalar(select(func.count()).where(MergeRecord.user_id == user_id)) or 0)


# ------------------------------------------------------------------ settings
def settings_row(session: Session, user_id: int) -> UserSettings:
    from pingcrm.settings.repository import get_or_create

    return get_or_create(session, user_id)


def users_with_scan_requested(session: Session) -> list[int]:
    """Users whose imports or syncs asked for a scan since their last one."""
    return list(
        session.scalars(
            select(UserSettings.user_id)
            .where(UserSettings.identity_scan_requested_at.is_not(None))
            .order_by(UserSettings.user_id)
        )
    )


def set_scan_requested(session: Session, user_id: int, when: datetime | None) -> None:
    row = settings_row(session, user_id)
    row.identity_scan_requested_at = when
    session.flush()


def contacts_brief(session: Session, user_id: int, ids: Collection[int]) -> dict[int, Contact]:
    """The contacts (for cards), by id."""
    if not ids:
        return {}
    return {
        c.id: c
        for c in session.scalars(
            select(Contact).where(Contact.user_id == user_id, Contact.id.in_(list(ids)))
        )
    }


def emails_of(session: Session, ids: Collection[int]) -> dict[int, list[str]]:
    """Display emails per contact."""
    out: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return out
    rows = session.execute(
        select(ContactIdentifier.contact_id, ContactIdentifier.display_value)
        .where(
            ContactIdentifier.contact_id.in_(list(ids)),
            ContactIdentifier.kind == IdentifierKind.EMAIL,
        )
        .order_by(ContactIdentifier.id)
    )
    for cid, display in rows:
        out[cid].append(display)
    return out


def identifiers_of(session: Session, ids: Collection[int]) -> dict[int, list[ContactIdentifier]]:
    """Every identifier per contact (for the review cards)."""
    out: dict[int, list[ContactIdentifier]] = defaultdict(list)
    if not ids:
        return out
    for ident in session.scalars(
        select(ContactIdentifier)
        .where(ContactIdentifier.contact_id.in_(list(ids)))
        .order_by(ContactIdentifier.kind, ContactIdentifier.id)
    ):
        out[ident.contact_id].append(ident)
    return out


def open_record_absorbing(session: Session, user_id: int, contact_id: int) -> MergeRecord | None:
    """The merge (not undone) that absorbed this contact, if it was merged away."""
    return session.scalars(
        select(MergeRecord)
        .where(
            MergeRecord.user_id == user_id,
            MergeRecord.absorbed_contact_id == contact_id,
            MergeRecord.undone_at.is_(None),
        )
        .order_by(MergeRecord.id.desc())
    ).first()


# ------------------------------------------------------------------ scan runs
def record_progress(
    session: Session, job_run_id: int, done: int, total: int, summary: str | None = None
) -> None:
    """Write a scan run's progress (and final summary)."""
    from pingcrm.models import JobRun

    values: dict[str, object] = {"progress_done": done, "progress_total": total}
    if summary is not None:
        values["summary"] = summary
    session.execute(update(JobRun).where(JobRun.id == job_run_id).values(**values))


def scan_runs(session: Session, user_id: int, job_name: str, limit: int = 10) -> list[Any]:
    """The user's scan runs, newest first."""
    from pingcrm.models import JobRun

    return list(
        session.scalars(
            select(JobRun)
            .where(JobRun.user_id == user_id, JobRun.job_name == job_name)
            .order_by(JobRun.id.desc())
            .limit(limit)
        )
    )
