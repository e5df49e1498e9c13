"""What the LinkedIn card and the popup show, and finding a contact for the P button."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.contacts.identifiers import linkedin_slug
from pingcrm.errors import NotFound, ValidationFailed
from pingcrm.kit.clock import utcnow
from pingcrm.linkedin import pairing, repository
from pingcrm.linkedin.urns import member_id
from pingcrm.models import Contact, IdentifierKind
from pingcrm.sync.badges import Badge, badge_for

PAIRING_EXPIRED = (
    "The extension's pairing expired (its token was not renewed in time). Pair the extension again."
)
EXPIRED = Badge("expired", "Expired", "badge-error", PAIRING_EXPIRED)


@dataclass(frozen=True)
class LinkedinStatus:
    """Profiles and messages synced, the last sync, the badge (state ``connected``,
    ``disconnected``, ``error``, or ``expired``: paired, but no token left that the
    extension can use or renew, so it needs pairing again)."""

    profiles_synced: int
    messages_synced: int
    last_sync_at: datetime | None
    badge: Badge
    display_name: str | None

    @property
    def status(self) -> str:
        return self.badge.state

    @property
    def error(self) -> str | None:
        return self.badge.error


def status(session: Session, settings: Settings, user_id: int) -> LinkedinStatus:
    """What the LinkedIn card and the extension's status show."""
    account = pairing.linkedin_account(session, user_id)
    badge = badge_for(account)
    if badge.state != "disconnected":
        renewable_since = utcnow() - timedelta(days=settings.linkedin_refresh_grace_days)
        if not repository.has_usable_pairing(session, user_id, renewable_since):
            badge = EXPIRED
    people, messages = repository.linkedin_stats(session, user_id)
    return LinkedinStatus(
        profiles_synced=people,
        messages_synced=messages,
        last_sync_at=account.last_synced_at if account else None,
        badge=badge,
        display_name=(account.display_name or account.external_id) if account else None,
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
