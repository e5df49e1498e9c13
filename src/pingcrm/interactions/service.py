"""Interaction use cases: bulk recording for syncs/imports, manual logging, the timeline.

Every change recomputes the touched contacts' ``interaction_count``,
``last_interaction_at`` and relationship score set-based; recording also clears their
2nd-tier flag.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from pingcrm.contacts import repository as contacts_repository
from pingcrm.db import cached_trigger_plans
from pingcrm.errors import NotFound
from pingcrm.interactions import repository
from pingcrm.interactions.schemas import InteractionCreate, InteractionUpdate
from pingcrm.kit.clock import utcnow
from pingcrm.kit.collector import fewer_collections
from pingcrm.kit.pagination import Page, PageRequest
from pingcrm.models import Direction, Interaction, InteractionKind, Platform
from pingcrm.scoring.service import Seed, refresh_contacts

PREVIEW_LENGTH = 500
SUBJECT_LENGTH = 500
MANUAL_PREFIX = "manual:"
NOT_FOUND = "This interaction does not exist."


@dataclass(frozen=True)
class NewInteraction:
    """One interaction to record. ``preview`` is the snippet; for emails with a
    ``subject`` the stored preview becomes "Subject — snippet" (trimmed to 500)."""

    contact_id: int
    platform: Platform
    kind: InteractionKind
    direction: Direction
    occurred_at: datetime
    provider_id: str
    preview: str = ""
    subject: str | None = None
    ended_at: datetime | None = None
    thread_id: str | None = None
    platform_account_id: int | None = None
    is_read: bool | None = None
    extra: dict[str, Any] | None = field(default=None)

    @classmethod
    def from_seed(
        cls, seed: Seed, contact_id: int, *, preview: str = "", subject: str | None = None
    ) -> NewInteraction:
        """The interaction a new contact was created with (see ``upsert_contacts``'
        ``seeds``), to record once the contact has its id."""
        return cls(
            contact_id=contact_id,
            platform=seed.platform,
            kind=seed.kind,
            direction=seed.direction,
            occurred_at=seed.occurred_at,
            provider_id=seed.provider_id,
            preview=preview,
            subject=subject,
        )


def _trim(text: str, limit: int) -> str:
    return _clip(" ".join(text.split()), limit)


def _clip(text: str, limit: int) -> str:
    """``text`` (whitespace already collapsed) cut to ``limit`` characters with "…"."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def compose_preview(
    platform: Platform, kind: InteractionKind, subject: str | None, snippet: str | None
) -> str:
    """The stored preview: "Subject — snippet" for emails with a subject, else the
    snippet (or the subject when there is no snippet); at most 500 characters."""
    subject_text = " ".join(subject.split()) if subject else ""
    snippet_text = " ".join(snippet.split()) if snippet else ""
    is_email = platform == Platform.EMAIL or kind == InteractionKind.EMAIL
    # Both parts are collapsed already: only the length is left to check.
    if is_email and subject_text and snippet_text:
        return _clip(f"{subject_text} — {snippet_text}", PREVIEW_LENGTH)
    return _clip(snippet_text or subject_text, PREVIEW_LENGTH)


def new_manual_provider_id() -> str:
    """``manual:<uuid4 hex>``: the dedup id of an interaction logged by hand."""
    return MANUAL_PREFIX + uuid.uuid4().hex


def is_manual(interaction: Interaction) -> bool:
    """True for interactions the user logged by hand."""
    return interaction.provider_id.startswith(MANUAL_PREFIX)


def _as_row(
    user_id: int, item: NewInteraction | Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    row = item if isinstance(item, NewInteraction) else NewInteraction(**dict(item))
    if row.occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware (UTC)")
    return {
        "user_id": user_id,
        "contact_id": row.contact_id,
        # Already members mostly (a mapping may carry their values): no enum lookup then.
        "platform": row.platform if type(row.platform) is Platform else Platform(row.platform),
        "kind": row.kind if type(row.kind) is InteractionKind else InteractionKind(row.kind),
        "direction": (
            row.direction if type(row.direction) is Direction else Direction(row.direction)
        ),
        "occurred_at": row.occurred_at,
        "ended_at": row.ended_at,
        "subject": _trim(row.subject, SUBJECT_LENGTH) if row.subject else None,
        "preview": compose_preview(row.platform, row.kind, row.subject, row.preview),
        "provider_id": row.provider_id[:255],
        "thread_id": row.thread_id[:255] if row.thread_id else None,
        "platform_account_id": row.platform_account_id,
        "is_read": row.is_read,
        "extra": row.extra,
        "created_at": now,
        "updated_at": now,
    }


@fewer_collections()
def record_interactions(
    session: Session,
    user_id: int,
    rows: Iterable[NewInteraction | Mapping[str, Any]],
    *,
    seeded: Mapping[int, int] | None = None,
) -> int:
    """Insert interactions set-based, skipping any whose (platform, provider_id) the user
    already has, and return how many were new. Then recomputes the counters of the
    contacts that got new rows and clears their 2nd-tier flag. Every ``contact_id`` must
    be one of the user's contacts (else NotFound). A bounded number of statements: about
    three per 500 rows, never one per row.

    ``seeded`` (``IngestResult.seeded``): new contacts inserted with the counters and
    score of that many seeded interactions (and owned by the user: not checked again);
    one that got exactly that many new rows is already right and is not rewritten, any
    other is recomputed as usual."""
    now = utcnow()
    unique: dict[tuple[str, str], dict[str, Any]] = {}
    for item in rows:
        row = _as_row(user_id, item, now)
        unique.setdefault((row["platform"], row["provider_id"]), row)
    inserted = repository.Inserted()
    if unique:
        prepared = list(unique.values())
        # Seeded contacts were just created for this user by the caller's ingest.
        contact_ids = {row["contact_id"] for row in prepared} - set(seeded or ())
        if len(contacts_repository.owned_ids(session, user_id, contact_ids)) != len(contact_ids):
            raise NotFound("This contact does not exist.")
        session.flush()
        # Both bulk writes check each row's contact (a foreign key) with a reused plan.
        with cached_trigger_plans(session.connection()):
            inserted = repository.insert_ignoring_duplicates(session, prepared)
            if inserted.previews:
                # The new previews' words join their contacts' search documents.
                contacts_repository.add_search_words(session, user_id, inserted.previews)
    counts = inserted.counts
    seeded = seeded or {}
    stale = {cid for cid, n in counts.items() if seeded.get(cid) != n}
    stale.update(cid for cid, n in seeded.items() if counts.get(cid, 0) != n)
    if stale:
        ids = sorted(stale)
        # Counters and score in one write per changed contact; the score reflects the new
        # rows at once, not after the nightly refresh.
        refresh_contacts(session, user_id, ids, now, clear_second_tier=True)
    return inserted.total


def log_interaction(session: Session, user_id: int, data: InteractionCreate) -> Interaction:
    """Record a call, meeting or message the user logs by hand."""
    if contacts_repository.get_contact(session, user_id, data.contact_id, full=False) is None:
        raise NotFound("This contact does not exist.")
    occurred_at = data.occurred_at or utcnow()
    provider_id = new_manual_provider_id()
    record_interactions(
        session,
        user_id,
        [
            NewInteraction(
                contact_id=data.contact_id,
                platform=data.platform,
                kind=data.kind,
                direction=data.direction,
                occurred_at=occurred_at,
                provider_id=provider_id,
                preview=data.summary,
                subject=data.subject,
            )
        ],
    )
    interaction = repository.find_by_provider_id(session, user_id, data.platform, provider_id)
    assert interaction is not None
    return interaction


def get_interaction(session: Session, user_id: int, interaction_id: int) -> Interaction:
    """The user's interaction; 404 for unknown ids and other users' ids."""
    interaction = repository.get_interaction(session, user_id, interaction_id)
    if interaction is None:
        raise NotFound(NOT_FOUND)
    return interaction


def update_interaction(
    session: Session, user_id: int, interaction_id: int, data: InteractionUpdate
) -> Interaction:
    """Change an interaction and recompute its contact's counters."""
    interaction = get_interaction(session, user_id, interaction_id)
    fields = data.model_dump(exclude_unset=True)
    for name in ("kind", "direction", "occurred_at"):
        if fields.get(name) is not None:
            setattr(interaction, name, fields[name])
    if "subject" in fields:
        interaction.subject = (
            _trim(fields["subject"], SUBJECT_LENGTH) if fields["subject"] else None
        )
    if fields.get("summary") is not None or "subject" in fields:
        snippet = fields["summary"] if fields.get("summary") is not None else interaction.preview
        if fields.get("summary") is None and interaction.subject and " — " in snippet:
            snippet = snippet.split(" — ", 1)[1]
        interaction.preview = compose_preview(
            interaction.platform, interaction.kind, interaction.subject, snippet
        )
    interaction.updated_at = utcnow()
    session.flush()
    contacts_repository.rebuild_search_words(session, [interaction.contact_id])
    refresh_contacts(session, user_id, [interaction.contact_id], utcnow(), clear_second_tier=False)
    return interaction


def delete_interaction(session: Session, user_id: int, interaction_id: int) -> int:
    """Delete an interaction, recompute its contact's counters; returns the contact id."""
    interaction = get_interaction(session, user_id, interaction_id)
    contact_id = interaction.contact_id
    repository.delete_interaction(session, interaction)
    contacts_repository.rebuild_search_words(session, [contact_id])
    refresh_contacts(session, user_id, [contact_id], utcnow(), clear_second_tier=False)
    return contact_id


def timeline(
    session: Session,
    user_id: int,
    contact_id: int,
    page: PageRequest,
    *,
    until: datetime | None = None,
) -> Page[Interaction]:
    """A contact's interactions, newest first (404 if the contact is not the user's);
    with ``until``, only those that happened by then (upcoming meetings left out)."""
    if contacts_repository.get_contact(session, user_id, contact_id, full=False) is None:
        raise NotFound("This contact does not exist.")
    items, total = repository.timeline(
        session, user_id, contact_id, offset=page.offset, limit=page.limit, until=until
    )
    return Page(items=items, total=total, request=page)
