"""Export a whole account (JSON document, vCard 4.0 of contacts) and restore a JSON
export into an empty account.

The JSON document is described by :class:`pingcrm.exports.schemas.ExportDocument`.
It never contains a secret: no password hash, tokens, encrypted credentials, AI API key
or MCP key digest.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from pingcrm.contacts.search_text import build_search_text, sort_name
from pingcrm.errors import Conflict, ValidationFailed
from pingcrm.exports import repository
from pingcrm.exports.schemas import FORMAT_VERSION, ExportDocument
from pingcrm.exports.vcard import contact_vcard
from pingcrm.kit.clock import utcnow
from pingcrm.models import (
    Contact,
    ContactIdentifier,
    DetectedEvent,
    Interaction,
    Note,
    Notification,
    Organization,
    PlatformAccount,
    Suggestion,
    Tag,
    TagCategory,
    User,
    UserSettings,
    contact_tags,
)
from pingcrm.tags.service import normalize_tag_name


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _account_ref(provider: str, external_id: str) -> str:
    return f"{provider}:{external_id}"


def _settings_dict(settings: UserSettings | None, accounts: dict[int, str]) -> dict[str, Any]:
    if settings is None:
        return {}
    return {
        "followup_high_days": settings.followup_high_days,
        "followup_medium_days": settings.followup_medium_days,
        "followup_low_days": settings.followup_low_days,
        "daily_suggestion_budget": settings.daily_suggestion_budget,
        "ai_provider": settings.ai_provider,
        "ai_model": settings.ai_model,
        "ai_base_url": settings.ai_base_url,
        "identity_auto_merge_probable": settings.identity_auto_merge_probable,
        "primary_gmail_account": accounts.get(settings.primary_gmail_account_id or 0),
    }


def export_account_json(session: Session, user: User) -> dict[str, Any]:
    """Everything ``user`` owns as a JSON-ready document (see ``exports.schemas``)."""
    uid = user.id
    accounts = repository.platform_accounts(session, uid)
    account_refs = {a.id: _account_ref(a.provider.value, a.external_id) for a in accounts}
    all_tags = repository.tags(session, uid)
    tag_names = {tag.id: tag.name for tag in all_tags}
    categories = repository.tag_categories(session, uid)
    tags_by_category: dict[int | None, list[str]] = defaultdict(list)
    for tag in all_tags:
        tags_by_category[tag.category_id].append(tag.name)
    organizations = repository.organizations(session, uid)
    org_names = {org.id: org.normalized_name for org in organizations}

    children: dict[str, dict[int, list[dict[str, Any]]]] = {
        key: defaultdict(list)
        for key in ("identifiers", "notes", "interactions", "suggestions", "detected_events")
    }
    for ident in repository.identifiers(session, uid):
        children["identifiers"][ident.contact_id].append(
            {
                "kind": ident.kind.value,
                "value": ident.value,
                "display_value": ident.display_value,
                "label": ident.label,
            }
        )
    for note in repository.notes(session, uid):
        children["notes"][note.contact_id].append(
            {
                "id": note.id,
                "body": note.body,
                "created_at": _iso(note.created_at),
                "updated_at": _iso(note.updated_at),
            }
        )
    for item in repository.interactions(session, uid):
        children["interactions"][item.contact_id].append(
            {
                "id": item.id,
                "platform": item.platform.value,
                "kind": item.kind.value,
                "direction": item.direction.value,
                "occurred_at": _iso(item.occurred_at),
                "ended_at": _iso(item.ended_at),
                "subject": item.subject,
                "preview": item.preview,
                "provider_id": item.provider_id,
                "thread_id": item.thread_id,
                "platform_account": account_refs.get(item.platform_account_id or 0),
                "is_read": item.is_read,
                "extra": item.extra,
                "created_at": _iso(item.created_at),
            }
        )
    for sug in repository.suggestions(session, uid):
        children["suggestions"][sug.contact_id].append(
            {
                "id": sug.id,
                "trigger": sug.trigger,
                "reason": sug.reason,
                "why": sug.why,
                "message": sug.message,
                "channel": sug.channel,
                "status": sug.status.value,
                "snoozed_until": _iso(sug.snoozed_until),
                "acted_at": _iso(sug.acted_at),
                "llm_model": sug.llm_model,
                "llm_prompt": sug.llm_prompt,
                "created_at": _iso(sug.created_at),
            }
        )
    for event in repository.detected_events(session, uid):
        children["detected_events"][event.contact_id].append(
            {
                "id": event.id,
                "kind": event.kind,
                "summary": event.summary,
                "confidence": event.confidence,
                "source": event.source,
                "occurred_at": _iso(event.occurred_at),
            }
        )
    contact_tag_names: dict[int, list[str]] = defaultdict(list)
    for contact_id, tag_id in repository.contact_tag_pairs(session, uid):
        contact_tag_names[contact_id].append(tag_names[tag_id])

    contacts = []
    for c in repository.contacts(session, uid):
        contacts.append(
            {
                "id": c.id,
                "full_name": c.full_name,
                "given_name": c.given_name,
                "family_name": c.family_name,
                "company": c.company,
                "title": c.title,
                "location": c.location,
                "avatar_url": c.avatar_url,
                "birthday": _iso(c.birthday),
                "twitter_bio": c.twitter_bio,
                "linkedin_headline": c.linkedin_headline,
                "telegram_bio": c.telegram_bio,
                "priority": c.priority.value,
                "is_second_tier": c.is_second_tier,
                "score": c.score,
                "score_parts": c.score_parts,
                "last_interaction_at": _iso(c.last_interaction_at),
                "interaction_count": c.interaction_count,
                "bcc_hash": c.bcc_hash,
                "organization": org_names.get(c.organization_id or 0),
                "edited_fields": c.edited_fields,
                "common_groups": c.common_groups,
                "source": c.source,
                "created_at": _iso(c.created_at),
                "updated_at": _iso(c.updated_at),
                "identifiers": children["identifiers"].get(c.id, []),
                "tags": sorted(contact_tag_names.get(c.id, []), key=str.lower),
                "notes": children["notes"].get(c.id, []),
                "interactions": children["interactions"].get(c.id, []),
                "suggestions": children["suggestions"].get(c.id, []),
                "detected_events": children["detected_events"].get(c.id, []),
            }
        )

    return {
        "format_version": FORMAT_VERSION,
        "exported_at": _iso(utcnow()),
        "account": {
            "email": user.email,
            "created_at": _iso(user.created_at),
            "settings": _settings_dict(repository.user_settings(session, uid), account_refs),
        },
        "platform_accounts": [
            {
                "ref": account_refs[a.id],
                "provider": a.provider.value,
                "external_id": a.external_id,
                "display_name": a.display_name,
                "scopes": a.scopes,
                "sync_settings": a.sync_settings,
                "last_synced_at": _iso(a.last_synced_at),
            }
            for a in accounts
        ],
        "tag_categories": [
            {"name": cat.name, "position": cat.position, "tags": tags_by_category.get(cat.id, [])}
            for cat in categories
        ],
        "uncategorized_tags": tags_by_category.get(None, []),
        "organizations": [
            {"id": o.id, "name": o.name, "normalized_name": o.normalized_name, "domain": o.domain}
            for o in organizations
        ],
        "contacts": contacts,
        "notifications": [
            {
                "kind": n.kind.value,
                "title": n.title,
                "body": n.body,
                "link": n.link,
                "is_read": n.is_read,
                "created_at": _iso(n.created_at),
            }
            for n in repository.notifications(session, uid)
        ],
    }


def export_account_vcard(session: Session, user: User) -> str:
    """All of ``user``'s contacts as one vCard 4.0 file (empty string without contacts)."""
    uid = user.id
    idents: dict[int, list[ContactIdentifier]] = defaultdict(list)
    for ident in repository.identifiers(session, uid):
        idents[ident.contact_id].append(ident)
    notes: dict[int, list[str]] = defaultdict(list)
    for note in repository.notes(session, uid):
        notes[note.contact_id].append(note.body)
    tag_names = {tag.id: tag.name for tag in repository.tags(session, uid)}
    tags: dict[int, list[str]] = defaultdict(list)
    for contact_id, tag_id in repository.contact_tag_pairs(session, uid):
        tags[contact_id].append(tag_names[tag_id])
    cards = [
        contact_vcard(
            contact,
            idents.get(contact.id, []),
            sorted(tags.get(contact.id, []), key=str.lower),
            notes.get(contact.id, []),
        )
        for contact in repository.contacts(session, uid)
    ]
    return "".join(cards)


def _parse_document(document: dict[str, Any]) -> ExportDocument:
    version = document.get("format_version") if isinstance(document, dict) else None
    if version != FORMAT_VERSION:
        raise ValidationFailed(
            f"This is not a PingCRM export of format version {FORMAT_VERSION} "
            f"(format_version is {version!r}).",
            details={"field": "format_version"},
        )
    try:
        return ExportDocument.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ValidationFailed(
            f"The export document is invalid at {where}: {first['msg']}.",
            details={"field": where, "errors": exc.error_count()},
        ) from exc


def _check_unique(doc: ExportDocument) -> None:
    """Refuse documents whose rows would collide on a unique key (nothing is written)."""
    seen_ids: set[tuple[str, str]] = set()
    seen_interactions: set[tuple[str, str]] = set()
    seen_bcc: set[str] = set()
    for contact in doc.contacts:
        if contact.bcc_hash in seen_bcc:
            raise ValidationFailed(f"Two contacts share the BCC hash {contact.bcc_hash!r}.")
        seen_bcc.add(contact.bcc_hash)
        for ident in contact.identifiers:
            key = (ident.kind.value, ident.value)
            if key in seen_ids:
                raise ValidationFailed(
                    f"The {ident.kind.value} {ident.display_value!r} belongs to two contacts."
                )
            seen_ids.add(key)
        for item in contact.interactions:
            ikey = (item.platform.value, item.provider_id)
            if ikey in seen_interactions:
                raise ValidationFailed(
                    f"Interaction {item.provider_id!r} ({item.platform.value}) appears twice."
                )
            seen_interactions.add(ikey)


def import_account_json(session: Session, user: User, document: dict[str, Any]) -> dict[str, int]:
    """Restore an export document into ``user``'s account, which must be empty.

    Returns how many rows of each kind were created. Raises :class:`Conflict` when the
    account already holds data and :class:`ValidationFailed` for a malformed document;
    nothing is written in either case.
    """
    doc = _parse_document(document)
    existing = {k: v for k, v in repository.owned_row_counts(session, user.id).items() if v}
    if existing:
        what = ", ".join(f"{count} {name}" for name, count in existing.items())
        raise Conflict(
            f"The account {user.email} is not empty ({what}). "
            "import-json restores only into an empty account."
        )
    _check_unique(doc)
    uid = user.id
    now = utcnow()
    stamps = {"created_at": now, "updated_at": now}
    counts: dict[str, int] = {}

    # Platform accounts come back disconnected: their credentials were never exported.
    account_ids: dict[str, int] = {}
    if doc.platform_accounts:
        ids = repository.insert_returning_ids(
            session,
            PlatformAccount,
            [
                {
                    "user_id": uid,
                    "provider": a.provider,
                    "external_id": a.external_id,
                    "display_name": a.display_name,
                    "scopes": a.scopes,
                    "sync_settings": a.sync_settings,
                    "last_synced_at": a.last_synced_at,
                    **stamps,
                }
                for a in doc.platform_accounts
            ],
        )
        account_ids = {a.ref: i for a, i in zip(doc.platform_accounts, ids, strict=True)}
    counts["platform_accounts"] = len(account_ids)

    settings = repository.user_settings(session, uid)
    if settings is None:
        settings = UserSettings(user_id=uid)
        session.add(settings)
    values = doc.account.settings.model_dump(exclude={"primary_gmail_account"})
    for key, value in values.items():
        setattr(settings, key, value)
    settings.primary_gmail_account_id = account_ids.get(
        doc.account.settings.primary_gmail_account or ""
    )
    session.flush()

    # Tag taxonomy: categories, then every tag (also those only used on contacts).
    tag_rows: dict[str, dict[str, Any]] = {}
    if doc.tag_categories:
        cat_ids = repository.insert_returning_ids(
            session,
            TagCategory,
            [
                {
                    "user_id": uid,
                    "name": cat.name,
                    "normalized_name": normalize_tag_name(cat.name),
                    "position": cat.position,
                    **stamps,
                }
                for cat in doc.tag_categories
            ],
        )
        for cat, cat_id in zip(doc.tag_categories, cat_ids, strict=True):
            for name in cat.tags:
                tag_rows.setdefault(normalize_tag_name(name), {"name": name, "category": cat_id})
    for name in [*doc.uncategorized_tags, *(t for c in doc.contacts for t in c.tags)]:
        tag_rows.setdefault(normalize_tag_name(name), {"name": name, "category": None})
    tag_ids: dict[str, int] = {}
    if tag_rows:
        keys = list(tag_rows)
        ids = repository.insert_returning_ids(
            session,
            Tag,
            [
                {
                    "user_id": uid,
                    "category_id": tag_rows[key]["category"],
                    "name": tag_rows[key]["name"],
                    "normalized_name": key,
                    **stamps,
                }
                for key in keys
            ],
        )
        tag_ids = dict(zip(keys, ids, strict=True))
    counts["tags"] = len(tag_ids)

    org_ids: dict[str, int] = {}
    if doc.organizations:
        ids = repository.insert_returning_ids(
            session,
            Organization,
            [
                {
                    "user_id": uid,
                    "name": o.name,
                    "normalized_name": o.normalized_name,
                    "domain": o.domain,
                    **stamps,
                }
                for o in doc.organizations
            ],
        )
        org_ids = {o.normalized_name: i for o, i in zip(doc.organizations, ids, strict=True)}
    counts["organizations"] = len(org_ids)

    contact_rows = []
    for c in doc.contacts:
        if c.organization is not None and c.organization not in org_ids:
            raise ValidationFailed(
                f"Contact {c.full_name!r} refers to an unknown organization {c.organization!r}."
            )
        contact_rows.append(
            {
                "user_id": uid,
                "full_name": c.full_name,
                "sort_name": sort_name(c.full_name),
                "given_name": c.given_name,
                "family_name": c.family_name,
                "company": c.company,
                "title": c.title,
                "location": c.location,
                "avatar_url": c.avatar_url,
                "birthday": c.birthday,
                "twitter_bio": c.twitter_bio,
                "linkedin_headline": c.linkedin_headline,
                "telegram_bio": c.telegram_bio,
                "priority": c.priority,
                "is_second_tier": c.is_second_tier,
                "score": c.score,
                "score_parts": c.score_parts,
                "last_interaction_at": c.last_interaction_at,
                "interaction_count": c.interaction_count,
                "bcc_hash": c.bcc_hash,
                "organization_id": org_ids.get(c.organization or ""),
                "edited_fields": c.edited_fields,
                "common_groups": c.common_groups,
                "source": c.source,
                "search_text": build_search_text(
                    full_name=c.full_name,
                    company=c.company,
                    title=c.title,
                    location=c.location,
                    identifiers=[i.display_value for i in c.identifiers],
                    tags=c.tags,
                    notes=[n.body for n in c.notes],
                    bios=[c.twitter_bio, c.linkedin_headline, c.telegram_bio],
                ),
                "created_at": c.created_at,
                "updated_at": c.updated_at,
            }
        )
    contact_ids = repository.insert_returning_ids(session, Contact, contact_rows)
    counts["contacts"] = len(contact_ids)

    pairs = list(zip(doc.contacts, contact_ids, strict=True))
    idents = [
        {
            "user_id": uid,
            "contact_id": cid,
            "kind": i.kind,
            "value": i.value,
            "display_value": i.display_value,
            "label": i.label,
            **stamps,
        }
        for c, cid in pairs
        for i in c.identifiers
    ]
    repository.insert_rows(session, ContactIdentifier, idents)
    counts["identifiers"] = len(idents)

    links = sorted(
        {(cid, tag_ids[normalize_tag_name(t)]) for c, cid in pairs for t in c.tags},
    )
    repository.insert_rows(
        session, contact_tags, [{"contact_id": a, "tag_id": b} for a, b in links]
    )

    notes = [
        {
            "user_id": uid,
            "contact_id": cid,
            "body": n.body,
            "created_at": n.created_at,
            "updated_at": n.updated_at,
        }
        for c, cid in pairs
        for n in c.notes
    ]
    repository.insert_rows(session, Note, notes)
    counts["notes"] = len(notes)

    interactions = []
    for c, cid in pairs:
        for item in c.interactions:
            account = item.platform_account
            if account is not None and account not in account_ids:
                raise ValidationFailed(
                    f"Interaction {item.provider_id!r} refers to an unknown platform "
                    f"account {account!r}."
                )
            interactions.append(
                {
                    "user_id": uid,
                    "contact_id": cid,
                    "platform": item.platform,
                    "kind": item.kind,
                    "direction": item.direction,
                    "occurred_at": item.occurred_at,
                    "ended_at": item.ended_at,
                    "subject": item.subject,
                    "preview": item.preview,
                    "provider_id": item.provider_id,
                    "thread_id": item.thread_id,
                    "platform_account_id": account_ids.get(account or ""),
                    "is_read": item.is_read,
                    "extra": item.extra,
                    "created_at": item.created_at,
                    "updated_at": item.created_at,
                }
            )
    repository.insert_rows(session, Interaction, interactions)
    counts["interactions"] = len(interactions)

    suggestions = [
        {
            "user_id": uid,
            "contact_id": cid,
            **s.model_dump(exclude={"id"}),
            "updated_at": s.created_at,
        }
        for c, cid in pairs
        for s in c.suggestions
    ]
    repository.insert_rows(session, Suggestion, suggestions)
    counts["suggestions"] = len(suggestions)

    events = [
        {"user_id": uid, "contact_id": cid, **e.model_dump(exclude={"id"}), **stamps}
        for c, cid in pairs
        for e in c.detected_events
    ]
    repository.insert_rows(session, DetectedEvent, events)
    counts["detected_events"] = len(events)

    notifications = [
        {"user_id": uid, **n.model_dump(), "updated_at": n.created_at} for n in doc.notifications
    ]
    repository.insert_rows(session, Notification, notifications)
    counts["notifications"] = len(notifications)
    session.flush()
    return counts
