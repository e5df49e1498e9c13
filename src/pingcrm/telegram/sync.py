"""Chat sync of one Telegram account: 1:1 chats → interactions, groups → common groups
(and 2nd-tier contacts), bios → detected events.

Per-chat watermark: the checkpoint ``telegram.chats`` maps each chat partner's id to the
last message id recorded and the read-outbox marker seen. A chat whose newest message is
at or below its watermark is skipped without fetching (only its read marker is applied).
New messages are fetched oldest first in pages of ``telegram_batch_size`` with no cap;
rows are written in batches, each committed with the watermarks it covers, so a killed
run resumes at the last commit and the interactions' unique key makes re-recording
harmless.

Groups: the checkpoint ``telegram.groups`` keeps each group's member contacts, so a member
who left is taken off that group's common groups at the next sync.

Profile photos: at most ``telegram_avatar_batch`` per run are downloaded through the
gateway, for chat partners and group members with a contact that has no stored avatar
yet, or whose Telegram photo id changed since the last download (the checkpoint
``telegram.photos`` maps each peer to the photo id stored). Each is re-encoded and stored
like every avatar (``contacts.avatars``) and committed at once, so a flood wait keeps the
photos already stored.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from pingcrm.contacts import avatars
from pingcrm.contacts.identifiers import normalize_identifier
from pingcrm.contacts.ingest import ContactInput, OrganizationCache, upsert_contacts
from pingcrm.interactions.service import NewInteraction, record_interactions
from pingcrm.kit.clock import utcnow
from pingcrm.models import IdentifierKind, InteractionKind, Platform, Provider, SyncKind
from pingcrm.scoring.service import Seed
from pingcrm.sync import checkpoints
from pingcrm.sync.provider import SyncContext
from pingcrm.telegram import mapping, repository
from pingcrm.telegram.bios import bio_event
from pingcrm.telegram.gate import GatedConnection
from pingcrm.telegram.gateway import gateway_for, tl
from pingcrm.telegram.settings import TelegramSyncSettings, sync_settings

log = logging.getLogger(__name__)
WATERMARKS = "telegram.chats"
PHOTOS = "telegram.photos"
GROUPS = "telegram.groups"
AVATAR = "avatar_url"
# Earlier versions linked Telegram's public picture page instead of storing the photo.
LEGACY_AVATAR = "https://t.me/i/userpic/"
MATCH_ORDER = (IdentifierKind.TELEGRAM_ID, IdentifierKind.TELEGRAM_USERNAME, IdentifierKind.PHONE)


@dataclass
class ChatSyncResult:
    chats: int = 0
    skipped_chats: int = 0
    messages: int = 0
    groups: int = 0
    bios: int = 0
    photos: int = 0


class ChatSync:
    """One run for ``ctx.account`` over an open gateway connection."""

    def __init__(self, ctx: SyncContext, conn: GatedConnection, prefs: TelegramSyncSettings):
        self.ctx = ctx
        self.conn = conn
        self.prefs = prefs
        self.session: Session = ctx.session
        self.user_id = ctx.account.user_id
        self.account_id = ctx.account.id
        self.batch = ctx.settings.telegram_batch_size
        self.result = ChatSyncResult()
        self.orgs = OrganizationCache()
        self.me_id = 0
        self.marks: dict[str, list[int]] = {}
        self.pending: list[NewInteraction] = []
        # Telegram user id -> contact id, of the chat partners resolved so far.
        self.contact_of: dict[int, int] = {}
        # Chat partners with no contact yet: created at the commit of their first pending
        # messages, with those messages as seeds (written once with counters and score).
        self.new_people: dict[int, Any] = {}
        # Their pending rows (indexes into ``pending``), written with a placeholder id.
        self.waiting: dict[int, list[int]] = {}
        self.pending_reads: dict[int, int] = {}
        # Telegram user id -> (the user as Telegram sent it, contact id), chats first.
        self.photo_candidates: dict[int, tuple[Any, int]] = {}
        # Group id -> the contact ids that were its members (checkpoint ``telegram.groups``).
        self.group_members: dict[str, list[int]] = {}

    # --- watermarks -------------------------------------------------------------------

    def _load_marks(self) -> None:
        raw = checkpoints.load(self.session, self.account_id, WATERMARKS)
        data = json.loads(raw) if raw else {}
        self.marks = {str(k): [int(v[0]), int(v[1])] for k, v in data.items()}

    def _commit(self, *, everyone: bool = False) -> None:
        """Write the pending rows and read markers with the watermarks that cover them;
        the new chat partners among them are created first (``everyone``: all the ones
        still without a contact, messages or not)."""
        seeded = self._create_new_people(everyone=everyone)
        if self.pending or seeded:
            self.ctx.counts.new_interactions += record_interactions(
                self.session, self.user_id, self.pending, seeded=seeded
            )
            self.pending = []
        for peer_id, marker in sorted(self.pending_reads.items()):
            repository.mark_read(
                self.session,
                self.user_id,
                mapping.thread_id(self.me_id, peer_id),
                mapping.provider_id(self.me_id, peer_id, marker),
            )
        self.pending_reads = {}
        checkpoints.save(
            self.session, self.account_id, WATERMARKS, json.dumps(self.marks, sort_keys=True)
        )
        self.ctx.commit()

    # --- run ----------------------------------------------------------------------------

    def run(self) -> ChatSyncResult:
        me = self.conn.me()
        self.me_id = int(me.id)
        self._load_marks()
        dialogs = list(self.conn.dialogs())
        chats = [(d, e) for d, e in dialogs if mapping.is_real_user(e, me_id=self.me_id)]
        groups = [(d, e) for d, e in dialogs if mapping.group_title(e)]
        self.ctx.run.progress_total = len(chats)
        self.contact_of = self._resolve([e for _d, e in chats], create=True)
        # Chat partners first, in dialog order (new ones get their contact id when created).
        for _dialog, user in chats:
            peer_id = int(user.id)
            self.photo_candidates.setdefault(peer_id, (user, self.contact_of.get(peer_id, 0)))
        for done, (dialog, user) in enumerate(chats, start=1):
            self._chat(dialog, user)
            self.ctx.run.progress_done = done
        self._commit(everyone=True)
        if self.prefs.sync_groups:
            raw = checkpoints.load(self.session, self.account_id, GROUPS)
            self.group_members = {
                str(k): [int(c) for c in v] for k, v in (json.loads(raw) if raw else {}).items()
            }
            for _dialog, entity in groups:
                self._group(entity)
            checkpoints.save(
                self.session,
                self.account_id,
                GROUPS,
                json.dumps(self.group_members, sort_keys=True),
            )
            self._commit()
        self._photos()
        self._bios()
        return self.result

    def _resolve(self, users: list[Any], *, create: bool) -> dict[int, int]:
        """Telegram user id → contact id: matched by Telegram id, then username, then
        phone (never by name), their empty fields filled when ``create``; unmatched people
        then wait in ``new_people`` to be created with their messages (``_commit``)."""
        people = {int(u.id): u for u in users}
        if not people:
            return {}
        repository.save_peers(
            self.session,
            self.user_id,
            self.account_id,
            {pid: int(u.access_hash or 0) for pid, u in people.items()},
        )
        found = self._existing(people)
        if not create:
            return found
        self.new_people.update((pid, user) for pid, user in people.items() if pid not in found)
        ids = [pid for pid in people if pid in found]
        if not ids:
            return {}
        result = upsert_contacts(
            self.session,
            self.user_id,
            [mapping.contact_input(people[pid]) for pid in ids],
            source="telegram",
            organizations=self.orgs,
            match_order=MATCH_ORDER,
        )
        self.ctx.counts.new_contacts += result.created
        self.ctx.counts.updated_contacts += result.updated
        return {pid: cid for pid, cid in zip(ids, result.contact_ids, strict=True) if cid}

    def _create_new_people(self, *, everyone: bool) -> dict[int, int]:
        """Create the waiting chat partners with pending messages (``everyone``: all of
        them), each inserted with those messages as seeds; their pending rows get the new
        contact id. Returns ``IngestResult.seeded`` for ``record_interactions``."""
        peers = [p for p in self.new_people if everyone or p in self.waiting]
        if not peers:
            return {}
        seeds = [
            [
                Seed(
                    platform=row.platform,
                    provider_id=row.provider_id,
                    kind=row.kind,
                    direction=row.direction,
                    occurred_at=row.occurred_at,
                )
                for row in (self.pending[i] for i in self.waiting.get(peer, []))
            ]
            for peer in peers
        ]
        result = upsert_contacts(
            self.session,
            self.user_id,
            [mapping.contact_input(self.new_people[peer]) for peer in peers],
            source="telegram",
            organizations=self.orgs,
            match_order=MATCH_ORDER,
            seeds=seeds,
        )
        self.ctx.counts.new_contacts += result.created
        self.ctx.counts.updated_contacts += result.updated
        for peer, contact_id in zip(peers, result.contact_ids, strict=True):
            user = self.new_people.pop(peer)
            rows = self.waiting.pop(peer, [])
            if contact_id is None:
                continue
            self.contact_of[peer] = contact_id
            for i in rows:
                self.pending[i] = replace(self.pending[i], contact_id=contact_id)
            if peer in self.photo_candidates:
                self.photo_candidates[peer] = (user, contact_id)
        # Rows of a partner that got no contact are dropped (their ids stay placeholders).
        self.pending = [row for row in self.pending if row.contact_id]
        return result.seeded

    def _existing(self, people: dict[int, Any]) -> dict[int, int]:
        """Matches among the user's contacts only (Telegram id, username, phone)."""
        found: dict[int, int] = {}
        keys: dict[IdentifierKind, dict[str, int]] = {k: {} for k in MATCH_ORDER}
        for pid, user in people.items():
            keys[IdentifierKind.TELEGRAM_ID][str(pid)] = pid
            if user.username:
                value = normalize_identifier(IdentifierKind.TELEGRAM_USERNAME, user.username)
                if value:
                    keys[IdentifierKind.TELEGRAM_USERNAME][value] = pid
            if user.phone:
                raw = user.phone if user.phone.startswith("+") else f"+{user.phone}"
                value = normalize_identifier(IdentifierKind.PHONE, raw)
                if value:
                    keys[IdentifierKind.PHONE][value] = pid
        for kind in MATCH_ORDER:
            wanted = {v: p for v, p in keys[kind].items() if p not in found}
            if not wanted:
                continue
            for value, contact_id in repository.owners(
                self.session, self.user_id, kind, wanted
            ).items():
                found.setdefault(wanted[value], contact_id)
        return found

    def _chat(self, dialog: Any, user: Any) -> None:
        peer_id = int(user.id)
        key = str(peer_id)
        last, seen_read = self.marks.get(key, [0, 0])
        top = int(getattr(dialog, "top_message", 0) or 0)
        read = int(getattr(dialog, "read_outbox_max_id", 0) or 0)
        if peer_id not in self.contact_of and peer_id not in self.new_people:
            return
        if top <= last:
            self.result.skipped_chats += 1
            if read != seen_read:
                self.marks[key] = [last, read]
                self.pending_reads[peer_id] = read
            return
        self.result.chats += 1
        peer = mapping.input_peer(user)
        while True:
            messages = list(self.conn.messages(peer, min_id=last, limit=self.batch))
            for message in messages:
                item = mapping.chat_message(message)
                if item is None or item.id <= last:
                    continue
                outbound = item.direction.value == "outbound"
                # A partner still without a contact: a placeholder id until it is created.
                contact_id = self.contact_of.get(peer_id, 0)
                if not contact_id:
                    self.waiting.setdefault(peer_id, []).append(len(self.pending))
                self.pending.append(
                    NewInteraction(
                        contact_id=contact_id,
                        platform=Platform.TELEGRAM,
                        kind=InteractionKind.MESSAGE,
                        direction=item.direction,
                        occurred_at=item.occurred_at,
                        provider_id=mapping.provider_id(self.me_id, peer_id, item.id),
                        preview=item.preview,
                        thread_id=mapping.thread_id(self.me_id, peer_id),
                        platform_account_id=self.account_id,
                        is_read=(item.id <= read) if outbound else None,
                    )
                )
                self.result.messages += 1
            if messages:
                last = max(last, *(int(m.id) for m in messages))
            self.marks[key] = [last, read]
            self.pending_reads[peer_id] = read
            if len(self.pending) >= self.batch:
                self._commit()
            if len(messages) < self.batch or last >= top:
                break

    def _group(self, entity: Any) -> None:
        title = mapping.group_title(entity)
        assert title is not None
        limit = self.prefs.group_size_limit
        size = mapping.group_size(entity)
        if size is not None and size > limit:
            return
        members = [
            u
            for u in self.conn.participants(entity, limit=limit + 1)
            if mapping.is_real_user(u, me_id=self.me_id)
        ]
        if len(members) > limit:
            return
        self.result.groups += 1
        people = {int(u.id): u for u in members}
        found = self._existing(people)
        if self.prefs.second_tier:
            new = [people[p] for p in people if p not in found]
            created = self._create_second_tier(new)
            found.update(created)
        self._drop_leavers(entity, title, set(found.values()))
        if not found:
            return
        self._want_photos(people, found)
        repository.save_peers(
            self.session,
            self.user_id,
            self.account_id,
            {p: int(people[p].access_hash or 0) for p in found},
        )
        current = repository.common_groups(self.session, self.user_id, found.values())
        changed = {cid: [*groups, title] for cid, groups in current.items() if title not in groups}
        repository.set_common_groups(self.session, self.user_id, changed)
        self.ctx.counts.updated_contacts += len([c for c in changed if current[c]])

    def _drop_leavers(self, entity: Any, title: str, members: set[int]) -> None:
        """Take the group off the common groups of contacts that were members at the last
        sync and are not any more; remember the members for the next one."""
        key = str(int(entity.id))
        gone = set(self.group_members.get(key, [])) - members
        self.group_members[key] = sorted(members)
        if not gone:
            return
        current = repository.common_groups(self.session, self.user_id, gone)
        changed = {
            cid: [g for g in groups if g != title]
            for cid, groups in current.items()
            if title in groups
        }
        repository.set_common_groups(self.session, self.user_id, changed)
        self.ctx.counts.updated_contacts += len(changed)

    def _create_second_tier(self, users: list[Any]) -> dict[int, int]:
        if not users:
            return {}
        rows: list[ContactInput] = [mapping.contact_input(u) for u in users]
        result = upsert_contacts(
            self.session,
            self.user_id,
            rows,
            source="telegram",
            organizations=self.orgs,
            match_order=MATCH_ORDER,
        )
        ids = {int(u.id): cid for u, cid in zip(users, result.contact_ids, strict=True) if cid}
        repository.mark_second_tier(self.session, self.user_id, sorted(set(ids.values())))
        self.ctx.counts.new_contacts += result.created
        return ids

    def _want_photos(self, people: dict[int, Any], contact_of: dict[int, int]) -> None:
        for peer_id, contact_id in contact_of.items():
            if peer_id in people:
                self.photo_candidates.setdefault(peer_id, (people[peer_id], contact_id))

    def _photos(self) -> None:
        """Download and store the profile photos that are missing or changed (capped)."""
        settings = self.ctx.settings
        limit = settings.telegram_avatar_batch
        if limit <= 0 or not self.photo_candidates:
            return
        raw = checkpoints.load(self.session, self.account_id, PHOTOS)
        marks = {str(k): int(v) for k, v in (json.loads(raw) if raw else {}).items()}
        contacts = repository.contacts_by_id(
            self.session, self.user_id, [c for _u, c in self.photo_candidates.values()]
        )
        due: list[tuple[int, Any, Any, int]] = []
        cleared = False
        for peer_id, (user, contact_id) in self.photo_candidates.items():
            current = mapping.photo_id(user)
            contact = contacts.get(contact_id)
            if contact is None or AVATAR in (contact.edited_fields or []):
                continue
            if current is None:
                if (contact.avatar_url or "").startswith(LEGACY_AVATAR):
                    contact.avatar_url = None  # an old sync's t.me link to a removed photo
                    cleared = True
                continue
            known = marks.get(str(peer_id))
            # A stored photo stays when it is this one, or came from elsewhere (LinkedIn).
            if known in (None, current) and avatars.exists(settings, self.user_id, contact_id):
                continue
            due.append((peer_id, user, contact, current))
            if len(due) >= limit:
                break
        if cleared:
            self.ctx.commit()
        for peer_id, user, contact, current in due:
            data = self.conn.profile_photo(user)
            self.result.photos += 1
            marks[str(peer_id)] = current
            if data:
                self._store_photo(contact, data)
            checkpoints.save(
                self.session, self.account_id, PHOTOS, json.dumps(marks, sort_keys=True)
            )
            self.ctx.commit()

    def _store_photo(self, contact: Any, data: bytes) -> None:
        settings = self.ctx.settings
        try:
            jpeg = avatars.reencode(data, avatars.sniff(data) or "application/octet-stream")
        except avatars.UnsupportedImage as exc:
            log.info("telegram.avatar.refused contact=%s reason=%s", contact.id, exc)
            return
        contact.avatar_url = avatars.store(settings, self.user_id, contact.id, jpeg)

    def _bios(self) -> None:
        limit = self.ctx.settings.telegram_bio_batch
        if limit <= 0:
            return
        now = utcnow()
        due = repository.bio_candidates(
            self.session,
            self.user_id,
            self.account_id,
            now - timedelta(days=self.ctx.settings.telegram_bio_interval_days),
            limit,
        )
        if not due:
            return
        contacts = repository.contacts_by_id(self.session, self.user_id, [c for _p, _h, c in due])
        events: list[dict[str, Any]] = []
        for peer_id, access_hash, contact_id in due:
            contact = contacts.get(contact_id)
            about = self.conn.about(mapping.input_user(peer_id, access_hash))
            self.result.bios += 1
            if contact is None or "telegram_bio" in (contact.edited_fields or []):
                continue
            event = bio_event(contact.telegram_bio, about)
            if (about or None) != (contact.telegram_bio or None):
                contact.telegram_bio = about
                self.ctx.counts.updated_contacts += 1
            if event is not None:
                events.append(
                    {
                        "user_id": self.user_id,
                        "contact_id": contact_id,
                        "kind": event.kind,
                        "summary": event.summary,
                        "confidence": event.confidence,
                        "source": "telegram",
                        "occurred_at": now,
                    }
                )
        repository.add_events(self.session, events)
        repository.set_bio_checked(
            self.session, self.user_id, self.account_id, [p for p, _h, _c in due], now
        )
        self.session.flush()
        self.ctx.commit()


def gate_factory(session: Session) -> sessionmaker[Session]:
    """Short sessions (their own transactions) on the run's database, for the gate."""
    return sessionmaker(bind=session.get_bind(), expire_on_commit=False)


class TelegramSync:
    """Chats (with groups and bios) of one connected Telegram account."""

    provider = Provider.TELEGRAM
    kinds: tuple[SyncKind, ...] = (SyncKind.CHATS,)

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    def sync(self, ctx: SyncContext, kind: SyncKind) -> None:
        gateway = gateway_for(self.settings)
        session_string = str(ctx.credentials.get("session") or "")
        prefs = sync_settings(ctx.account)
        factory = gate_factory(ctx.session)
        gated = GatedConnection(None, factory, ctx.account.id)
        gated.check()
        try:
            with gateway.connect(session_string) as conn:
                gated.connection = conn
                ChatSync(ctx, gated, prefs).run()
        except Exception as exc:
            from pingcrm.telegram.errors import sync_error

            mapped = sync_error(exc)
            if mapped is None:
                raise
            raise mapped from exc


__all__ = ["ChatSync", "TelegramSync", "tl"]
