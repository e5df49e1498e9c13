"""What the LinkedIn card and the popup show, and finding a contact for the P button."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from pingcrm.contacts.identifiers import linkedin_slug
from pingcrm.errors import NotFound, ValidationFailed
from pingcrm.linkedin import pairing, repository
from pingcrm.linkedin.urns import member_id
from pingcrm.models import Contact, IdentifierKind
from pingcrm.sync.badges import badge_for


@dataclass(frozen=True)
class LinkedinStatus:
    """Profiles and messages synced, the last sync, the badge state."""

    profiles_synced: int
    messages_synced: int
    last_sync_at: datetime | None
    status: str
    error: str | None


def status(session: Session, user_id: int) -> LinkedinStatus:
    account = pairing.linkedin_account(session, user_id)
    badge = badge_for(account)
    people, messages = repository.linkedin_stats(session, user_id)
    return LinkedinStatus(
        profiles_synced=people,
        messages_synced=messages,
        last_sync_at=account.last_synced_at if account else None,
        status=badge.state,
        error=badge.error,
    )


def find_contact(
    session: Session, user_id: int, member_urn: str | None, public_id: str | None
) -> Contact:
    """The user's contact with this LinkedIn member URN (or else profile slug); 404."""
    if not member_urn and not public_id:
        raise ValidationFailed(
            "Give member_urn or public_id.",
            details={"errors": [{"field": "member_urn", "message": "member_urn or public_id"}]},
        )
    contact_id: int | None = None
    if member_urn:
        mid = member_id(member_urn)
        if mid is None:
            raise ValidationFailed(
                "member_urn is not a LinkedIn member URN.",
                details={"errors": [{"field": "member_urn", "message": "malformed URN"}]},
            )
        contact_id = repository.contacts_by_identifier(
            session, user_id, IdentifierKind.LINKEDIN_ID, [mid]
        ).get(mid)
    if contact_id is None and public_id:
        slug = linkedin_slug(public_id)
        if slug:
            contact_id = repository.contacts_by_identifier(
                session, user_id, IdentifierKind.LINKEDIN_SLUG, [slug]
            ).get(slug)
    contact = repository.get_contact(session, user_id, contact_id) if contact_id else None
    if contact is None:
        raise NotFound("PingCRM does not know this LinkedIn member yet.")
    return contact


def contact_of_user(session: Session, user_id: int, contact_id: int) -> Contact:
    """The user's contact ``contact_id`` (404 when it is not theirs)."""
    contact = repository.get_contact(session, user_id, contact_id)
    if contact is None:
        raise NotFound("This contact does not exist.")
    return contact
