"""Email sync of one Gmail account.

First run (no checkpoint): record the mailbox ``historyId`` (getProfile), then list the
window's messages newest first (``messages.list``, spam/trash excluded by the API, chats
by ``-in:chats``), fetch their metadata through batch requests (a few in flight) and
record one interaction per message and participant. A background thread lists, fetches
and reads (parses, classifies) the next batch of pages while the current one is
written. Each batch (``PAGES_PER_BATCH`` pages) commits with a checkpoint (the page
token after it and the historyId to continue from), so a killed run resumes at the
batch it was on; the interactions' unique index makes re-recording harmless. New
people are inserted with the counters and score of the batch's messages (written once).

Later runs: ``history.list`` (messageAdded) from the stored historyId, committing the
history id of each page. Google answers 404 when that id is too old: full sync again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from pingcrm.contacts.ingest import ContactInput, OrganizationCache, upsert_contacts
from pingcrm.google import quota
from pingcrm.google.client import GoogleApiError, GoogleClient
from pingcrm.google.gmail import repository
from pingcrm.google.gmail.mapping import (
    METADATA_HEADERS,
    SKIPPED_LABELS,
    Classified,
    MailMessage,
    OwnAddresses,
    classify,
    own_addresses,
    parse_message,
)
from pingcrm.interactions.service import NewInteraction, record_interactions
from pingcrm.kit.clock import utcnow
from pingcrm.models import Direction, IdentifierKind, InteractionKind, Platform
from pingcrm.scoring.service import Seed
from pingcrm.sync import checkpoints
from pingcrm.sync.provider import SyncContext

HISTORY_CHECKPOINT = "gmail.history_id"
FULL_CHECKPOINT = "gmail.full"
HISTORY_PAGE_SIZE = 500
# messages.list pages (of ``gmail_page_size``) fetched, then written and committed
# together: fewer statements and commits per message, each contact refreshed once per
# batch; a killed run re-reads at most this many pages.
PAGES_PER_BATCH = 4


@dataclass
class EmailSyncResult:
    """What one run did (beyond the run counts)."""

    messages: int = 0
    automated: int = 0
    full: bool = False


@dataclass
class ReadMessages:
    """Fetched messages as read for recording (no database needed to read them)."""

    # Messages to record, with what they say about direction and people.
    messages: list[tuple[MailMessage, Classified]] = field(default_factory=list)
    read: int = 0  # messages fetched (not spam, trash, chat or drafts)
    automated: int = 0  # of these, from automated senders with nothing to record


def read_messages(resources: Sequence[dict[str, Any]], addresses: OwnAddresses) -> ReadMessages:
    """Parse and classify fetched Message resources; skipped labels and automated
    senders (without a BCC address) are counted, not kept."""
    out = ReadMessages()
    for resource in resources:
        message = parse_message(resource)
        if message.labels & SKIPPED_LABELS:
            continue
        out.read += 1
        found = classify(message, addresses)
        if found.automated and not found.bcc_hashes:
            out.automated += 1
            continue
        out.messages.append((message, found))
    return out


@dataclass
class FetchedBatch:
    """Up to ``PAGES_PER_BATCH`` listed pages, their messages fetched and read."""

    ids: list[str]
    read: ReadMessages
    next_token: str | None
    estimate: int | None


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
        # The next batch is listed, fetched and read while this one is written.
        with ThreadPoolExecutor(max_workers=1) as ahead:
            upcoming = ahead.submit(self._fetch_batch, query, state.get("page_token"))
            while True:
                batch = upcoming.result()
                if batch.next_token:
                    upcoming = ahead.submit(self._fetch_batch, query, batch.next_token)
                if state.get("done", 0) == 0 and batch.estimate is not None:
                    self.ctx.run.progress_total = batch.estimate
                self._process(batch.ids, batch.read)
                state["done"] = int(state.get("done", 0)) + len(batch.ids)
                state["page_token"] = batch.next_token
                self.ctx.run.progress_done = state["done"]
                if not batch.next_token:
                    break
                self._save(FULL_CHECKPOINT, json.dumps(state))
                self._commit()
        self._save(FULL_CHECKPOINT, "")
        self._save(HISTORY_CHECKPOINT, str(state["history_id"]))
        self._commit()
        # Messages that arrived while the full sync ran.
        self._incremental(str(state["history_id"]))

    def _fetch_batch(self, query: str, token: str | None) -> FetchedBatch:
        """Up to ``PAGES_PER_BATCH`` messages.list pages from ``token``, and their
        messages' metadata, read (no database: runs on the look-ahead thread)."""
        assert self.addresses is not None
        ids: list[str] = []
        estimate: int | None = None
        for _ in range(PAGES_PER_BATCH):
            params: dict[str, Any] = {"maxResults": self.ctx.settings.gmail_page_size, "q": query}
            if token:
                params["pageToken"] = token
            page = self.client.get_json(
                self.client.gmail_url("/messages"),
                params,
                units=quota.UNITS["gmail.messages.list"],
            )
            if estimate is None and page.get("resultSizeEstimate") is not None:
                estimate = int(page["resultSizeEstimate"])
            ids.extend(str(m["id"]) for m in page.get("messages") or [] if m.get("id"))
            token = page.get("nextPageToken") or None
            if not token:
                break
        return FetchedBatch(ids, read_messages(self._fetch(ids), self.addresses), token, estimate)

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
            assert self.addresses is not None
            self._process(unique, read_messages(self._fetch(unique), self.addresses))
            token = page.get("nextPageToken")
            self._save(HISTORY_CHECKPOINT, last if token else str(page.get("historyId") or last))
            self._commit()
            if not token:
                return

    # --- one page -----------------------------------------------------------------

    def _process(self, ids: list[str], read: ReadMessages) -> None:
        if not ids:
            return
        self.result.messages += read.read
        self.result.automated += read.automated
        self.ctx.counts.skipped += read.automated
        messages = read.messages
        people: dict[str, ContactInput] = {}
        hashes: set[str] = set()
        for _message, found in messages:
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
        # BCC hashes name existing contacts only (a new contact's hash is new).
        by_hash = repository.contacts_by_bcc_hash(self.ctx.session, self.user_id, hashes)
        keys = [k for k in people if k not in by_email]
        seeded: dict[int, int] = {}
        if keys:
            seeds = _seeds(messages, set(keys))
            ingest = upsert_contacts(
                self.ctx.session,
                self.user_id,
                [people[k] for k in keys],
                source="gmail",
                organizations=self.orgs,
                seeds=[seeds.get(k, []) for k in keys],
            )
            self.ctx.counts.new_contacts += ingest.created
            self.ctx.counts.updated_contacts += ingest.updated
            seeded = ingest.seeded
            by_email.update(
                {k: cid for k, cid in zip(keys, ingest.contact_ids, strict=True) if cid}
            )
        rows: list[NewInteraction] = []
        for message, found in messages:
            targets: dict[int, Direction] = {}
            for bcc_hash in found.bcc_hashes:
                contact_id = by_hash.get(bcc_hash)
                if contact_id is not None:
                    targets[contact_id] = Direction.OUTBOUND
            direction = Direction.OUTBOUND if found.outbound else Direction.INBOUND
            for person in found.people:
                contact_id = by_email.get(person.normalized or "")
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
                self.ctx.session, self.user_id, rows, seeded=seeded
            )


def _seeds(messages: list[tuple[MailMessage, Classified]], new: set[str]) -> dict[str, list[Seed]]:
    """The interactions each ``new`` person (normalised email) gets from ``messages``: a
    new contact is inserted with the counters and score they give (written once; any
    difference from what is then recorded makes ``record_interactions`` recompute it)."""
    seeds: dict[str, list[Seed]] = {}
    for message, found in messages:
        direction = Direction.OUTBOUND if found.outbound else Direction.INBOUND
        for person in found.people:
            key = person.normalized
            if key in new:
                seeds.setdefault(key, []).append(
                    Seed(
                        platform=Platform.EMAIL,
                        provider_id=message.id,
                        kind=InteractionKind.EMAIL,
                        direction=direction,
                        occurred_at=message.occurred_at,
                    )
                )
    return seeds


def sync_email(ctx: SyncContext, client: GoogleClient) -> None:
    """The EMAIL sync of a Google account (registered in ``google/gmail/tasks.py``)."""
    EmailSync(ctx, client).run()
