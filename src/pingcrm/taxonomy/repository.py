"""SQL of the tag taxonomy: categories, counts, renames and merges done set-based."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from pingcrm.models import Contact, JobRun, Tag, TagCategory, contact_tags


def categories(session: Session, user_id: int) -> list[TagCategory]:
    return list(
        session.scalars(
            select(TagCategory)
            .where(TagCategory.user_id == user_id)
            .order_by(TagCategory.position, TagCategory.normalized_name)
        )
    )


def tags_with_counts(session: Session, user_id: int) -> list[tuple[Tag, int]]:
    """Every tag of the user with how many contacts carry it."""
    counts = (
        select(contact_tags.c.tag_id, func.count().label("n"))
        .group_by(contact_tags.c.tag_id)
        .subquery()
    )
    rows = session.execute(
        select(Tag, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.tag_id == Tag.id)
        .where(Tag.user_id == user_id)
        .order_by(Tag.normalized_name)
    )
    return [(row[0], int(row[1])) for row in rows]


def category_by_name(session: Session, user_id: int, normalized: str) -> TagCategory | None:
    return session.scalars(
        select(TagCategory).where(
            TagCategory.user_id == user_id, TagCategory.normalized_name == normalized
        )
    ).first()


def get_category(session: Session, user_id: int, category_id: int) -> TagCategory | None:
    return session.scalars(
        select(TagCategory).where(TagCategory.user_id == user_id, TagCategory.id == category_id)
    ).first()


def get_tag(session: Session, user_id: int, tag_id: int) -> Tag | None:
    return session.scalars(select(Tag).where(Tag.user_id == user_id, Tag.id == tag_id)).first()


def contact_ids_with_tag(session: Session, tag_id: int) -> list[int]:
    return list(
        session.scalars(select(contact_tags.c.contact_id).where(contact_tags.c.tag_id == tag_id))
    )


def move_contacts_to_tag(session: Session, source_id: int, target_id: int) -> None:
    """Give every contact of ``source_id`` the tag ``target_id`` (no duplicates)."""
    already = select(contact_tags.c.contact_id).where(contact_tags.c.tag_id == target_id)
    session.execute(
        update(contact_tags)
        .where(contact_tags.c.tag_id == source_id, contact_tags.c.contact_id.not_in(already))
        .values(tag_id=target_id)
    )
    session.execute(delete(contact_tags).where(contact_tags.c.tag_id == source_id))


def uncategorise(session: Session, category_id: int) -> None:
    session.execute(update(Tag).where(Tag.category_id == category_id).values(category_id=None))


def max_position(session: Session, user_id: int) -> int:
    return int(
        session.execute(
            select(func.coalesce(func.max(TagCategory.position), 0)).where(
                TagCategory.user_id == user_id
            )
        ).scalar_one()
    )


def sample_contacts(session: Session, user_id: int, limit: int) -> Sequence[Contact]:
    """Contacts with the most to say about them (title, company, bios), best known first."""
    return session.scalars(
        select(Contact)
        .where(
            Contact.user_id == user_id,
            (Contact.title.is_not(None))
            | (Contact.company.is_not(None))
            | (Contact.linkedin_headline.is_not(None))
            | (Contact.twitter_bio.is_not(None)),
        )
        .order_by(Contact.interaction_count.desc(), Contact.id)
        .limit(limit)
    ).all()


def contacts_page(session: Session, user_id: int, after_id: int, limit: int) -> Sequence[Contact]:
    """Contacts in id order after ``after_id`` (the Apply job walks them in batches)."""
    return session.scalars(
        select(Contact)
        .where(Contact.user_id == user_id, Contact.id > after_id)
        .order_by(Contact.id)
        .limit(limit)
    ).all()


def count_contacts(session: Session, user_id: int) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(Contact).where(Contact.user_id == user_id)
        ).scalar_one()
    )


def link_pairs(session: Session, pairs: Sequence[tuple[int, int]]) -> int:
    """Insert (contact_id, tag_id) links that do not exist yet; returns how many were new."""
    from pingcrm.tags.repository import CHUNK, _insert

    insert = _insert(session)
    added = 0
    rows = [{"contact_id": c, "tag_id": t} for c, t in pairs]
    for start in range(0, len(rows), CHUNK):
        inserted = session.execute(
            insert(contact_tags)
            .values(rows[start : start + CHUNK])
            .on_conflict_do_nothing(index_elements=["contact_id", "tag_id"])
            .returning(contact_tags.c.contact_id)
        )
        added += len(inserted.all())
    return added


def record_progress(
    session: Session, job_run_id: int, done: int, total: int, summary: str | None = None
) -> None:
    """Write a job run's progress (and final summary)."""
    values: dict[str, object] = {"progress_done": done, "progress_total": total}
    if summary is not None:
        values["summary"] = summary
    session.execute(update(JobRun).where(JobRun.id == job_run_id).values(**values))


def latest_run(session: Session, user_id: int, job_name: str) -> JobRun | None:
    """The user's most recent run of ``job_name``."""
    return session.scalars(
        select(JobRun)
        .where(JobRun.user_id == user_id, JobRun.job_name == job_name)
        .order_by(JobRun.id.desc())
        .limit(1)
    ).first()
