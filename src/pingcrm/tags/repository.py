"""SQL of the tags domain: batched get-or-create and set-based attach/detach."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pingcrm.kit.clock import utcnow
from pingcrm.models import Tag, contact_tags

CHUNK = 500


def _insert(session: Session) -> Any:
    """The dialect's ``insert`` (both know ``on_conflict_do_nothing``)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def tags_by_normalized(session: Session, user_id: int, names: Collection[str]) -> dict[str, Tag]:
    """The user's tags whose normalised name is in ``names``."""
    if not names:
        return {}
    rows = session.scalars(
        select(Tag).where(Tag.user_id == user_id, Tag.normalized_name.in_(list(names)))
    )
    return {tag.normalized_name: tag for tag in rows}


def insert_missing_tags(session: Session, user_id: int, names: dict[str, str]) -> None:
    """Insert ``{normalized: display}`` tags, ignoring those that exist already."""
    if not names:
        return
    now = utcnow()
    insert = _insert(session)
    session.execute(
        insert(Tag)
        .values(
            [
                {
                    "user_id": user_id,
                    "name": display,
                    "normalized_name": normalized,
                    "created_at": now,
                    "updated_at": now,
                }
                for normalized, display in names.items()
            ]
        )
        .on_conflict_do_nothing(index_elements=["user_id", "normalized_name"])
    )


def attach(session: Session, contact_ids: Sequence[int], tag_ids: Sequence[int]) -> None:
    """Link every contact to every tag (existing links are kept)."""
    pairs = [{"contact_id": c, "tag_id": t} for c in contact_ids for t in tag_ids]
    insert = _insert(session)
    for start in range(0, len(pairs), CHUNK):
        session.execute(
            insert(contact_tags)
            .values(pairs[start : start + CHUNK])
            .on_conflict_do_nothing(index_elements=["contact_id", "tag_id"])
        )


def detach(session: Session, contact_ids: Sequence[int], tag_ids: Sequence[int]) -> int:
    """Unlink the tags from the contacts; returns how many links were removed."""
    removed = 0
    for start in range(0, len(contact_ids), CHUNK):
        result = session.execute(
            delete(contact_tags).where(
                contact_tags.c.contact_id.in_(contact_ids[start : start + CHUNK]),
                contact_tags.c.tag_id.in_(tag_ids),
            )
        )
        removed += result.rowcount or 0  # type: ignore[attr-defined]
    return removed


def tag_names_by_contact(session: Session, contact_ids: Sequence[int]) -> dict[int, list[str]]:
    """The tag names of each contact, in one query per chunk of contacts."""
    result: dict[int, list[str]] = {cid: [] for cid in contact_ids}
    for start in range(0, len(contact_ids), CHUNK):
        rows = session.execute(
            select(contact_tags.c.contact_id, Tag.name)
            .join(Tag, Tag.id == contact_tags.c.tag_id)
            .where(contact_tags.c.contact_id.in_(contact_ids[start : start + CHUNK]))
            .order_by(Tag.normalized_name)
        )
        for contact_id, name in rows:
            result[contact_id].append(name)
    return result


def list_tags(session: Session, user_id: int) -> list[Tag]:
    """Every tag of the user, by name."""
    return list(
        session.scalars(select(Tag).where(Tag.user_id == user_id).order_by(Tag.normalized_name))
    )
