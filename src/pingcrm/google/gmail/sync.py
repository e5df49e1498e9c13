"""Email sync of one Gmail account.

First run (no checkpoint): record the mailbox ``historyId`` (getProfile), then list the
window's messages newest first (``messages.list``, spam/trash excluded by the API, chats
by ``-in:chats``), fetch their metadata through batch requests (a few in flight) and
record one interaction per message and participant. Each page commits with a checkpoint
(the page token and the historyId to continue from), so a killed run resumes at the
page it was on; the interactions' unique index makes re-recording harmless.

Later runs: ``history.list`` (messageAdded) from the stored historyId, committing the
history id of each page. Google answers 404 when that id is too old: full sync again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from pingcrm.contacts.identifiers import normalize_email
from pingcrm.contacts.ingest import ContactInput, OrganizationCache, upsert_contacts
from pingcrm.google import quota
from pingcrm.google.client import GoogleApiError, GoogleClient
from pingcrm.google.gmail import repository
from pingcrm.google.gmail.mapping import (
    METADATA_HEADERS,
    SKIPPED_LABELS,
    MailMessage,
    OwnAddresses,
    classify,
    own_addresses,
    parse_message,
)
from pingcrm.interactions.service import NewInteraction, record_interactions
from pingcrm.kit.clock import utcnow
from pingcrm.models import Direction, IdentifierKind, InteractionKind, Platform
from pingcrm.sync import checkpoints
from pingcrm.sync.provider import SyncContext

HISTORY_CHECKPOINT = "gmail.history_id"
FULL_CHECKPOINT = "gmail.full"
HISTORY_PAGE_SIZE = 500


@dataclass
class EmailSyncResult:
    """What one run did (beyond the run counts)."""

    messages: int = 0
    automated: int = 0
    full: bool = False


_METADATA_QUERY = urlencode(
    [("format", "metadata"), *(("metadataHeaders", h) for h in METADATA_HEADERS)]
)


def _metadata_path(message_id: str) -> str:
    return f"/gmail/v1/users/me/messages/{message_id}?{_METADATA_QUERY}"


def fetch_metadata(
    client: GoogleClient, ids: Sequence[str], concurrency: int
) -> list[dict[str, Any]]:
    """Metadata of ``ids`` through batch requests, ``concurrency`` batches in flight.
    Messages deleted meanwhile (404) are left out; order is kept."""
    size = quota.batch_size(
        client.settings.google_quota_units_per_second, quota.UNITS["gmail.messages.get"]
    )
    chunks = [list(ids[i : i + size]) for i in range(0, len(ids), size)]

    def one(chunk: list[str]) -> list[dict[str, Any]]:
        results = client.batch(
            [_metadata_path(i) for i in chunk], units_each=quota.UNITS["gmail.messages.get"]
        )
        found = []
        for result in results:
            if result.ok and isinstance(result.body, dict) and result.body.get("id"):
                found.append(result.body)
            elif result.status not in (404, 400):
                raise GoogleApiError(
                    f"Google answered {result.status} for a message.",
                    status=result.status,
                    reason=result.reason,
                )
        return found

    if len(chunks) <= 1 or concurrency <= 1:
        return [m for chunk in chunks for m in one(chunk)]
    client.access_token()  # refresh once here, not in every thread
    with ThreadPoolExecutor(max_workers=min(concurrency, len(chunks))) as pool:
        return [m for part in pool.map(one, chunks) for m in part]


class EmailSync:
    """One run of the email sync for ``ctx.account``."""

    def __init__(self, ctx: SyncContext, client: GoogleClient) -> None:
        self.ctx = ctx
        self.client = client
        self.user_id = ctx.account.user_id
        self.account_id = ctx.account.id
        self.result = EmailSyncResult()
        self.orgs = OrganizationCache()
        self.addresses: OwnAddresses | None = None

    # --- checkpoints ----------------------------------------------------------------

    def _load(self, name: str) -> str | None:
        value = checkpoints.load(self.ctx.session, self.account_id, name)
        return value or None

    def _save(self, name: str, value: str) -> None:
        checkpoints.save(self.ctx.session, self.account_id, name, value)

    # --- run ------------------------------------------------------------------------

    def run(self) -> EmailSyncResult:
        self.addresses = self._own_addresses()
        full_state = self._load(FULL_CHECKPOINT)
        history_id = self._load(HISTORY_CHECKPOINT)
        if full_state is not None:
            self._full(json.loads(full_state))
        elif history_id is None:
            self._full(None)
        else:
            try:
                self._incremental(history_id)
            except GoogleApiError as exc:
                if exc.status != 404:
                    raise
                self._full(None)  # history too old: start over (nothing is duplicated)
        return self.result

    def _own_addresses(self) -> OwnAddresses:
        profile = self.client.get_json(
            self.client.gmail_url("/profile"), units=quota.UNITS["gmail.getProfile"]
        )
        own = {self.ctx.account.external_id, str(profile.get("emailAddress") or "")}
        send_as = self.client.get_json(
            self.client.gmail_url("/settings/sendAs"),
            units=quota.UNITS["gmail.settings.sendAs.list"],
        )
        for entry in send_as.get("sendAs") or []:
            if isinstance(entry, dict) and entry.get("sendAsEmail"):
                own.add(str(entry["sendAsEmail"]))
        connected = repository.connected_gmail_addresses(self.ctx.session, self.user_id)
        self._profile_history_id = str(profile.get("historyId") or "")
        return own_addresses([a for a in own if a], connected)

    def _full(self, state: dict[str, Any] | None) -> None:
        self.result.full = True
        if state is None:
            # The history id first: anything arriving during the full sync comes next time.
            state = {"history_id": self._profile_history_id, "page_token": None, "done": 0}
            self._save(FULL_CHECKPOINT, json.dumps(state))
            self.ctx.commit()
        after = int((utcnow() - timedelta(days=self.ctx.settings.gmail_window_days)).timestamp())
        query = f"after:{after} -in:chats"
        # The next page is listed and fetched while this one is written (one page ahead).
        with ThreadPoolExecutor(max_workers=1) as ahead:
            upcoming = ahead.submit(self._fetch_page, query, state.get("page_token"))
            while True:
                page, ids, resources = upcoming.result()
                next_token = page.get("nextPageToken")
                if next_token:
                    upcoming = ahead.submit(self._fetch_page, query, next_token)
                if state.get("done", 0) == 0 and page.get("resultSizeEstimate") is not None:
                    self.ctx.run.progress_total = int(page["resultSizeEstimate"])
                self._process(ids, resources)
                state["done"] = int(state.get("done", 0)) + len(ids)
                state["page_token"] = next_token
                self.ctx.run.progress_done = state["done"]
                if not next_token:
                    break
                self._save(FULL_CHECKPOINT, json.dumps(state))
                self._commit()
        self._save(FULL_CHECKPOINT, "")
        self._save(HISTORY_CHECKPOINT, str(state["history_id"]))
        self._commit()
        # Messages that arrived while the full sync ran.
        self._incremental(str(state["history_id"]))

    def _fetch_page(
        self, query: str, token: str | None
    ) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
        """One messages.list page and the metadata of its messages (no database)."""
        params: dict[str, Any] = {"maxResults": self.ctx.settings.gmail_page_size, "q": query}
        if token:
            params["pageToken"] = token
        page = self.client.get_json(
            self.client.gmail_url("/messages"), params, units=quota.UNITS["gmail.messages.list"]
        )
        ids = [str(m["id"]) for m in page.get("messages") or [] if m.get("id")]
        return page, ids, self._fetch(ids)

    def _fetch(self, ids: list[str]) -> list[dict[str, Any]]:
        if not ids:
            return []
        return fetch_metadata(self.client, ids, self.ctx.settings.gmail_batch_concurrency)

    def _commit(self) -> None:
        """Commit the batch (with tokens a background thread refreshed meanwhile)."""
        self.client.flush_pending_credentials()
        self.ctx.commit()

    def _incremental(self, start: str) -> None:
        token: str | None = None
        while True:
            params: dict[str, Any] = {
                "startHistoryId": start,
                "historyTypes": "messageAdded",
                "maxResults": HISTORY_PAGE_SIZE,
            }
            if token:
                params["pageToken"] = token
            page = self.client.get_json(
                self.client.gmail_url("/history"), params, units=quota.UNITS["gmail.history.list"]
            )
            ids: list[str] = []
            last = start
            for record in page.get("history") or []:
                last = str(record.get("id") or last)
                for added in record.get("messagesAdded") or []:
                    message = added.get("message") or {}
                    labels = set(message.get("labelIds") or [])
                    if message.get("id") and not labels & SKIPPED_LABELS:
                        ids.append(str(message["id"]))
            unique = list(dict.fromkeys(ids))
            self._process(unique, self._fetch(unique))
            token = page.get("nextPageToken")
            self._save(HISTORY_CHECKPOINT, last if token else str(page.get("historyId") or last))
            self._commit()
            if not token:
                return

    # --- one page -----------------------------------------------------------------

    def _process(self, ids: list[str], resources: list[dict[str, Any]]) -> None:
        if not ids:
            return
        assert self.addresses is not None
        messages: list[tuple[MailMessage, Any]] = []
        people: dict[str, ContactInput] = {}
        hashes: set[str] = set()
        for resource in resources:
            message = parse_message(resource)
            if message.labels & SKIPPED_LABELS:
                continue
            self.result.messages += 1
            found = classify(message, self.addresses)
            if found.automated and not found.bcc_hashes:
                self.result.automated += 1
                self.ctx.counts.skipped += 1
                continue
            messages.append((message, found))
            hashes.update(found.bcc_hashes)
            for person in found.people:
                key = person.normalized
                assert key is not None
                if key not in people:
                    people[key] = ContactInput(
                        full_name=person.display_name(),
                        identifiers=[(IdentifierKind.EMAIL, person.email, None)],
                    )
        # Known people need nothing but their id; only new ones go through the upsert.
        by_email = repository.contacts_by_email(self.ctx.session, self.user_id, people)
        keys = [k for k in people if k not in by_email]
        if keys:
            ingest = upsert_contacts(
                self.ctx.session,
                self.user_id,
                [people[k] for k in keys],
                source="gmail",
                organizations=self.orgs,
            )
            self.ctx.counts.new_contacts += ingest.created
            self.ctx.counts.updated_contacts += ingest.updated
            by_email.update(
                {k: cid for k, cid in zip(keys, ingest.contact_ids, strict=True) if cid}
            )
        by_hash = repository.contacts_by_bcc_hash(self.ctx.session, self.user_id, hashes)
        rows: list[NewInteraction] = []
        for message, found in messages:
            targets: dict[int, Direction] = {}
            for bcc_hash in found.bcc_hashes:
                contact_id = by_hash.get(bcc_hash)
                if contact_id is not None:
                    targets[contact_id] = Direction.OUTBOUND
            direction = Direction.OUTBOUND if found.outbound else Direction.INBOUND
            for person in found.people:
                contact_id = by_email.get(normalize_email(person.email) or "")
                if contact_id is not None:
                    targets.setdefault(contact_id, direction)
            for contact_id, how in targets.items():
                rows.append(
                    NewInteraction(
                        contact_id=contact_id,
                        platform=Platform.EMAIL,
                        kind=InteractionKind.EMAIL,
                        direction=how,
                        occurred_at=message.occurred_at,
                        provider_id=f"{message.id}:{contact_id}",
                        preview=message.snippet,
                        subject=message.subject or None,
                        thread_id=message.thread_id,
                        platform_account_id=self.account_id,
                    )
                )
        if rows:
            self.ctx.counts.new_interactions += record_interactions(
                self.ctx.session, self.user_id, rows
            )


def sync_email(ctx: SyncContext, client: GoogleClient) -> None:
    """The EMAIL sync of a Google account (registered in ``google/gmail/tasks.py``)."""
    EmailSync(ctx, client).run()
