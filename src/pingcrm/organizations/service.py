"""Organization use cases: list with aggregates, show one with its people, merge two."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from pingcrm.errors import NotFound, ValidationFailed
from pingcrm.kit.pagination import Page, PageRequest
from pingcrm.organizations import repository
from pingcrm.organizations.repository import OrganizationRow, PersonRow

SORTS = (
    "name",
    "-name",
    "contacts",
    "-contacts",
    "interactions",
    "-interactions",
    "score",
    "-score",
)
DEFAULT_SORT = "name"
NOT_FOUND = "This organization does not exist."


@dataclass(frozen=True)
class OrganizationDetail:
    """An organization, its aggregates and one page of its people."""

    organization: OrganizationRow
    people: Page[PersonRow]


@dataclass(frozen=True)
class MergeResult:
    """What a merge did."""

    organization: OrganizationRow
    absorbed_name: str
    moved_contacts: int


def _check_sort(sort: str) -> str:
    if sort not in SORTS:
        raise ValidationFailed(
            f"sort must be one of: {', '.join(SORTS)}.", details={"field": "sort"}
        )
    return sort


def list_organizations(
    session: Session, user_id: int, request: PageRequest, *, q: str = "", sort: str = DEFAULT_SORT
) -> Page[OrganizationRow]:
    """The user's organizations with contact count, interaction count and average score."""
    items, total = repository.list_organizations(
        session,
        user_id,
        q=q.strip()[:200],
        sort=_check_sort(sort),
        limit=request.limit,
        offset=request.offset,
    )
    return Page(items=items, total=total, request=request)


def get_organization(
    session: Session, user_id: int, organization_id: int, request: PageRequest
) -> OrganizationDetail:
    """One organization with its people (a page of them, by name); 404 if not the user's."""
    row = repository.organization_row(session, user_id, organization_id)
    if row is None:
        raise NotFound(NOT_FOUND)
    people = repository.people(
        session, user_id, organization_id, limit=request.limit, offset=request.offset
    )
    return OrganizationDetail(
        organization=row,
        people=Page(items=people, total=row.contact_count, request=request),
    )


def merge_organizations(
    session: Session, user_id: int, organization_id: int, other_id: int
) -> MergeResult:
    """Merge ``other_id`` into ``organization_id``: its contacts move, it is deleted.

    Refuses merging an organization with itself, and answers 404 for an id that is not
    one of the user's organizations.
    """
    target = repository.get_organization(session, user_id, organization_id)
    if target is None:
        raise NotFound(NOT_FOUND)
    if other_id == organization_id:
        raise ValidationFailed(
            "An organization cannot be merged with itself: choose another one.",
            details={"field": "other_id"},
        )
    other = repository.get_organization(session, user_id, other_id)
    if other is None:
        raise NotFound(
            "The organization to merge does not exist among your organizations.",
            details={"field": "other_id"},
        )
    moved = repository.move_contacts(session, user_id, other.id, target.id)
    if not target.domain and other.domain:
        target.domain = other.domain
    absorbed_name = other.name
    repository.delete_organization(session, user_id, other.id)
    session.expunge(other)
    session.flush()
    row = repository.organization_row(session, user_id, target.id)
    assert row is not None
    return MergeResult(organization=row, absorbed_name=absorbed_name, moved_contacts=moved)
