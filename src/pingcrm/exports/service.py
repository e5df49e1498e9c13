"""Export a whole account (JSON document, vCard 4.0 of contacts) and restore a JSON
export into an empty account.

The JSON document is described by :class:`pingcrm.exports.schemas.ExportDocument`.
It never contains a secret: no password hash, tokens, encrypted credentials, AI API key
or MCP key digest.

Both directions are table-driven: a document entry is its schema's fields read from (and
written to) the same-named columns, so a new column is one field in ``schemas.py``.
Fields that refer to another row (:data:`REFS`) carry a name instead of an id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from pingcrm.contacts.search_text import build_search_text, sort_name
from pingcrm.contacts.service import refresh_search_words
from pingcrm.errors import Conflict, ValidationFailed
from pingcrm.exports import repository
from pingcrm.exports.schemas import (
    FORMAT_VERSION,
    ExportCalendarEvent,
    ExportContact,
    ExportDetectedEvent,
    ExportDocument,
    ExportIdentifier,
    ExportIdentityMatch,
    ExportInteraction,
    ExportMergeRecord,
    ExportNote,
    ExportNotification,
    ExportOrganization,
    ExportPlatformAccount,
    ExportSuggestion,
    ExportSyncRun,
    _Doc,
)
from pingcrm.exports.vcard import contact_vcard
from pingcrm.kit.clock import utcnow
from pingcrm.models import (
    CalendarEvent,
    Contact,
    ContactIdentifier,
    DetectedEvent,
    IdentifierKind,
    IdentityMatch,
    Interaction,
    MergeRecord,
    Note,
    Notification,
    Organization,
    PlatformAccount,
    Suggestion,
    SyncRun,
    Tag,
    TagCategory,
    User,
    UserSettings,
    contact_tags,
    is_listed,
)
from pingcrm.scoring.service import insert_scores
from pingcrm.tags.service import normalize_tag_name

# A restored merge's snapshot names rows of the exporting database: marked so that Undo
# refuses it ("no snapshot to restore from") instead of moving the wrong rows.
RESTORED_SNAPSHOT = "restored"

# Reference fields: document field → (column, what it names). Accounts are named
# "provider:external_id", organizations by normalised name, contacts by ``bcc_hash``.
REFS: dict[str, tuple[str, str]] = {
    "platform_account": ("platform_account_id", "account"),
    "organization": ("organization_id", "organization"),
    "contact_a": ("contact_a_id", "contact"),
    "contact_b": ("contact_b_id", "contact"),
    "survivor": ("survivor_id", "contact"),
}
# Lists of an ExportContact that are written from their own tables.
NESTED = frozenset(
    {"identifiers", "tags", "notes", "interactions", "suggestions", "detected_events"}
)
# Fields of an ExportContact kept in the contact's score row.
SCORE = ("score", "score_parts")


@dataclass(frozen=True)
class Table:
    """One exported table: its document key, schema and model."""

    key: str
    schema: type[_Doc]
    model: Any


# Rows nested in their contact, in restore order.
CONTACT_TABLES = (
    Table("identifiers", ExportIdentifier, ContactIdentifier),
    Table("notes", ExportNote, Note),
    Table("interactions", ExportInteraction, Interaction),
    Table("suggestions", ExportSuggestion, Suggestion),
    Table("detected_events", ExportDetectedEvent, DetectedEvent),
)
# Top-level lists written after the contacts, in restore order.
ACCOUNT_TABLES = (
    Table("notifications", ExportNotification, Notification),
    Table("identity_matches", ExportIdentityMatch, IdentityMatch),
    Table("merge_records", ExportMergeRecord, MergeRecord),
    Table("calendar_events", ExportCalendarEvent, CalendarEvent),
    Table("sync_runs", ExportSyncRun, SyncRun),
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _account_ref(provider: str, external_id: str) -> str:
    return f"{provider}:{external_id}"


class _Names:
    """Row id → the name a document uses for it, per kind of reference."""

    def __init__(self) -> None:
        self.by_kind: dict[str, dict[int, str]] = defaultdict(dict)

    def entry(self, schema: type[_Doc], row: Any, skip: Iterable[str] = ()) -> dict[str, Any]:
        """The document entry of ``row``: every field of ``schema`` from the same-named
        column, references as names (the ``skip`` fields are the caller's)."""
        out: dict[str, Any] = {}
        skipped = set(skip)
        for name in schema.model_fields:
            if name in skipped:
                continue
            if name in REFS:
                column, kind = REFS[name]
                out[name] = self.by_kind[kind].get(getattr(row, column) or 0)
            else:
                out[name] = _plain(getattr(row, name))
        return out


class _Ids:
    """Name in the document → id of the restored row, per kind of reference."""

    def __init__(self, user_id: int, now: datetime) -> None:
        self.user_id = user_id
        self.now = now
        self.by_kind: dict[str, dict[str, int]] = defaultdict(dict)

    def row(
        self, item: _Doc, model: Any, skip: Iterable[str] = (), **values: Any
    ) -> dict[str, Any]:
        """The columns of a new row for document entry ``item``: every field but ``id``
        and ``skip``, references resolved, ``values`` added, timestamps completed (a
        missing ``created_at`` is now; a missing ``updated_at`` is ``created_at``)."""
        refs = {name for name in type(item).model_fields if name in REFS}
        row = item.model_dump(exclude={"id", *skip, *refs, *values})
        for name in refs:
            column, kind = REFS[name]
            ref = getattr(item, name)
            if ref is not None and ref not in self.by_kind[kind]:
                raise ValidationFailed(
                    f"{type(item).__name__.removeprefix('Export')} refers to an unknown "
                    f"{kind} {ref!r}."
                )
            row[column] = self.by_kind[kind].get(ref) if ref is not None else None
        row.update(values)
        row["user_id"] = self.user_id
        columns = model.__table__.columns
        if "created_at" in columns:
            row.setdefault("created_at", self.now)
        if "updated_at" in columns:
            row.setdefault("updated_at", row.get("created_at", self.now))
        return row


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


def _attendees_out(attendees: list[dict[str, Any]], contacts: dict[int, str]) -> list[Any]:
    return [
        {
            **{k: v for k, v in a.items() if k != "contact_id"},
            "contact": contacts.get(a.get("contact_id") or 0),
        }
        for a in attendees
    ]


def _attendees_in(attendees: list[dict[str, Any]], contacts: dict[str, int]) -> list[Any]:
    return [
        {
            **{k: v for k, v in a.items() if k != "contact"},
            "contact_id": contacts.get(a.get("contact") or ""),
        }
        for a in attendees
    ]


# Per-table adjustments beyond the columns: (export, import) of the entry.
def _export_extra(table: Table, row: Any, names: _Names) -> dict[str, Any]:
    if table.model is CalendarEvent:
        return {"attendees": _attendees_out(row.attendees, names.by_kind["contact"])}
    return {}


def _import_extra(table: Table, item: Any, ids: _Ids) -> dict[str, Any]:
    if table.model is CalendarEvent:
        return {"attendees": _attendees_in(item.attendees, ids.by_kind["contact"])}
    if table.model is MergeRecord:
        return {"snapshot": {**item.snapshot, "version": RESTORED_SNAPSHOT}}
    return {}


def export_account_json(session: Session, user: User) -> dict[str, Any]:
    """Everything ``user`` owns as a JSON-ready document (see ``exports.schemas``)."""
    uid = user.id
    names = _Names()
    accounts = repository.platform_accounts(session, uid)
    names.by_kind["account"] = {
        a.id: _account_ref(a.provider.value, a.external_id) for a in accounts
    }
    all_tags = repository.tags(session, uid)
    tag_names = {tag.id: tag.name for tag in all_tags}
    tags_by_category: dict[int | None, list[str]] = defaultdict(list)
    for tag in all_tags:
        tags_by_category[tag.category_id].append(tag.name)
    organizations = repository.organizations(session, uid)
    names.by_kind["organization"] = {org.id: org.normalized_name for org in organizations}
    contacts = repository.contacts(session, uid)
    names.by_kind["contact"] = {c.id: c.bcc_hash for c in contacts}

    nested: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for table in CONTACT_TABLES:
        by_contact = nested[table.key] = defaultdict(list)
        for row in repository.owned(session, table.model, uid):
            by_contact[row.contact_id].append(names.entry(table.schema, row))
    contact_tag_names: dict[int, list[str]] = defaultdict(list)
    for contact_id, tag_id in repository.contact_tag_pairs(session, uid):
        contact_tag_names[contact_id].append(tag_names[tag_id])

    document: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "exported_at": _iso(utcnow()),
        "account": {
            "email": user.email,
            "created_at": _iso(user.created_at),
            "settings": _settings_dict(
                repository.user_settings(session, uid), names.by_kind["account"]
            ),
        },
        "platform_accounts": [
            {
                "ref": names.by_kind["account"][a.id],
                **names.entry(ExportPlatformAccount, a, {"ref"}),
            }
            for a in accounts
        ],
        "tag_categories": [
            {"name": cat.name, "position": cat.position, "tags": tags_by_category.get(cat.id, [])}
            for cat in repository.tag_categories(session, uid)
        ],
        "uncategorized_tags": tags_by_category.get(None, []),
        "organizations": [names.entry(ExportOrganization, o) for o in organizations],
        "contacts": [
            {
                **names.entry(ExportContact, c, NESTED),
                "identifiers": nested["identifiers"].get(c.id, []),
                "tags": sorted(contact_tag_names.get(c.id, []), key=str.lower),
                **{t.key: nested[t.key].get(c.id, []) for t in CONTACT_TABLES[1:]},
            }
            for c in contacts
        ],
    }
    for table in ACCOUNT_TABLES:
        document[table.key] = [
            {**names.entry(table.schema, row), **_export_extra(table, row, names)}
            for row in repository.owned(session, table.model, uid)
        ]
    return document


def export_account_vcard(session: Session, user: User) -> str:
    """All of ``user``'s contacts as one vCard 4.0 file (empty string without contacts)."""
    uid = user.id
    idents: dict[int, list[ContactIdentifier]] = defaultdict(list)
    for ident in repository.owned(session, ContactIdentifier, uid):
        idents[ident.contact_id].append(ident)
    notes: dict[int, list[str]] = defaultdict(list)
    for note in repository.owned(session, Note, uid):
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
    ids = _Ids(uid, utcnow())
    counts: dict[str, int] = {}

    def insert(key: str, model: Any, rows: list[dict[str, Any]]) -> list[int]:
        new_ids = repository.insert_returning_ids(session, model, rows) if rows else []
        counts[key] = len(new_ids)
        return new_ids

    # Platform accounts come back disconnected: their credentials were never exported.
    new = insert(
        "platform_accounts",
        PlatformAccount,
        [ids.row(a, PlatformAccount, {"ref"}) for a in doc.platform_accounts],
    )
    ids.by_kind["account"] = {a.ref: i for a, i in zip(doc.platform_accounts, new, strict=True)}

    settings = repository.user_settings(session, uid)
    if settings is None:
        settings = UserSettings(user_id=uid)
        session.add(settings)
    values = doc.account.settings.model_dump(exclude={"primary_gmail_account"})
    for key, value in values.items():
        setattr(settings, key, value)
    settings.primary_gmail_account_id = ids.by_kind["account"].get(
        doc.account.settings.primary_gmail_account or ""
    )
    session.flush()

    tag_ids = _restore_tags(session, doc, ids)
    counts["tags"] = len(tag_ids)

    new = insert(
        "organizations",
        Organization,
        [ids.row(o, Organization) for o in doc.organizations],
    )
    ids.by_kind["organization"] = {
        o.normalized_name: i for o, i in zip(doc.organizations, new, strict=True)
    }

    contact_ids = insert(
        "contacts",
        Contact,
        [ids.row(c, Contact, (*NESTED, *SCORE), **_contact_columns(c)) for c in doc.contacts],
    )
    insert_scores(
        session,
        uid,
        [
            (cid, c.score, c.score_parts, is_listed(c.is_second_tier, c.priority))
            for c, cid in zip(doc.contacts, contact_ids, strict=True)
        ],
    )
    ids.by_kind["contact"] = {c.bcc_hash: i for c, i in zip(doc.contacts, contact_ids, strict=True)}
    pairs = list(zip(doc.contacts, contact_ids, strict=True))

    for table in CONTACT_TABLES:
        rows = [
            ids.row(item, table.model, contact_id=cid, **_import_extra(table, item, ids))
            for c, cid in pairs
            for item in getattr(c, table.key)
        ]
        repository.insert_rows(session, table.model, rows)
        counts[table.key] = len(rows)
    links = sorted({(cid, tag_ids[normalize_tag_name(t)]) for c, cid in pairs for t in c.tags})
    repository.insert_rows(
        session, contact_tags, [{"contact_id": a, "tag_id": b} for a, b in links]
    )
    for table in ACCOUNT_TABLES:
        rows = [
            ids.row(item, table.model, **_import_extra(table, item, ids))
            for item in getattr(doc, table.key)
        ]
        repository.insert_rows(session, table.model, rows)
        counts[table.key] = len(rows)
    # The restored interactions' preview words, in each contact's search document.
    refresh_search_words(session, contact_ids)
    return counts


def _contact_columns(c: ExportContact) -> dict[str, Any]:
    """The columns of a contact that the document does not carry."""
    return {
        "sort_name": sort_name(c.full_name),
        "search_text": build_search_text(
            full_name=c.full_name,
            company=c.company,
            title=c.title,
            location=c.location,
            # Source-record keys are hidden bookkeeping, never searchable.
            identifiers=[
                i.display_value for i in c.identifiers if i.kind is not IdentifierKind.SOURCE_RECORD
            ],
            tags=c.tags,
            notes=[n.body for n in c.notes],
            bios=[c.twitter_bio, c.linkedin_headline, c.telegram_bio],
        ),
    }


def _restore_tags(session: Session, doc: ExportDocument, ids: _Ids) -> dict[str, int]:
    """Categories, then every tag (also those only used on contacts): normalised name →
    new tag id."""
    tag_rows: dict[str, dict[str, Any]] = {}
    if doc.tag_categories:
        cat_ids = repository.insert_returning_ids(
            session,
            TagCategory,
            [
                ids.row(cat, TagCategory, {"tags"}, normalized_name=normalize_tag_name(cat.name))
                for cat in doc.tag_categories
            ],
        )
        for cat, cat_id in zip(doc.tag_categories, cat_ids, strict=True):
            for name in cat.tags:
                tag_rows.setdefault(normalize_tag_name(name), {"name": name, "category": cat_id})
    for name in [*doc.uncategorized_tags, *(t for c in doc.contacts for t in c.tags)]:
        tag_rows.setdefault(normalize_tag_name(name), {"name": name, "category": None})
    if not tag_rows:
        return {}
    keys = list(tag_rows)
    new = repository.insert_returning_ids(
        session,
        Tag,
        [
            {
                "user_id": ids.user_id,
                "category_id": tag_rows[key]["category"],
                "name": tag_rows[key]["name"],
                "normalized_name": key,
                "created_at": ids.now,
                "updated_at": ids.now,
            }
            for key in keys
        ],
    )
    return dict(zip(keys, new, strict=True))
