"""DM and mention sync of one X account, and the bio refresh of known contacts.

Both syncs walk X's pages newest first. A *sweep* is one walk from the newest item down
to the newest item of the previous sweep (DMs: the stored newest event id; mentions:
``since_id``, which X applies itself). The sweep's state — X's ``pagination_token`` for
the next page, the newest id seen and where to stop — is a checkpoint committed with each
page's rows, so a run killed at any moment resumes at the page it was on; the
interactions' unique ``(platform, provider_id)`` makes re-recording harmless.

People are matched by X user id, then by handle (a handle now held by another X id is
not trusted), never by name. New people become contacts with their handle, name, bio
and avatar. A known contact whose X bio changed gets the new bio and a detected event.

Rate limits: a 429 ends the run with ``XRateLimited`` (the job is re-run after
``x-rate-limit-reset``); when a window is down to its reserve the loop stops after
committing the page and defers the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pingcrm.contacts.bio_changes import BioChange, record_bio_changes
from pingcrm.contacts.identifiers import normalize_handle
from pingcrm.contacts.ingest import ContactInput, upsert_contacts
from pingcrm.interactions.service import NewInteraction, record_interactions
from pingcrm.kit.clock import utcnow
from pingcrm.models import Direction, IdentifierKind, InteractionKind, Platform
from pingcrm.scoring.service import Seed
from pingcrm.sync import checkpoints
from pingcrm.sync.provider import SyncContext
from pingcrm.sync.runs import note_error
from pingcrm.twitter import repository
from pingcrm.twitter.client import XClient, XForbidden, XRateLimited

DM_SWEEP = "x.dms.sweep"
DM_NEWEST = "x.dms.newest_id"
MENTION_SWEEP = "x.mentions.sweep"
MENTION_SINCE = "x.mentions.since_id"
BIO_CURSOR = "x.bios.after_contact"
DMS_WINDOW = "dm_events"
MENTIONS_WINDOW = "mentions"
USERS_WINDOW = "users"
USER_FIELDS = "name,username,description,profile_image_url"
USERS_PER_LOOKUP = 100
# Pages (of up to 100 items) fetched, then written and committed together.
PAGES_PER_BATCH = 5
# account.sync_settings key: why X refused DM reads (absent when DMs sync).
DM_ACCESS = "x_dm_forbidden"
DM_FORBIDDEN_TEXT = (
    "Your X developer app's access tier does not allow reading direct messages, so "
    "DMs are not synced. Mentions still sync."
)


def parse_time(value: Any) -> datetime:
    """X's ISO 8601 ``created_at`` (``2024-01-15T10:30:00.000Z``) as aware UTC."""
    if not isinstance(value, str) or not value:
        return utcnow()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return utcnow()
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _id(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


@dataclass
class Sweep:
    """Where a walk through X's pages stands (stored as JSON)."""

    token: str | None = None
    newest: str | None = None
    stop_at: str | None = None
    done: int = 0

    @classmethod
    def load(cls, raw: str | None) -> Sweep | None:
        if not raw:
            return None
        data = json.loads(raw)
        return cls(data.get("token"), data.get("newest"), data.get("stop_at"), data.get("done", 0))

    def dump(self) -> str:
        return json.dumps(
            {"token": self.token, "newest": self.newest, "stop_at": self.stop_at, "done": self.done}
        )


@dataclass
class Page:
    """One page of items, its users and X's next token."""

    items: list[dict[str, Any]]
    users: dict[str, dict[str, Any]]
    next_token: str | None
    newest: str | None


def _page(body: Any) -> Page:
    if not isinstance(body, dict):
        return Page([], {}, None, None)
    items = [i for i in body.get("data") or [] if isinstance(i, dict) and i.get("id")]
    includes = body.get("includes") or {}
    users = {
        str(u["id"]): u
        for u in (includes.get("users") or [] if isinstance(includes, dict) else [])
        if isinstance(u, dict) and u.get("id")
    }
    meta = body.get("meta") or {}
    newest = max((str(i["id"]) for i in items), key=_id, default=None)
    return Page(items, users, meta.get("next_token") or None, newest)


@dataclass
class XSync:
    """One run of an X sync for ``ctx.account``."""

    ctx: SyncContext
    client: XClient
    # X user id → contact id, of people already resolved in this run.
    known: dict[str, int] = field(default_factory=dict)
    # Contacts this page created with their seeds (see ``upsert_contacts``): id → how
    # many seeded interactions, handed to the page's ``record_interactions``.
    seeded: dict[int, int] = field(default_factory=dict)

    @property
    def me(self) -> str:
        return self.ctx.account.external_id

    @property
    def user_id(self) -> int:
        return self.ctx.account.user_id

    def _load(self, name: str) -> str | None:
        return checkpoints.load(self.ctx.session, self.ctx.account.id, name) or None

    def _save(self, name: str, value: str) -> None:
        checkpoints.save(self.ctx.session, self.ctx.account.id, name, value)

    # --- sweeps -------------------------------------------------------------------

    def _sweep(
        self,
        *,
        sweep_key: str,
        mark_key: str,
        window: str,
        fetch: Callable[[Sweep, str | None], Page],
        process: Callable[[Page, Sweep], None],
    ) -> None:
        sweep = Sweep.load(self._load(sweep_key))
        if sweep is None:
            sweep = Sweep(stop_at=self._load(mark_key))
        while True:
            # A batch of pages is fetched first (nothing of it written yet), then written
            # and committed with the token of the page after it.
            batch = Page([], {}, None, None)
            token, more, wait, fetched = sweep.token, False, None, 0
            while True:
                page = fetch(sweep, token)
                fresh = [
                    i
                    for i in page.items
                    if sweep.stop_at is None or _id(i["id"]) > _id(sweep.stop_at)
                ]
                batch.items.extend(fresh)
                batch.users.update(page.users)
                fetched += 1
                more = bool(page.next_token) and len(fresh) == len(page.items) and bool(fresh)
                token = page.next_token if more else None
                wait = self.client.should_defer(window)
                if not more or wait is not None or fetched >= PAGES_PER_BATCH:
                    break
            batch.newest = max((str(i["id"]) for i in batch.items), key=_id, default=None)
            process(batch, sweep)
            if batch.newest and (sweep.newest is None or _id(batch.newest) > _id(sweep.newest)):
                sweep.newest = batch.newest
            sweep.done += len(batch.items)
            self.ctx.run.progress_done = sweep.done
            if more:
                sweep.token = token
                self._save(sweep_key, sweep.dump())
                self.ctx.commit()
                if wait is not None:
                    raise XRateLimited(
                        f"X's rate limit is nearly used up (it resets in {int(wait)} s); "
                        "the sync stopped after the last saved page",
                        retry_after=wait,
                    )
                continue
            if sweep.newest:
                self._save(mark_key, sweep.newest)
            self._save(sweep_key, "")
            self.ctx.commit()
            return

    # --- people -------------------------------------------------------------------

    def resolve(
        self,
        users: dict[str, dict[str, Any]],
        wanted: Iterable[str],
        seeds: Mapping[str, list[Seed]] | None = None,
    ) -> dict[str, int]:
        """X user id → contact id for ``wanted`` (created when unknown and described in
        ``users``); known contacts' changed bios are stored with a detected event.
        ``seeds``: the interactions of this page each person gets (X user id → seeds): a
        new contact is inserted with the counters and score they give, written once."""
        session = self.ctx.session
        everybody = {w for w in wanted if w and w != self.me}
        result: dict[str, int] = {w: self.known[w] for w in everybody if w in self.known}
        wanted_ids = everybody - set(result)
        if not wanted_ids:
            return result
        handles = {
            uid: normalize_handle(str(u.get("username") or "")) or ""
            for uid, u in users.items()
            if uid in wanted_ids
        }
        found = repository.match_people(
            session, self.user_id, wanted_ids, {h for h in handles.values() if h}
        )
        # People X described nowhere on the page (the other side of a one-to-one DM the
        # user started) are looked up, 100 ids a call, before anything is written.
        unknown = sorted(wanted_ids - set(users) - set(found.by_id))
        if unknown:
            users = {**users, **self.lookup(unknown)}
            for uid in unknown:
                if uid in users:
                    handles[uid] = normalize_handle(str(users[uid].get("username") or "")) or ""
            extra = {handles[u] for u in unknown if handles.get(u)}
            if extra:
                more = repository.match_people(session, self.user_id, set(), extra)
                found.by_handle.update(more.by_handle)
                found.x_ids.update(more.x_ids)
                found.bios.update(more.bios)
        inputs: list[ContactInput] = []
        input_ids: list[str] = []
        bio_updates: dict[int, str] = {}
        changes: list[BioChange] = []
        now = utcnow()
        for uid in sorted(wanted_ids):
            user = users.get(uid)
            contact_id = found.by_id.get(uid)
            handle = handles.get(uid) or ""
            if contact_id is None and handle in found.by_handle:
                candidate = found.by_handle[handle]
                if not (found.x_ids.get(candidate, set()) - {uid}):
                    contact_id = candidate  # by handle; the X id gets added below
            if contact_id is not None:
                result[uid] = contact_id
                bio = str(user.get("description") or "").strip() if user else ""
                old = found.bios.get(contact_id)
                if user is not None and bio and bio != (old or "").strip():
                    bio_updates[contact_id] = bio
                    changes.append(BioChange(contact_id, old, bio, now))
                if uid in found.by_id:
                    continue
            if user is None:
                continue  # no profile to create anybody from
            identifiers: list[tuple[IdentifierKind, str, str | None]] = [
                (IdentifierKind.TWITTER_ID, uid, None)
            ]
            taken = handle in found.by_handle and found.by_handle[handle] != contact_id
            if handle and not taken:
                identifiers.append((IdentifierKind.TWITTER_HANDLE, "@" + handle, None))
            inputs.append(
                ContactInput(
                    full_name=str(user.get("name") or "").strip() or "@" + handle,
                    avatar_url=str(user.get("profile_image_url") or "") or None,
                    twitter_bio=str(user.get("description") or "") or None,
                    identifiers=identifiers,
                )
            )
            input_ids.append(uid)
        if bio_updates:
            repository.set_bios(session, self.user_id, bio_updates)
            record_bio_changes(session, self.user_id, changes, network="X")
            self.ctx.counts.updated_contacts += len(bio_updates)
        if inputs:
            ingest = upsert_contacts(
                session,
                self.user_id,
                inputs,
                source="twitter",
                seeds=[(seeds or {}).get(uid, []) for uid in input_ids],
            )
            self.ctx.counts.new_contacts += ingest.created
            self.seeded.update(ingest.seeded)
            for uid, contact_id in zip(input_ids, ingest.contact_ids, strict=True):
                if contact_id is not None:
                    result[uid] = contact_id
        self.known.update(result)
        return result

    def lookup(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """Profiles of X user ``ids`` (users lookup, at most 100 ids per call)."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), USERS_PER_LOOKUP):
            chunk = ids[start : start + USERS_PER_LOOKUP]
            body = self.client.get(
                "/2/users",
                {"ids": ",".join(chunk), "user.fields": USER_FIELDS},
                window=USERS_WINDOW,
            )
            found.update({str(u["id"]): u for u in _page(body).items})
        return found

    def _record(self, rows: list[NewInteraction]) -> None:
        """Record a page's interactions (and check the seeded counters of the contacts
        it created: any difference is recomputed)."""
        seeded, self.seeded = self.seeded, {}
        if rows or seeded:
            self.ctx.counts.new_interactions += record_interactions(
                self.ctx.session, self.user_id, rows, seeded=seeded
            )

    # --- DMs ------------------------------------------------------------------------

    def _fetch_dms(self, _sweep: Sweep, token: str | None) -> Page:
        params: dict[str, Any] = {
            "event_types": "MessageCreate",
            "dm_event.fields": "id,event_type,text,sender_id,dm_conversation_id,"
            "participant_ids,created_at",
            "expansions": "sender_id,participant_ids",
            "user.fields": USER_FIELDS,
            "max_results": self.ctx.settings.x_page_size,
        }
        if token:
            params["pagination_token"] = token
        return _page(self.client.get("/2/dm_events", params, window=DMS_WINDOW))

    def _participants(self, event: dict[str, Any]) -> set[str]:
        people = {str(p) for p in event.get("participant_ids") or []}
        sender = str(event.get("sender_id") or "")
        if sender:
            people.add(sender)
        conversation = str(event.get("dm_conversation_id") or "")
        if "-" in conversation:  # one-to-one: "<smaller id>-<larger id>"
            people.update(p for p in conversation.split("-") if p.isdigit())
        people.discard(self.me)
        return people

    def _process_dms(self, page: Page, _sweep: Sweep) -> None:
        events = [e for e in page.items if e.get("event_type", "MessageCreate") == "MessageCreate"]
        self.ctx.counts.skipped += len(page.items) - len(events)
        if not events:
            return
        # Who each event is recorded on: my message → every other participant (outbound);
        # someone else's → its sender (inbound).
        targets: list[tuple[dict[str, Any], list[str], Direction, datetime]] = []
        # What each person gets from this page: new contacts are inserted with it.
        seeds: dict[str, list[Seed]] = {}
        for event in events:
            sender = str(event.get("sender_id") or "")
            if sender == self.me:
                people = sorted(self._participants(event))
                direction = Direction.OUTBOUND
            else:
                people = [sender] if sender else []
                direction = Direction.INBOUND
            # Read once: a seed and its interaction have the same time.
            when = parse_time(event.get("created_at"))
            targets.append((event, people, direction, when))
            for person in people:
                seeds.setdefault(person, []).append(
                    Seed(
                        platform=Platform.TWITTER,
                        provider_id=f"dm:{event['id']}:{person}",
                        kind=InteractionKind.MESSAGE,
                        direction=direction,
                        occurred_at=when,
                    )
                )
        contacts = self.resolve(page.users, set(seeds), seeds)
        rows: list[NewInteraction] = []
        for event, people, direction, when in targets:
            recorded = False
            for person in people:
                contact_id = contacts.get(person)
                if contact_id is None:
                    continue
                recorded = True
                rows.append(
                    NewInteraction(
                        contact_id=contact_id,
                        platform=Platform.TWITTER,
                        kind=InteractionKind.MESSAGE,
                        direction=direction,
                        occurred_at=when,
                        provider_id=f"dm:{event['id']}:{contact_id}",
                        preview=str(event.get("text") or ""),
                        thread_id=str(event.get("dm_conversation_id") or "") or None,
                        platform_account_id=self.ctx.account.id,
                    )
                )
            if not recorded:
                self.ctx.counts.skipped += 1
        self._record(rows)

    def sync_dms(self) -> None:
        account = self.ctx.account
        try:
            self._sweep(
                sweep_key=DM_SWEEP,
                mark_key=DM_NEWEST,
                window=DMS_WINDOW,
                fetch=self._fetch_dms,
                process=self._process_dms,
            )
        except XForbidden as exc:
            if not exc.tier_forbidden:
                raise
            self.ctx.session.rollback()
            account.sync_settings = {**(account.sync_settings or {}), DM_ACCESS: DM_FORBIDDEN_TEXT}
            self.ctx.counts.errors += 1
            note_error(self.ctx.run, DM_FORBIDDEN_TEXT)  # Sync History says why: partial
            self.ctx.commit()
            return
        if (account.sync_settings or {}).get(DM_ACCESS):
            account.sync_settings = {
                k: v for k, v in (account.sync_settings or {}).items() if k != DM_ACCESS
            }
        self.ctx.commit()

    # --- mentions -------------------------------------------------------------------

    def _fetch_mentions(self, sweep: Sweep, token: str | None) -> Page:
        params: dict[str, Any] = {
            "tweet.fields": "id,text,author_id,created_at,conversation_id",
            "expansions": "author_id",
            "user.fields": USER_FIELDS,
            "max_results": max(5, self.ctx.settings.x_page_size),
        }
        if sweep.stop_at:
            params["since_id"] = sweep.stop_at
        if token:
            params["pagination_token"] = token
        body = self.client.get(f"/2/users/{self.me}/mentions", params, window=MENTIONS_WINDOW)
        return _page(body)

    def _process_mentions(self, page: Page, _sweep: Sweep) -> None:
        tweets = [t for t in page.items if str(t.get("author_id") or "") not in ("", self.me)]
        self.ctx.counts.skipped += len(page.items) - len(tweets)
        # Read once: a seed and its interaction have the same time.
        when = {str(t["id"]): parse_time(t.get("created_at")) for t in tweets}
        seeds: dict[str, list[Seed]] = {}
        for t in tweets:
            seeds.setdefault(str(t["author_id"]), []).append(
                Seed(
                    platform=Platform.TWITTER,
                    provider_id=f"mention:{t['id']}",
                    kind=InteractionKind.MENTION,
                    direction=Direction.INBOUND,
                    occurred_at=when[str(t["id"])],
                )
            )
        contacts = self.resolve(page.users, set(seeds), seeds)
        rows = [
            NewInteraction(
                contact_id=contacts[str(t["author_id"])],
                platform=Platform.TWITTER,
                kind=InteractionKind.MENTION,
                direction=Direction.INBOUND,
                occurred_at=when[str(t["id"])],
                provider_id=f"mention:{t['id']}",
                preview=str(t.get("text") or ""),
                thread_id=str(t.get("conversation_id") or "") or None,
                platform_account_id=self.ctx.account.id,
            )
            for t in tweets
            if str(t["author_id"]) in contacts
        ]
        self.ctx.counts.skipped += len(tweets) - len(rows)
        self._record(rows)

    def sync_mentions(self) -> None:
        self._sweep(
            sweep_key=MENTION_SWEEP,
            mark_key=MENTION_SINCE,
            window=MENTIONS_WINDOW,
            fetch=self._fetch_mentions,
            process=self._process_mentions,
        )
        self.ctx.commit()
        self.refresh_bios()

    # --- bios -----------------------------------------------------------------------

    def refresh_bios(self) -> None:
        """Look up the next batch of known contacts (100 X ids per call) and store
        changed bios with a detected event; walks all of them round-robin."""
        budget = self.ctx.settings.x_bio_batch
        after = _id(self._load(BIO_CURSOR) or "0")
        while budget > 0:
            batch = repository.x_contacts_after(
                self.ctx.session, self.user_id, after, min(USERS_PER_LOOKUP, budget)
            )
            if not batch:
                self._save(BIO_CURSOR, "0")  # the next run starts over
                self.ctx.commit()
                return
            by_id = self.lookup(sorted({x_id for _c, x_id, _b in batch}))
            now = utcnow()
            updates: dict[int, str] = {}
            changes: list[BioChange] = []
            for contact_id, x_id, old in batch:
                user = by_id.get(x_id)
                bio = str(user.get("description") or "").strip() if user else ""
                if user is not None and bio and bio != (old or "").strip():
                    updates[contact_id] = bio
                    changes.append(BioChange(contact_id, old, bio, now))
            if updates:
                repository.set_bios(self.ctx.session, self.user_id, updates)
                record_bio_changes(self.ctx.session, self.user_id, changes, network="X")
                self.ctx.counts.updated_contacts += len(updates)
            after = batch[-1][0]
            budget -= len(batch)
            self._save(BIO_CURSOR, str(after))
            self.ctx.commit()
            if self.client.should_defer(USERS_WINDOW) is not None:
                return  # the rest next run; never spend the window to zero


def dm_access_note(sync_settings: dict[str, Any] | None) -> str | None:
    """What the card says when X refused DM reads (None when DMs sync)."""
    value = (sync_settings or {}).get(DM_ACCESS)
    return str(value) if value else None
