"""Tag use cases that contacts need: get-or-create by name, add/remove on contacts.

Tags are case-insensitive and unique per user (``normalized_name``); the first spelling
a user typed is the one displayed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from pingcrm.errors import ValidationFailed
from pingcrm.models import Tag
from pingcrm.tags import repository

MAX_TAG_LENGTH = 100


def clean_tag_name(raw: str) -> str:
    """The display form of a tag name: trimmed, inner whitespace collapsed, no ``#``."""
    return " ".join(raw.replace("\x00", "").strip().lstrip("#").split())


def normalize_tag_name(raw: str) -> str:
    """The comparison key of a tag name (case-insensitive)."""
    return clean_tag_name(raw).lower()


def parse_tag_list(raw: str) -> list[str]:
    """Tag names typed as one comma-separated string."""
    return [name for name in (clean_tag_name(part) for part in raw.split(",")) if name]


def validate_tag_names(names: Iterable[str], field: str = "tags") -> list[str]:
    """Cleaned, de-duplicated names; refuses empty or over-long ones."""
    result: dict[str, str] = {}
    for raw in names:
        name = clean_tag_name(raw)
        if not name:
            continue
        if len(name) > MAX_TAG_LENGTH:
            raise ValidationFailed(
                f"The tag “{name[:30]}…” is longer than {MAX_TAG_LENGTH} characters.",
                details={"field": field},
            )
        result.setdefault(name.lower(), name)
    return list(result.values())


def get_or_create_tags(session: Session, user_id: int, names: Iterable[str]) -> list[Tag]:
    """The user's tags with these names, creating the missing ones (two queries + insert)."""
    wanted = {name.lower(): name for name in validate_tag_names(names)}
    if not wanted:
        return []
    existing = repository.tags_by_normalized(session, user_id, wanted.keys())
    missing = {key: display for key, display in wanted.items() if key not in existing}
    if missing:
        repository.insert_missing_tags(session, user_id, missing)
        existing.update(repository.tags_by_normalized(session, user_id, missing.keys()))
    return [existing[key] for key in wanted if key in existing]


def find_tags(session: Session, user_id: int, names: Iterable[str]) -> list[Tag]:
    """The user's existing tags with these names (no creation)."""
    keys = {normalize_tag_name(name) for name in names} - {""}
    return list(repository.tags_by_normalized(session, user_id, keys).values())


def add_tags(
    session: Session, user_id: int, contact_ids: Sequence[int], names: Iterable[str]
) -> list[Tag]:
    """Attach the named tags (created when needed) to contacts already known to be the
    user's. Callers refresh the contacts' search text."""
    tags = get_or_create_tags(session, user_id, names)
    if tags and contact_ids:
        repository.attach(session, contact_ids, [tag.id for tag in tags])
    return tags


def remove_tags(
    session: Session, user_id: int, contact_ids: Sequence[int], names: Iterable[str]
) -> int:
    """Detach the named tags from contacts already known to be the user's."""
    tags = find_tags(session, user_id, names)
    if not tags or not contact_ids:
        return 0
    return repository.detach(session, contact_ids, [tag.id for tag in tags])


def tag_names_by_contact(session: Session, contact_ids: Sequence[int]) -> dict[int, list[str]]:
    """Tag names of each contact (batched)."""
    return repository.tag_names_by_contact(session, contact_ids)


def list_tags(session: Session, user_id: int) -> list[Tag]:
    """Every tag of the user, for filters and pickers."""
    return repository.list_tags(session, user_id)
