"""Profile backfill: the extension sends the profiles the push asked for; the server fills
the contacts (never a field edited by hand) and downloads their avatars itself, or lists
those the CDN refused so the extension uploads the bytes its browser fetched."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.contacts import avatars
from pingcrm.contacts.identifiers import linkedin_slug
from pingcrm.contacts.search_text import build_search_text
from pingcrm.errors import NotFound, PayloadTooLarge
from pingcrm.kit.clock import utcnow
from pingcrm.linkedin import avatar_fetch, repository
from pingcrm.linkedin.schemas import ProfileIn, ProfilesIn
from pingcrm.linkedin.urns import member_id
from pingcrm.models import Contact, IdentifierKind
from pingcrm.organizations.resolution import resolve_organization

log = logging.getLogger("pingcrm.linkedin")
AVATAR = "avatar_url"


@dataclass
class ProfilesResult:
    updated: int = 0
    avatars_stored: int = 0
    needed: list[tuple[int, str]] = field(default_factory=list)


def _match(session: Session, user_id: int, profiles: list[ProfileIn]) -> list[int | None]:
    mids = [member_id(p.member_urn) or "" for p in profiles]
    slugs = [linkedin_slug(p.public_id) if p.public_id else None for p in profiles]
    by_id = repository.contacts_by_identifier(session, user_id, IdentifierKind.LINKEDIN_ID, mids)
    by_slug = repository.contacts_by_identifier(
        session, user_id, IdentifierKind.LINKEDIN_SLUG, [s for s in slugs if s]
    )
    return [
        by_id.get(m) or (by_slug.get(s) if s else None) for m, s in zip(mids, slugs, strict=True)
    ]


def _set(contact: Contact, name: str, value: str | None) -> bool:
    """Set a synced field unless the user edited it; True when it changed."""
    value = " ".join(value.split()) if value else None
    if not value or name in (contact.edited_fields or []) or getattr(contact, name) == value:
        return False
    setattr(contact, name, value)
    return True


def _refresh_search_text(contact: Contact) -> None:
    words = build_search_text(
        full_name=contact.full_name,
        company=contact.company,
        title=contact.title,
        location=contact.location,
        identifiers=[],
        bios=[contact.linkedin_headline],
    )
    missing = [w for w in words.split() if w not in (contact.search_text or "")]
    if missing:
        contact.search_text = " ".join([contact.search_text or "", *missing]).strip()[:20000]


def update_profiles(
    session: Session, settings: Settings, user_id: int, body: ProfilesIn
) -> ProfilesResult:
    """Fill the matched contacts from their profiles and store their avatars."""
    result = ProfilesResult()
    matches = _match(session, user_id, body.profiles)
    contacts = {
        c.id: c for c in repository.contacts_of(session, user_id, [m for m in matches if m])
    }
    for profile, contact_id in zip(body.profiles, matches, strict=True):
        contact = contacts.get(contact_id) if contact_id else None
        if contact is None:
            continue
        changed = False
        if not contact.given_name:
            changed |= _set(contact, "given_name", profile.first_name)
        if not contact.family_name:
            changed |= _set(contact, "family_name", profile.last_name)
        changed |= _set(contact, "linkedin_headline", profile.headline)
        changed |= _set(contact, "title", profile.title)
        changed |= _set(contact, "location", profile.location)
        if _set(contact, "company", profile.company):
            changed = True
            contact.organization_id = resolve_organization(session, user_id, contact.company, None)
        if changed:
            _refresh_search_text(contact)
            result.updated += 1
        if profile.avatar_url and AVATAR not in (contact.edited_fields or []):
            try:
                downloaded = avatar_fetch.download(settings, profile.avatar_url)
                jpeg = avatars.reencode(downloaded.content, downloaded.content_type)
            except (avatar_fetch.AvatarRefused, avatars.UnsupportedImage) as exc:
                log.info("linkedin.avatar.refused contact=%s reason=%s", contact.id, exc)
                result.needed.append((contact.id, profile.avatar_url))
            else:
                contact.avatar_url = avatars.store(settings, user_id, contact.id, jpeg)
                result.avatars_stored += 1
    repository.record_profile_fetches(session, user_id, {c for c in matches if c}, utcnow())
    session.flush()
    return result


def store_upload(
    session: Session,
    settings: Settings,
    user_id: int,
    contact_id: int,
    data: bytes,
    content_type: str,
) -> bool:
    """The browser-bytes fallback: check, re-encode and store; False when the user set
    the photo by hand (kept). NotFound for unknown or other users' contacts."""
    contact = repository.get_contact(session, user_id, contact_id)
    if contact is None:
        raise NotFound("This contact does not exist.")
    if len(data) > settings.linkedin_avatar_max_bytes:
        raise PayloadTooLarge(
            "The image is larger than the avatar limit.",
            details={"limit_bytes": settings.linkedin_avatar_max_bytes},
        )
    jpeg = avatars.reencode(data, content_type)
    if AVATAR in (contact.edited_fields or []):
        return False
    contact.avatar_url = avatars.store(settings, user_id, contact.id, jpeg)
    session.flush()
    return True
