"""SQL of the account export and restore: one query per table, bulk inserts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session, selectinload

from pingcrm.models import (
    Contact,
    Interaction,
    Organization,
    PlatformAccount,
    Tag,
    TagCategory,
    UserSettings,
    contact_tags,
)

BATCH = 5000


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def user_settings(session: Session, user_id: int) -> UserSettings | None:
    """The user's settings row."""
    return session.get(UserSettings, user_id)


def platform_accounts(session: Session, user_id: int) -> Sequence[PlatformAccount]:
    """The user's connections, oldest first."""
    return (
        session.execute(
            select(PlatformAccount)
            .where(PlatformAccount.user_id == user_id)
            .order_by(PlatformAccount.id)
        )
        .scalars()
        .all()
    )


def tag_categories(session: Session, user_id: int) -> Sequence[TagCategory]:
    """The user's tag categories in display order."""
    return (
        session.execute(
            select(TagCategory)
            .where(TagCategory.user_id == user_id)
            .order_by(TagCategory.position, TagCategory.id)
        )
        .scalars()
        .all()
    )


def tags(session: Session, user_id: int) -> Sequence[Tag]:
    """The user's tags by name."""
    return (
        session.execute(select(Tag).where(Tag.user_id == user_id).order_by(Tag.normalized_name))
        .scalars()
        .all()
    )


def organizations(session: Session, user_id: int) -> Sequence[Organization]:
    """The user's organizations, oldest first."""
    return (
        session.execute(
            select(Organization).where(Organization.user_id == user_id).order_by(Organization.id)
        )
        .scalars()
        .all()
    )


def contacts(session: Session, user_id: int) -> Sequence[Contact]:
    """The user's contacts, oldest first (with their score rows)."""
    return (
        session.execute(
            select(Contact)
            .where(Contact.user_id == user_id)
            .order_by(Contact.id)
            .options(selectinload(Contact.score_row))
        )
        .scalars()
        .all()
    )


def owned(session: Session, model: Any, user_id: int) -> Iterator[Any]:
    """Every row of ``model`` the user owns, in insertion order (streamed in batches)."""
    stmt = select(model).where(model.user_id == user_id).order_by(model.id)
    yield from session.execute(stmt.execution_options(yield_per=BATCH)).scalars()


def contact_tag_pairs(session: Session, user_id: int) -> list[tuple[int, int]]:
    """``(contact_id, tag_id)`` of the user's tagged contacts."""
    rows = session.execute(
        select(contact_tags.c.contact_id, contact_tags.c.tag_id)
        .join(Tag, Tag.id == contact_tags.c.tag_id)
        .where(Tag.user_id == user_id)
    ).all()
    return [(row[0], row[1]) for row in rows]


def owned_row_counts(session: Session, user_id: int) -> dict[str, int]:
    """How many rows of the main user-owned tables the user has (empty-account check)."""
    counts: dict[str, int] = {}
    for name, model in (
        ("contacts", Contact),
        ("interactions", Interaction),
        ("tags", Tag),
        ("tag categories", TagCategory),
        ("organizations", Organization),
        ("platform accounts", PlatformAccount),
    ):
        counts[name] = session.execute(
            select(func.count()).select_from(model).where(model.user_id == user_id)
        ).scalar_one()
    return counts


def insert_returning_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` in batches and return their new ids, in the order given."""
    table = _table(model)
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        result = session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), batch
        )
        ids.extend(row[0] for row in result)
    return ids


def insert_rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) in batches, no ids needed."""
    table = model if isinstance(model, Table) else _table(model)
    for start in range(0, len(rows), BATCH):
        session.execute(insert(table), rows[start : start + BATCH])
