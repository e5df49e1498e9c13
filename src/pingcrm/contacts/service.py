"""Contact use cases shared by pages, the API, the CLI, jobs and MCP.

Services flush, never commit: the boundary owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Row
from sqlalchemy.orm import Session

from pingcrm.contacts import repository
from pingcrm.contacts.identifiers import (
    email_domain,
    identifier_url,
    new_bcc_hash,
    normalize_identifier,
)
from pingcrm.contacts.schemas import (
    BulkAction,
    ContactCreate,
    ContactListQuery,
    ContactOut,
    ContactUpdate,
    IdentifierOut,
    OrganizationRef,
    Tier,
)
from pingcrm.contacts.search_text import build_search_text, sort_name
from pingcrm.errors import Conflict, NotFound, ValidationFailed
from pingcrm.kit.clock import utcnow
from pingcrm.kit.pagination import Keyset, Page, PageRequest
from pingcrm.models import Contact, ContactIdentifier, IdentifierKind, Priority
from pingcrm.organizations.resolution import resolve_organization
from pingcrm.scoring.rules import explain, tier_for
from pingcrm.tags import service as tags

MAX_NAME_LENGTH = 300
NOT_FOUND = "This contact does not exist."

# Form/API field → identifier kind, and whether it holds many values.
IDENTIFIER_FIELDS: dict[str, tuple[IdentifierKind, bool]] = {
    "emails": (IdentifierKind.EMAIL, True),
    "phones": (IdentifierKind.PHONE, True),
    "telegram": (IdentifierKind.TELEGRAM_USERNAME, False),
    "twitter": (IdentifierKind.TWITTER_HANDLE, False),
    "linkedin": (IdentifierKind.LINKEDIN_SLUG, False),
}
SCALAR_FIELDS = ("full_name", "company", "title", "location", "birthday", "priority", "avatar_url")
KIND_LABELS = {
    IdentifierKind.EMAIL: "email address",
    IdentifierKind.PHONE: "phone number",
    IdentifierKind.TELEGRAM_USERNAME: "Telegram username",
    IdentifierKind.TWITTER_HANDLE: "X handle",
    IdentifierKind.LINKEDIN_SLUG: "LinkedIn profile",
}
HINTS = {IdentifierKind.PHONE: " Use the international format, e.g. +44 20 7946 0958."}

MAX_ID = repository.MAX_ID
"""The largest id a contact (or organization) can have (a 32-bit integer column)."""


def tier_of(score: int) -> Tier:
    """Strong ≥ 7, Warm 4-6, Cold ≤ 3."""
    return cast(Tier, tier_for(score).value)


def score_why(contact: Contact) -> str:
    """One line explaining the score, e.g. "why 6: reciprocity 3, recency 2, frequency 1",
    or "Not scored yet"."""
    parts = {
        str(name): float(value)
        for name, value in (contact.score_parts or {}).items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }
    return explain(contact.score, parts)


@dataclass
class _Identifiers:
    """Validated identifiers of one form/API body, by field."""

    values: dict[str, list[tuple[str, str]]]  # field → [(normalised, display)]


def _collect_errors(errors: dict[str, str]) -> None:
    if errors:
        field, message = next(iter(errors.items()))
        raise ValidationFailed(message, details={"field": field, "errors": errors})


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = " ".join(value.split())
    return stripped or None


def _validate_name(raw: str | None, errors: dict[str, str]) -> str:
    name = _clean(raw) or ""
    if not name:
        errors["full_name"] = "Enter a name."
    elif len(name) > MAX_NAME_LENGTH:
        errors["full_name"] = f"The name is longer than {MAX_NAME_LENGTH} characters."
    return name


def _validate_scalars(data: dict[str, Any], errors: dict[str, str]) -> None:
    birthday = data.get("birthday")
    if birthday is not None and birthday > utcnow().date():
        errors["birthday"] = "The birthday cannot be in the future."
    avatar = data.get("avatar_url")
    if avatar and not str(avatar).lower().startswith("https://"):
        errors["avatar_url"] = "The avatar must be an https:// image address."


def _validate_identifiers(data: dict[str, Any], errors: dict[str, str]) -> _Identifiers:
    values: dict[str, list[tuple[str, str]]] = {}
    for field, (kind, many) in IDENTIFIER_FIELDS.items():
        if field not in data:
            continue
        raw = data[field]
        items = raw if many else ([] if raw is None else [raw])
        cleaned: dict[str, str] = {}
        for item in items or []:
            display = (item or "").strip()
            if not display:
                continue
            normalized = normalize_identifier(kind, display)
            if normalized is None:
                errors.setdefault(
                    field,
                    f"“{display[:80]}” is not a valid {KIND_LABELS[kind]}.{HINTS.get(kind, '')}",
                )
                continue
            if kind in (IdentifierKind.TELEGRAM_USERNAME, IdentifierKind.TWITTER_HANDLE):
                display = display.lstrip("@")
            elif kind == IdentifierKind.LINKEDIN_SLUG:
                display = normalized
            cleaned.setdefault(normalized, display)
        values[field] = list(cleaned.items())
    return _Identifiers(values)


def _check_identifier_conflicts(
    session: Session, user_id: int, contact_id: int | None, idents: _Identifiers
) -> None:
    pairs = {
        (IDENTIFIER_FIELDS[field][0], normalized)
        for field, items in idents.values.items()
        for normalized, _ in items
    }
    for owner in repository.identifier_owners(session, user_id, pairs):
        if owner.contact_id == contact_id:
            continue
        field = next(f for f, (k, _) in IDENTIFIER_FIELDS.items() if k == owner.kind)
        raise Conflict(
            f"The {KIND_LABELS[owner.kind]} {owner.value} already belongs to {owner.full_name}.",
            details={"field": field, "contact_id": owner.contact_id},
        )


def _store_identifiers(
    session: Session, user_id: int, contact_id: int, idents: _Identifiers
) -> None:
    for field, items in idents.values.items():
        kind = IDENTIFIER_FIELDS[field][0]
        keep = [normalized for normalized, _ in items]
        repository.delete_identifiers(session, contact_id, kind, keep)
        existing = repository.existing_identifier_values(session, contact_id, kind)
        for normalized, display in items:
            if normalized not in existing:
                session.add(
                    ContactIdentifier(
                        user_id=user_id,
                        contact_id=contact_id,
                        kind=kind,
                        value=normalized,
                        display_value=display[:320],
                    )
                )
    session.flush()


def _first_email_domain(idents: _Identifiers) -> str | None:
    emails = idents.values.get("emails") or []
    return email_domain(emails[0][0]) if emails else None


def _split_name(full_name: str) -> tuple[str | None, str | None]:
    given, _, family = full_name.partition(" ")
    return (given[:150] or None, family.strip()[:150] or None)


def refresh_search_words(session: Session, contact_ids: Sequence[int]) -> None:
    """Rebuild the search documents (interaction preview words) of these contacts from
    their interactions as they now are: after interactions moved, changed or went."""
    session.flush()
    repository.rebuild_search_words(session, contact_ids)


def refresh_search_text(session: Session, contact_ids: Sequence[int]) -> None:
    """Rebuild ``search_text`` of these contacts from their current rows (batched)."""
    session.flush()
    inputs = repository.search_inputs(session, list(contact_ids))
    repository.write_search_text(
        session,
        {
            cid: build_search_text(
                full_name=i.full_name,
                company=i.company,
                title=i.title,
                location=i.location,
                identifiers=i.identifiers,
                tags=i.tags,
                notes=i.notes,
                bios=i.bios,
            )
            for cid, i in inputs.items()
        },
    )


def contact_errors(data: ContactCreate | ContactUpdate) -> dict[str, str]:
    """Every problem with the values of a new or changed contact, by field, without
    touching the database (forms show them all at once)."""
    errors: dict[str, str] = {}
    fields = data.model_dump(exclude_unset=isinstance(data, ContactUpdate))
    if "full_name" in fields:
        _validate_name(fields["full_name"], errors)
    _validate_scalars(fields, errors)
    _validate_identifiers(fields, errors)
    if fields.get("tags"):
        try:
            tags.validate_tag_names(fields["tags"])
        except ValidationFailed as exc:
            errors["tags"] = exc.message
    return errors


def create_contact(
    session: Session, user_id: int, data: ContactCreate, *, source: str = "manual"
) -> Contact:
    """Create a contact typed by the user: validates every field (all problems at once,
    in ``details["errors"]``), stores identifiers, tags and organization."""
    errors = contact_errors(data)
    _collect_errors(errors)
    fields = data.model_dump()
    name = _validate_name(data.full_name, errors)
    idents = _validate_identifiers(fields, errors)
    tag_names = tags.validate_tag_names(data.tags)
    _check_identifier_conflicts(session, user_id, None, idents)

    given, family = _split_name(name)
    company = _clean(data.company)
    contact = Contact(
        user_id=user_id,
        full_name=name,
        sort_name=sort_name(name),
        given_name=given,
        family_name=family,
        company=company,
        title=_clean(data.title),
        location=_clean(data.location),
        birthday=data.birthday,
        avatar_url=data.avatar_url or None,
        priority=data.priority,
        bcc_hash=new_bcc_hash(),
        source=source,
        organization_id=resolve_organization(
            session, user_id, company, _first_email_domain(idents)
        ),
        edited_fields=sorted(
            f
            for f in (*SCALAR_FIELDS, *IDENTIFIER_FIELDS)
            if f in fields and fields[f] not in (None, "", [], Priority.MEDIUM)
        )
        if source == "manual"
        else [],
    )
    session.add(contact)
    session.flush()
    _store_identifiers(session, user_id, contact.id, idents)
    if tag_names:
        tags.add_tags(session, user_id, [contact.id], tag_names)
    refresh_search_text(session, [contact.id])
    return get_contact(session, user_id, contact.id)


def get_contact(session: Session, user_id: int, contact_id: int) -> Contact:
    """The user's contact with identifiers, tags and organization loaded; 404 otherwise."""
    contact = repository.get_contact(session, user_id, contact_id)
    if contact is None:
        raise NotFound(NOT_FOUND)
    return contact


def update_contact(
    session: Session, user_id: int, contact_id: int, data: ContactUpdate, *, by_user: bool = True
) -> Contact:
    """Change the fields present in ``data``; when ``by_user``, remember them in
    ``edited_fields`` so that syncs and imports never overwrite them."""
    contact = repository.get_contact(session, user_id, contact_id, full=False)
    if contact is None:
        raise NotFound(NOT_FOUND)
    fields = data.model_dump(exclude_unset=True)
    errors: dict[str, str] = {}
    if "full_name" in fields:
        fields["full_name"] = _validate_name(fields["full_name"], errors)
    if fields.get("priority", "") is None:
        fields.pop("priority")
    _validate_scalars(fields, errors)
    idents = _validate_identifiers(fields, errors)
    tag_names: list[str] | None = None
    if fields.get("tags") is not None:
        try:
            tag_names = tags.validate_tag_names(fields["tags"])
        except ValidationFailed as exc:
            errors["tags"] = exc.message
    _collect_errors(errors)
    _check_identifier_conflicts(session, user_id, contact.id, idents)

    changed: set[str] = set()
    for field in SCALAR_FIELDS:
        if field not in fields:
            continue
        value = fields[field]
        if isinstance(value, str) and field != "avatar_url":
            value = _clean(value)
        if field == "avatar_url":
            value = value or None
        if getattr(contact, field) != value:
            setattr(contact, field, value)
            changed.add(field)
    if "full_name" in changed:
        contact.sort_name = sort_name(contact.full_name)
        contact.given_name, contact.family_name = _split_name(contact.full_name)
    for field, items in idents.values.items():
        kind = IDENTIFIER_FIELDS[field][0]
        before = repository.existing_identifier_values(session, contact.id, kind)
        if before != {normalized for normalized, _ in items}:
            changed.add(field)
    _store_identifiers(session, user_id, contact.id, idents)
    if "company" in changed or "emails" in changed:
        domain = (
            _first_email_domain(idents)
            if "emails" in idents.values
            else _stored_domain(session, user_id, contact.id)
        )
        contact.organization_id = resolve_organization(session, user_id, contact.company, domain)
    if tag_names is not None:
        _replace_tags(session, user_id, contact.id, tag_names)
    if by_user and changed:
        contact.edited_fields = sorted(set(contact.edited_fields or []) | changed)
    contact.updated_at = utcnow()
    refresh_search_text(session, [contact.id])
    return get_contact(session, user_id, contact.id)


def _stored_domain(session: Session, user_id: int, contact_id: int) -> str | None:
    emails = sorted(
        repository.existing_identifier_values(session, contact_id, IdentifierKind.EMAIL)
    )
    return email_domain(emails[0]) if emails else None


def _replace_tags(session: Session, user_id: int, contact_id: int, names: list[str]) -> None:
    current = tags.tag_names_by_contact(session, [contact_id])[contact_id]
    wanted = {n.lower() for n in names}
    stale = [n for n in current if n.lower() not in wanted]
    if stale:
        tags.remove_tags(session, user_id, [contact_id], stale)
    if names:
        tags.add_tags(session, user_id, [contact_id], names)


def set_priority(session: Session, user_id: int, contact_id: int, priority: Priority) -> Contact:
    """Set one contact's priority (remembered as a hand edit)."""
    return update_contact(session, user_id, contact_id, ContactUpdate(priority=priority))


def add_tag(session: Session, user_id: int, contact_id: int, name: str) -> Contact:
    """Tag one contact (the tag is created when new)."""
    bulk_action(session, user_id, [contact_id], "add_tag", name, require_all=True)
    return get_contact(session, user_id, contact_id)


def remove_tag(session: Session, user_id: int, contact_id: int, name: str) -> Contact:
    """Untag one contact."""
    bulk_action(session, user_id, [contact_id], "remove_tag", name, require_all=True)
    return get_contact(session, user_id, contact_id)


def delete_contact(session: Session, user_id: int, contact_id: int) -> None:
    """Delete a contact with its interactions, notes and identifiers."""
    if not repository.delete_contacts(session, user_id, [contact_id]):
        raise NotFound(NOT_FOUND)
    repository.forget_loaded(session, [contact_id])


def bulk_action(
    session: Session,
    user_id: int,
    ids: Sequence[int],
    action: BulkAction,
    value: str | None = None,
    *,
    require_all: bool = False,
) -> int:
    """Apply ``action`` to those of ``ids`` that are the user's contacts (others are
    ignored, or 404 when ``require_all``); returns how many contacts it applied to."""
    owned = repository.owned_ids(session, user_id, ids)
    if require_all and len(owned) != len(set(ids)):
        raise NotFound(NOT_FOUND)
    if action in ("add_tag", "remove_tag"):
        names = tags.validate_tag_names([value or ""], field="value")
        if not names:
            raise ValidationFailed("Enter a tag name.", details={"field": "value"})
        if not owned:
            return 0
        if action == "add_tag":
            tags.add_tags(session, user_id, owned, names)
        else:
            tags.remove_tags(session, user_id, owned, names)
        refresh_search_text(session, owned)
        return len(owned)
    if action in ("set_priority", "archive"):
        if action == "archive":
            priority = Priority.ARCHIVED
        else:
            try:
                priority = Priority((value or "").strip().lower())
            except ValueError as exc:
                raise ValidationFailed(
                    "Choose a priority: high, medium, low or archived.",
                    details={"field": "value"},
                ) from exc
        repository.set_priority(session, user_id, owned, priority)
        return len(owned)
    if action == "delete":
        deleted = repository.delete_contacts(session, user_id, owned)
        repository.forget_loaded(session, owned)
        return deleted
    raise ValidationFailed(f"Unknown action {action!r}.", details={"field": "action"})


def list_contacts(
    session: Session, user_id: int, query: ContactListQuery, page: PageRequest
) -> Page[ContactOut]:
    """Search, filter, sort and paginate the user's contacts (the next page's cursor is
    a keyset: the last contact's place in the sort order)."""
    rows, total, capped = repository.list_contacts(
        session, user_id, query, offset=page.offset, limit=page.limit, after=page.after
    )
    ids = [row.id for row in rows]
    identifiers = repository.identifiers_by_contact(session, ids)
    tag_names = tags.tag_names_by_contact(session, ids)
    items = [
        _contact_out(
            row,
            identifiers[row.id],
            tag_names[row.id],
            organization=OrganizationRef(id=row.organization_id, name=row.organization_name)
            if row.organization_id is not None
            else None,
            score=row.score,
            score_parts=row.score_parts,
        )
        for row in rows
    ]
    after = None
    if rows:
        position = repository.sort_position(rows[-1], query.sort)
        after = Keyset(sort=query.sort, values=position, page=page.page + 1)
    return Page(items=items, total=total, request=page, next_after=after, total_capped=capped)


def visibility(session: Session, user_id: int) -> repository.Visibility:
    """How many contacts the default list shows, and how many are 2nd-tier or archived
    (hidden until the user asks for them)."""
    return repository.visibility_counts(session, user_id)


def bcc_address(session: Session, user_id: int, contact: Contact) -> str | None:
    """``local+hash@domain`` of the user's primary Gmail account; None until connected."""
    address = repository.primary_gmail_address(session, user_id)
    if not address or "@" not in address:
        return None
    local, domain = address.split("@", 1)
    return f"{local.split('+', 1)[0]}+{contact.bcc_hash}@{domain}"


def organizations_for_filter(
    session: Session, user_id: int, selected: int | None = None
) -> list[tuple[int, str]]:
    """(id, name) of the user's organizations for the list filter: the first 500 by name,
    and the one the list is filtered by (reached from the organizations page) wherever it
    sorts."""
    return repository.organizations_for_filter(session, user_id, selected)


HANDLE_KINDS = frozenset({IdentifierKind.TELEGRAM_USERNAME, IdentifierKind.TWITTER_HANDLE})
# Identifiers are listed in the order of their kinds' declaration.
KIND_RANK = {kind: rank for rank, kind in enumerate(IdentifierKind)}
# Numeric platform ids: needed for matching, useless to read; listed after the rest.
RAW_ID_KINDS = frozenset(
    {IdentifierKind.TELEGRAM_ID, IdentifierKind.TWITTER_ID, IdentifierKind.LINKEDIN_ID}
)


def clean_display(kind: IdentifierKind, display: str) -> str:
    """A handle without its "@" (stored that way; older rows and some sources kept it),
    so that pages add exactly one."""
    return display.lstrip("@") if kind in HANDLE_KINDS else display


def identifiers_of(
    identifiers: Iterable[ContactIdentifier | repository.IdentifierRow],
) -> list[IdentifierOut]:
    """A contact's identifiers with profile links, emails first, raw numeric platform
    ids last."""
    return [
        IdentifierOut(
            kind=i.kind,
            value=i.value,
            display_value=clean_display(i.kind, i.display_value),
            url=identifier_url(i.kind, clean_display(i.kind, i.display_value)),
        )
        for i in sorted(
            identifiers,
            key=lambda i: (i.kind in RAW_ID_KINDS, KIND_RANK[i.kind], i.id),
        )
        if i.kind is not IdentifierKind.SOURCE_RECORD
    ]


def to_out(contact: Contact) -> ContactOut:
    """The API shape of a contact loaded with :func:`get_contact`."""
    organization = contact.organization
    return _contact_out(
        contact,
        contact.identifiers,
        [t.name for t in contact.tags],
        organization=OrganizationRef(id=organization.id, name=organization.name)
        if organization
        else None,
        score=contact.score,
        score_parts=contact.score_parts,
    )


def _contact_out(
    contact: Contact | Row[Any],
    identifiers: Iterable[ContactIdentifier | repository.IdentifierRow],
    tag_names: list[str],
    *,
    organization: OrganizationRef | None,
    score: int,
    score_parts: dict[str, Any] | None,
) -> ContactOut:
    shown = identifiers_of(identifiers)
    return ContactOut(
        id=contact.id,
        full_name=contact.full_name,
        company=contact.company,
        title=contact.title,
        location=contact.location,
        avatar_url=contact.avatar_url,
        birthday=contact.birthday,
        priority=contact.priority,
        is_second_tier=contact.is_second_tier,
        score=score,
        tier=tier_of(score),
        score_parts=score_parts or {},
        last_interaction_at=contact.last_interaction_at,
        interaction_count=contact.interaction_count,
        bcc_hash=contact.bcc_hash,
        organization=organization,
        emails=[i.display_value for i in shown if i.kind == IdentifierKind.EMAIL],
        phones=[i.display_value for i in shown if i.kind == IdentifierKind.PHONE],
        identifiers=shown,
        tags=tag_names,
        edited_fields=list(contact.edited_fields or []),
        source=contact.source,
        created_at=contact.created_at,
        updated_at=contact.updated_at,
    )
