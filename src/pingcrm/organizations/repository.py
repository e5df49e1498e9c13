"""All SQL of the organizations pages: aggregates, people, merge."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    Subquery,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pingcrm.models import Contact, ContactScore, Organization


@dataclass(frozen=True)
class OrganizationRow:
    """An organization with contact count, interaction count and average score."""

    id: int
    name: str
    domain: str | None
    contact_count: int
    interaction_count: int
    average_score: float | None


@dataclass(frozen=True)
class PersonRow:
    """One person of an organization."""

    id: int
    full_name: str
    title: str | None
    score: int
    last_interaction_at: datetime | None


def _aggregates(user_id: int) -> Subquery:
    """Per-organization aggregates of the user's contacts (a grouped subquery)."""
    return (
        select(
            Contact.organization_id.label("organization_id"),
            func.count(Contact.id).label("contact_count"),
            func.coalesce(func.sum(Contact.interaction_count), 0).label("interaction_count"),
            func.avg(ContactScore.score).label("average_score"),
        )
        .join(ContactScore, ContactScore.contact_id == Contact.id)
        .where(Contact.user_id == user_id, Contact.organization_id.is_not(None))
        .group_by(Contact.organization_id)
        .subquery("agg")
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_organizations(
    session: Session, user_id: int, *, q: str, sort: str, limit: int, offset: int
) -> tuple[list[OrganizationRow], int]:
    """One page of the user's organizations with aggregates, and the total."""
    agg = _aggregates(user_id)
    contact_count = func.coalesce(agg.c.contact_count, 0)
    interaction_count = func.coalesce(agg.c.interaction_count, 0)
    conditions: list[ColumnElement[bool]] = [Organization.user_id == user_id]
    if q:
        pattern = "%" + _escape_like(q.lower()) + "%"
        conditions.append(
            or_(
                func.lower(Organization.name).like(pattern, escape="\\"),
                Organization.normalized_name.like(pattern, escape="\\"),
                func.lower(func.coalesce(Organization.domain, "")).like(pattern, escape="\\"),
            )
        )
    total = session.execute(
        select(func.count()).select_from(Organization).where(*conditions)
    ).scalar_one()
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in ("contacts", "interactions", "score"):
        return _list_by_name(session, user_id, conditions, descending, limit, offset), int(total)
    column: SQLColumnExpression[Any] = {
        "name": Organization.normalized_name,
        "contacts": contact_count,
        "interactions": interaction_count,
        "score": agg.c.average_score,
    }.get(key, Organization.normalized_name)
    primary = column.desc().nulls_last() if descending else column.asc().nulls_last()
    rows = session.execute(
        select(
            Organization.id,
            Organization.name,
            Organization.domain,
            contact_count,
            interaction_count,
            agg.c.average_score,
        )
        .outerjoin(agg, agg.c.organization_id == Organization.id)
        .where(*conditions)
        .order_by(primary, Organization.normalized_name, Organization.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [_org_row(row) for row in rows], int(total)


def _list_by_name(
    session: Session,
    user_id: int,
    conditions: list[ColumnElement[bool]],
    descending: bool,
    limit: int,
    offset: int,
) -> list[OrganizationRow]:
    """Page by name first, then aggregate only that page's organizations (index lookups)."""
    order = Organization.normalized_name.desc() if descending else Organization.normalized_name
    page = session.execute(
        select(Organization.id, Organization.name, Organization.domain)
        .where(*conditions)
        .order_by(order, Organization.id)
        .limit(limit)
        .offset(offset)
    ).all()
    ids = [row[0] for row in page]
    if not ids:
        return []
    stats = {
        row[0]: row
        for row in session.execute(
            select(
                Contact.organization_id,
                func.count(Contact.id),
                func.coalesce(func.sum(Contact.interaction_count), 0),
                func.avg(ContactScore.score),
            )
            .join(ContactScore, ContactScore.contact_id == Contact.id)
            .where(Contact.user_id == user_id, Contact.organization_id.in_(ids))
            .group_by(Contact.organization_id)
        ).all()
    }
    result = []
    for org_id, name, domain in page:
        found = stats.get(org_id)
        result.append(
            _org_row((org_id, name, domain, *(found[1:] if found is not None else (0, 0, None))))
        )
    return result


def _org_row(row: Sequence[Any]) -> OrganizationRow:
    values = tuple(row)
    average = values[5]
    return OrganizationRow(
        id=int(values[0]),
        name=str(values[1]),
        domain=values[2],
        contact_count=int(values[3] or 0),
        interaction_count=int(values[4] or 0),
        average_score=None if average is None else round(float(average), 1),
    )


def get_organization(session: Session, user_id: int, organization_id: int) -> Organization | None:
    """The user's organization ``organization_id``, if it is theirs."""
    return session.execute(
        select(Organization).where(
            Organization.id == organization_id, Organization.user_id == user_id
        )
    ).scalar_one_or_none()


def organization_row(
    session: Session, user_id: int, organization_id: int
) -> OrganizationRow | None:
    """One organization of the user with its aggregates."""
    row = session.execute(
        select(
            Organization.id,
            Organization.name,
            Organization.domain,
            func.count(Contact.id),
            func.coalesce(func.sum(Contact.interaction_count), 0),
            func.avg(ContactScore.score),
        )
        .outerjoin(
            Contact,
            (Contact.organization_id == Organization.id) & (Contact.user_id == user_id),
        )
        .outerjoin(ContactScore, ContactScore.contact_id == Contact.id)
        .where(Organization.id == organization_id, Organization.user_id == user_id)
        .group_by(Organization.id, Organization.name, Organization.domain)
    ).first()
    return None if row is None else _org_row(row)


def people(
    session: Session, user_id: int, organization_id: int, *, limit: int, offset: int
) -> list[PersonRow]:
    """The organization's people by name."""
    rows = session.execute(
        select(
            Contact.id,
            Contact.full_name,
            Contact.title,
            ContactScore.score,
            Contact.last_interaction_at,
        )
        .join(ContactScore, ContactScore.contact_id == Contact.id)
        # Select the members through the (user_id, organization_id) index, then sort them:
        # without the subquery SQLite walks the whole name index of the user instead.
        .where(
            Contact.id.in_(
                select(Contact.id).where(
                    Contact.user_id == user_id, Contact.organization_id == organization_id
                )
            )
        )
        .order_by(Contact.sort_name, Contact.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        PersonRow(
            id=r.id,
            full_name=r.full_name,
            title=r.title,
            score=r.score,
            last_interaction_at=r.last_interaction_at,
        )
        for r in rows
    ]


def move_contacts(session: Session, user_id: int, from_id: int, to_id: int) -> int:
    """Point every contact of ``from_id`` at ``to_id``; return how many moved."""
    result = session.execute(
        update(Contact)
        .where(Contact.user_id == user_id, Contact.organization_id == from_id)
        .values(organization_id=to_id)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def delete_organization(session: Session, user_id: int, organization_id: int) -> None:
    """Delete one organization of the user."""
    session.execute(
        delete(Organization)
        .where(Organization.id == organization_id, Organization.user_id == user_id)
        .execution_options(synchronize_session=False)
    )


def _id_by_normalized_name(session: Session, user_id: int, normalized: str) -> int | None:
    return session.execute(
        select(Organization.id).where(
            Organization.user_id == user_id, Organization.normalized_name == normalized
        )
    ).scalar_one_or_none()


def get_or_create_id(
    session: Session, user_id: int, normalized: str, name: str, domain: str | None
) -> int:
    """The id of the user's organization with this normalised name, created if missing
    (one created concurrently by another transaction wins)."""
    found = _id_by_normalized_name(session, user_id, normalized)
    if found is not None:
        return found
    organization = Organization(
        user_id=user_id, name=name[:300], normalized_name=normalized, domain=domain
    )
    try:
        with session.begin_nested():
            session.add(organization)
            session.flush()
    except IntegrityError:
        # Created concurrently by another transaction: use theirs.
        created = _id_by_normalized_name(session, user_id, normalized)
        assert created is not None
        return created
    return organization.id


def first_id_with_domain(session: Session, user_id: int, domain: str) -> int | None:
    """The user's oldest organization with this email domain."""
    return session.execute(
        select(Organization.id)
        .where(Organization.user_id == user_id, Organization.domain == domain)
        .order_by(Organization.id)
        .limit(1)
    ).scalar_one_or_none()
