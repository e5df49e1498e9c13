"""People API ``Person`` JSON → a :class:`ContactInput` (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pingcrm.contacts.ingest import ContactInput
from pingcrm.models import IdentifierKind

PERSON_FIELDS = "names,emailAddresses,phoneNumbers,organizations,birthdays,photos,biographies"


@dataclass(frozen=True)
class PersonChange:
    """One connection of a page: a person to import, or one deleted at Google."""

    resource_name: str
    contact: ContactInput | None  # None: deleted, or nothing usable
    biography: str | None = None
    deleted: bool = False


def _primary(items: Sequence[Mapping[str, Any]] | None) -> Mapping[str, Any] | None:
    if not items:
        return None
    for item in items:
        if (item.get("metadata") or {}).get("primary"):
            return item
    return items[0]


def _text(value: Any) -> str | None:
    text = " ".join(str(value or "").split())
    return text or None


def _birthday(items: Sequence[Mapping[str, Any]] | None) -> date | None:
    for item in items or []:
        parts = item.get("date") or {}
        try:
            return date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except (KeyError, TypeError, ValueError):
            continue  # a birthday without a year (or a text-only one) is not a date
    return None


def _photo(items: Sequence[Mapping[str, Any]] | None) -> str | None:
    for item in items or []:
        url = str(item.get("url") or "")
        if url.startswith("https://") and not item.get("default"):
            return url
    return None


def map_person(person: Mapping[str, Any]) -> PersonChange:
    """Map one connection (deleted ones: ``metadata.deleted``)."""
    resource_name = str(person.get("resourceName") or "")
    if (person.get("metadata") or {}).get("deleted"):
        return PersonChange(resource_name, None, deleted=True)
    name = _primary(person.get("names")) or {}
    organization = _primary(person.get("organizations")) or {}
    identifiers: list[tuple[IdentifierKind, str, str | None]] = []
    for item in person.get("emailAddresses") or []:
        if item.get("value"):
            identifiers.append((IdentifierKind.EMAIL, str(item["value"]), _text(item.get("type"))))
    for item in person.get("phoneNumbers") or []:
        value = item.get("canonicalForm") or item.get("value")
        if value:
            identifiers.append((IdentifierKind.PHONE, str(value), _text(item.get("type"))))
    given = _text(name.get("givenName"))
    family = _text(name.get("familyName"))
    full = _text(name.get("displayName")) or " ".join(p for p in (given, family) if p)
    if not full and not identifiers:
        return PersonChange(resource_name, None)
    bio = _primary(person.get("biographies")) or {}
    contact = ContactInput(
        full_name=full or "",
        given_name=given,
        family_name=family,
        company=_text(organization.get("name")),
        title=_text(organization.get("title")),
        birthday=_birthday(person.get("birthdays")),
        avatar_url=_photo(person.get("photos")),
        identifiers=identifiers,
        source_key=resource_name or None,
    )
    return PersonChange(resource_name, contact, biography=_text(bio.get("value")))
