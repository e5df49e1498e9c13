"""The Google Contacts sync of one account: ``people/me/connections`` page by page, a
full sync first (``requestSyncToken=true``) and incremental ones with the sync token
after; an expired token (EXPIRED_SYNC_TOKEN) starts a full sync again.

Read-only: nothing is written back to Google. People become contacts through
``contacts.ingest`` (matched by email/phone, then name + company); fields the user edited
by hand are never overwritten. Contacts this sync created follow later changes at
Google in their other fields. A person deleted at Google keeps their PingCRM contact
(and history); the deletion is counted as skipped. Each page is written with its
checkpoint, so a killed run resumes where it stopped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy.orm import Session

from pingcrm.contacts.ingest import FILLABLE, OrganizationCache, upsert_contacts
from pingcrm.contacts.service import refresh_search_text
from pingcrm.google.people import repository
from pingcrm.google.people.mapping import PERSON_FIELDS, PersonChange, map_person
from pingcrm.organizations.resolution import resolve_organization
from pingcrm.sync import checkpoints
from pingcrm.sync.provider import SyncContext
from pingcrm.sync.runs import Counts

SOURCE = "google_contacts"
SYNC_TOKEN = "contacts.sync_token"
PAGE = "contacts.page"
PAGE_SIZE = 1000
BIO_LENGTH = 2000


class SyncTokenExpired(Exception):
    """The People API refused the sync token (EXPIRED_SYNC_TOKEN / 410)."""


class PeopleSource(Protocol):
    def list_connections(self, params: dict[str, str]) -> dict[str, Any]:
        """One page of ``people/me/connections``."""
        ...


def _full_request() -> dict[str, str]:
    return {
        "personFields": PERSON_FIELDS,
        "pageSize": str(PAGE_SIZE),
        "requestSyncToken": "true",
    }


def sync_contacts(
    ctx: SyncContext, source: PeopleSource, *, on_page: Callable[[], None] | None = None
) -> None:
    """Run one (full or incremental) Google Contacts sync of ``ctx.account``."""
    session = ctx.session
    account_id = ctx.account.id
    saved = checkpoints.load(session, account_id, PAGE)
    state: dict[str, Any]
    if saved:
        state = json.loads(saved)
    else:
        token = checkpoints.load(session, account_id, SYNC_TOKEN)
        request = _full_request()
        if token:
            request = {**request, "syncToken": token}
        state = {"request": request}
    restarts = 0
    organizations = OrganizationCache()
    while True:
        params = dict(state["request"])
        if state.get("page_token"):
            params["pageToken"] = state["page_token"]
        try:
            data = source.list_connections(params)
        except SyncTokenExpired:
            restarts += 1
            if restarts > 2:
                raise
            checkpoints.save(session, account_id, SYNC_TOKEN, "")
            state = {"request": _full_request()}
            continue
        changes = [map_person(p) for p in data.get("connections") or []]
        ctx.counts.add(apply_page(session, ctx.account.user_id, changes, organizations))
        if data.get("nextPageToken"):
            state["page_token"] = data["nextPageToken"]
            checkpoints.save(session, account_id, PAGE, json.dumps(state))
            ctx.commit()
            if on_page is not None:
                on_page()
            continue
        checkpoints.save(session, account_id, SYNC_TOKEN, str(data.get("nextSyncToken") or ""))
        checkpoints.save(session, account_id, PAGE, "")
        ctx.commit()
        return


def apply_page(
    session: Session,
    user_id: int,
    changes: Sequence[PersonChange],
    organizations: OrganizationCache | None = None,
) -> Counts:
    """Import one page of people for ``user_id`` (flushed, not committed)."""
    counts = Counts()
    usable = [c for c in changes if c.contact is not None]
    counts.skipped += len(changes) - len(usable)
    if not usable:
        return counts
    rows = [c.contact for c in usable if c.contact is not None]
    result = upsert_contacts(session, user_id, rows, source=SOURCE, organizations=organizations)
    counts.new_contacts += result.created
    ids = [cid for cid in result.contact_ids if cid is not None]
    contacts = repository.contacts_by_id(session, user_id, ids)
    refreshed: set[int] = set()
    for change, contact_id in zip(usable, result.contact_ids, strict=True):
        contact = contacts.get(contact_id) if contact_id is not None else None
        if contact is None or change.contact is None or contact.source != SOURCE:
            continue
        # A contact this sync created follows Google, except where the user edited it.
        edited = set(contact.edited_fields or [])
        for name in FILLABLE:
            value = getattr(change.contact, name)
            if value in (None, "") or name in edited or getattr(contact, name) == value:
                continue
            setattr(contact, name, value)
            refreshed.add(contact.id)
            if name == "company":
                contact.organization_id = resolve_organization(session, user_id, value, None)
    if refreshed:
        refresh_search_text(session, sorted(refreshed))
    # A contact both filled by the ingest and refreshed here is counted once.
    counts.updated_contacts += max(result.updated, len(refreshed))
    bios = {
        cid: repository.BIO_PREFIX + change.biography[:BIO_LENGTH]
        for change, cid in zip(usable, result.contact_ids, strict=True)
        if cid is not None and change.biography
    }
    if bios:
        have = repository.contacts_with_bio_note(session, user_id, bios)
        repository.add_notes(session, user_id, {k: v for k, v in bios.items() if k not in have})
    session.flush()
    return counts
