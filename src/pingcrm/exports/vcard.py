"""vCard 4.0 rendering of contacts (RFC 6350), with ``vobject``."""

from __future__ import annotations

from collections.abc import Iterable

import vobject

from pingcrm.contacts.identifiers import identifier_url
from pingcrm.models import Contact, ContactIdentifier, IdentifierKind

_URL_KINDS = (
    IdentifierKind.LINKEDIN_SLUG,
    IdentifierKind.TWITTER_HANDLE,
    IdentifierKind.TELEGRAM_USERNAME,
)


def _name_parts(contact: Contact) -> tuple[str, str]:
    """``(family, given)`` from the stored parts, else split from the full name."""
    if contact.given_name or contact.family_name:
        return contact.family_name or "", contact.given_name or ""
    words = contact.full_name.split()
    if len(words) < 2:
        return "", contact.full_name
    return words[-1], " ".join(words[:-1])


def contact_vcard(
    contact: Contact,
    identifiers: Iterable[ContactIdentifier],
    tags: Iterable[str],
    notes: Iterable[str],
) -> str:
    """One contact as a serialized vCard 4.0."""
    card = vobject.vCard()
    card.add("version").value = "4.0"
    card.add("fn").value = contact.full_name
    family, given = _name_parts(contact)
    card.add("n").value = vobject.vcard.Name(family=family, given=given)
    urls: list[str] = []
    for identifier in identifiers:
        if identifier.kind == IdentifierKind.EMAIL:
            line = card.add("email")
            line.value = identifier.display_value
            if identifier.label:
                line.type_param = identifier.label
        elif identifier.kind == IdentifierKind.PHONE:
            line = card.add("tel")
            line.value = f"tel:{identifier.value}"
            line.params["VALUE"] = ["uri"]
            if identifier.label:
                line.type_param = identifier.label
        elif identifier.kind in _URL_KINDS:
            url = identifier_url(identifier.kind, identifier.display_value)
            if url:
                urls.append(url)
    for url in urls:
        card.add("url").value = url
    if contact.company:
        card.add("org").value = [contact.company]
    if contact.title:
        card.add("title").value = contact.title
    if contact.location:
        card.add("adr").value = vobject.vcard.Address(city=contact.location)
    if contact.birthday:
        card.add("bday").value = contact.birthday.strftime("%Y%m%d")
    tag_list = [tag for tag in tags if tag]
    if tag_list:
        card.add("categories").value = tag_list
    note_text = "\n\n".join(note for note in notes if note.strip())
    if note_text:
        card.add("note").value = note_text
    card.add("x-pingcrm-id").value = str(contact.id)
    text: str = card.serialize()
    return text
