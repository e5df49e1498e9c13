"""A complete set of one user's data for the isolation test, every text carrying a marker.

Rows are inserted directly through the models so that every user-owned table holds data,
whether or not a service for it exists yet. Every string a page or the API could show
contains the user's marker (e.g. ``qqalphaqq``), so a response that leaks another user's
data is found by a plain substring search.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.orm import Session

from pingcrm.accounts import service as accounts
from pingcrm.config import Settings
from pingcrm.contacts import avatars
from pingcrm.contacts.identifiers import new_bcc_hash, normalize_identifier
from pingcrm.contacts.search_text import build_search_text, sort_name
from pingcrm.imports import mapping as import_mapping
from pingcrm.imports.service import rejected_path
from pingcrm.kit.clock import utcnow
from pingcrm.models import (
    Base,
    CalendarEvent,
    Contact,
    ContactIdentifier,
    DetectedEvent,
    Direction,
    ExtensionPairing,
    ExtensionToken,
    IdentifierKind,
    IdentityMatch,
    Interaction,
    InteractionKind,
    JobRun,
    LinkedinProfileFetch,
    MatchStatus,
    McpKey,
    MeetingBrief,
    MergeRecord,
    Note,
    Notification,
    NotificationKind,
    OAuthState,
    Organization,
    Platform,
    PlatformAccount,
    Priority,
    Provider,
    RunStatus,
    Suggestion,
    SuggestionStatus,
    SyncCheckpoint,
    SyncKind,
    SyncRun,
    SyncTrigger,
    Tag,
    TagCategory,
    TelegramPeer,
    User,
    UserSession,
    UserSettings,
    contact_tags,
)
from tests.fixtures.builders import DEFAULT_PASSWORD, set_score


@dataclass
class World:
    """One user's account and the ids of everything they own, by kind."""

    marker: str
    user: User
    email: str
    password: str = DEFAULT_PASSWORD
    # Ids of rows, and the keys of what has no row of its own (a saved column mapping).
    ids: dict[str, list[Any]] = field(default_factory=dict)

    def first(self, kind: str) -> Any:
        """The first id of ``kind`` (e.g. ``"contact"``)."""
        return self.ids[kind][0]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _add(world: World, kind: str, row_id: int | str) -> None:
    world.ids.setdefault(kind, []).append(row_id)


def build_world(session: Session, marker: str) -> World:
    """Create a user named after ``marker`` with a full set of data; commit it."""
    now = utcnow()
    email = f"{marker}@example.com"
    user = accounts.create_user(session, email, DEFAULT_PASSWORD)
    world = World(marker=marker, user=user, email=email)
    uid = user.id

    user_settings = session.get(UserSettings, uid)
    assert user_settings is not None
    user_settings.ai_model = f"model-{marker}"
    user_settings.ai_base_url = f"https://{marker}.example.com/v1"
    mapping_header = ["Name", f"Email {marker}"]
    import_mapping.remember(session, uid, mapping_header, ["name", "email"])
    _add(world, "import_mapping", import_mapping.header_key(mapping_header))

    org = Organization(
        user_id=uid,
        name=f"Org {marker}",
        normalized_name=f"org {marker}",
        domain=f"{marker}.example.com",
    )
    category = TagCategory(
        user_id=uid, name=f"Category {marker}", normalized_name=f"category {marker}"
    )
    session.add_all([org, category])
    session.flush()
    _add(world, "organization", org.id)
    _add(world, "category", category.id)

    tags = [
        Tag(
            user_id=uid,
            category_id=category.id,
            name=f"tag-{marker}-{n}",
            normalized_name=f"tag-{marker}-{n}",
        )
        for n in (1, 2)
    ]
    session.add_all(tags)
    session.flush()
    for tag in tags:
        _add(world, "tag", tag.id)

    gmail = PlatformAccount(
        user_id=uid,
        provider=Provider.GMAIL,
        external_id=f"{marker}.mailbox@gmail.com",
        display_name=f"Mailbox {marker}",
        scopes="gmail.readonly",
        sync_settings={"auto_sync": True, "label": marker},
        last_error=f"expired token {marker}",
        last_synced_at=now - timedelta(hours=1),
    )
    telegram = PlatformAccount(
        user_id=uid,
        provider=Provider.TELEGRAM,
        external_id=f"+4915{int(_digest(marker)[:12], 16) % 10**8:08d}",
        display_name=f"Telegram {marker}",
    )
    session.add_all([gmail, telegram])
    session.flush()
    _add(world, "account", gmail.id)
    _add(world, "account", telegram.id)
    session.add(SyncCheckpoint(platform_account_id=gmail.id, name="history", cursor=marker))
    session.add(
        OAuthState(
            user_id=uid,
            state_digest=_digest(f"oauth-{marker}"),
            provider="google",
            verifier_encrypted=f"verifier-{marker}",
            expires_at=utcnow() + timedelta(minutes=10),
        )
    )
    session.add(
        TelegramPeer(
            user_id=uid,
            platform_account_id=telegram.id,
            peer_id=int(_digest(f"peer-{marker}")[:12], 16),
            access_hash=int(_digest(f"hash-{marker}")[:12], 16),
        )
    )

    contacts: list[Contact] = []
    for n in (1, 2, 3):
        name = f"Person{n} {marker}"
        contact_email = f"person{n}.{marker}@example.com"
        handle = f"{marker}_tg{n}"
        note_body = f"Note {n} about {marker}"
        contact = Contact(
            user_id=uid,
            full_name=name,
            sort_name=sort_name(name),
            given_name=f"Person{n}",
            family_name=marker,
            company=f"Org {marker}",
            title=f"Title {marker}",
            location=f"City {marker}",
            birthday=date(1990, (now.month % 12) + 1, 1),
            twitter_bio=f"bio {marker}",
            priority=Priority.HIGH if n == 1 else Priority.MEDIUM,
            last_interaction_at=now - timedelta(days=n),
            interaction_count=2,
            bcc_hash=new_bcc_hash(),
            organization_id=org.id,
            common_groups=[f"group {marker}"],
            search_text=build_search_text(
                full_name=name,
                company=f"Org {marker}",
                title=f"Title {marker}",
                identifiers=[contact_email, handle],
                tags=[t.name for t in tags],
                notes=[note_body],
            ),
        )
        session.add(contact)
        session.flush()
        set_score(session, contact, score=40 + n, score_parts={"recency": 10, "why": marker})
        contacts.append(contact)
        _add(world, "contact", contact.id)
        for id_kind, raw in (
            (IdentifierKind.EMAIL, contact_email),
            (IdentifierKind.TELEGRAM_USERNAME, handle),
        ):
            identifier = ContactIdentifier(
                user_id=uid,
                contact_id=contact.id,
                kind=id_kind,
                value=normalize_identifier(id_kind, raw) or raw.lower(),
                display_value=raw,
                label=f"lbl{n}",
            )
            session.add(identifier)
            session.flush()
            _add(world, "identifier", identifier.id)
        for tag in tags:
            session.execute(contact_tags.insert().values(contact_id=contact.id, tag_id=tag.id))
        note = Note(user_id=uid, contact_id=contact.id, body=note_body)
        session.add(note)
        session.flush()
        _add(world, "note", note.id)
        for offset, (platform, interaction_kind, account) in enumerate(
            (
                (Platform.EMAIL, InteractionKind.EMAIL, gmail),
                (Platform.TELEGRAM, InteractionKind.MESSAGE, telegram),
            )
        ):
            interaction = Interaction(
                user_id=uid,
                contact_id=contact.id,
                platform=platform,
                kind=interaction_kind,
                direction=Direction.INBOUND if offset else Direction.OUTBOUND,
                occurred_at=now - timedelta(days=n, hours=offset),
                subject=f"Subject {marker} {n}",
                preview=f"Preview {marker} {n} — hello",
                provider_id=f"{marker}-{n}-{offset}",
                thread_id=f"thread-{marker}-{n}",
                platform_account_id=account.id,
                extra={"marker": marker},
            )
            session.add(interaction)
            session.flush()
            _add(world, "interaction", interaction.id)
        event = DetectedEvent(
            user_id=uid,
            contact_id=contact.id,
            kind="job_change",
            summary=f"{name} moved to {marker} Corp",
            source="linkedin",
            occurred_at=now - timedelta(days=2),
        )
        session.add(event)
        session.flush()
        _add(world, "event", event.id)

    for status in (SuggestionStatus.PENDING, SuggestionStatus.SNOOZED):
        suggestion = Suggestion(
            user_id=uid,
            contact_id=contacts[0].id,
            trigger="time_based",
            reason=f"No contact with {marker} for 90 days",
            why={"rule": "followup", "marker": marker},
            message=f"Hi {marker}, how are you?",
            channel="email",
            status=status,
            snoozed_until=now + timedelta(days=3) if status == SuggestionStatus.SNOOZED else None,
        )
        session.add(suggestion)
        session.flush()
        _add(world, "suggestion", suggestion.id)

    match = IdentityMatch(
        user_id=uid,
        contact_a_id=contacts[0].id,
        contact_b_id=contacts[1].id,
        score=0.91,
        tier=2,
        signals={"name": marker},
        status=MatchStatus.PENDING,
    )
    session.add(match)
    session.flush()
    _add(world, "match", match.id)
    merge = MergeRecord(
        user_id=uid,
        survivor_id=contacts[2].id,
        absorbed_contact_id=999_000 + uid,
        snapshot={"full_name": f"Absorbed {marker}"},
    )
    session.add(merge)
    session.flush()
    _add(world, "merge", merge.id)

    for is_read in (False, True):
        notification = Notification(
            user_id=uid,
            kind=NotificationKind.SYNC_FINISHED,
            title=f"Sync finished {marker}",
            body=f"12 new interactions for {marker}",
            link=f"/contacts/{contacts[0].id}",
            is_read=is_read,
        )
        session.add(notification)
        session.flush()
        _add(world, "notification", notification.id)

    # The CSV import first: routes taking a run id include the import pages.
    for provider, sync_kind, run_status in (
        (Provider.CSV, SyncKind.CSV_IMPORT, RunStatus.FAILED),
        (Provider.GMAIL, SyncKind.EMAIL, RunStatus.SUCCESS),
    ):
        run = SyncRun(
            user_id=uid,
            platform_account_id=gmail.id if provider == Provider.GMAIL else None,
            provider=provider,
            kind=sync_kind,
            trigger=SyncTrigger.MANUAL,
            status=run_status,
            started_at=now - timedelta(minutes=30),
            finished_at=now - timedelta(minutes=29),
            new_interactions=3,
            errors=1 if sync_kind == SyncKind.CSV_IMPORT else 0,
            error_text=f"error {marker}" if run_status == RunStatus.FAILED else None,
            details={"filename": f"{marker}.csv"},
        )
        session.add(run)
        session.flush()
        _add(world, "run", run.id)

    brief = MeetingBrief(user_id=uid, event_id=f"evt-{marker}", event_start=now + timedelta(days=1))
    meeting = CalendarEvent(
        user_id=uid,
        platform_account_id=gmail.id,
        event_id=f"evt-{marker}",
        title=f"Meeting {marker}",
        starts_at=now + timedelta(days=1),
        attendees=[{"email": f"{marker}@example.com", "name": marker, "contact_id": None}],
    )
    session.add(meeting)
    pairing = ExtensionPairing(
        code=marker[:8].upper() + str(uid),
        expires_at=now + timedelta(minutes=10),
        claimed_by_user_id=uid,
        claimed_at=now,
    )
    session.add_all([brief, pairing])
    session.flush()
    _add(world, "brief", brief.id)
    token = ExtensionToken(
        user_id=uid, jti=f"jti-{marker}", pairing_id=pairing.id, expires_at=now + timedelta(days=30)
    )
    key = McpKey(user_id=uid, digest=_digest(marker))
    job = JobRun(
        job_name="sync.gmail",
        scope_key=f"account:{gmail.id}",
        user_id=uid,
        trigger="manual",
        status=RunStatus.SUCCESS,
        started_at=now - timedelta(minutes=5),
    )
    fetch = LinkedinProfileFetch(user_id=uid, contact_id=world.first("contact"), fetched_at=now)
    # A signed-in browser of the user (server-side session), marked like the rest.
    browser = UserSession(id=f"{marker}-browser-session", user_id=user.id, created_at=now)
    session.add_all([token, key, job, fetch, browser])
    session.flush()
    _add(world, "extension_token", token.id)
    session.commit()
    return world


def write_files(settings: Settings, session: Session, world: World) -> None:
    """The files a user's data has on disk: the rejected rows of their CSV import, a
    contact's stored LinkedIn avatar."""
    contact = session.get(Contact, world.first("contact"))
    assert contact is not None
    contact.avatar_url = avatars.store(
        settings, world.user.id, contact.id, f"JPEG of {world.marker}".encode()
    )
    session.commit()
    for run_id in world.ids["run"]:
        run = session.get(SyncRun, run_id)
        assert run is not None
        if run.kind == SyncKind.CSV_IMPORT:
            rejected_path(settings, run).write_text(
                f"Name,Reason\nRejected {world.marker},no name or email\n", encoding="utf-8"
            )


def _owner_filter(table: Table, user_id: int) -> ColumnElement[bool] | None:
    """A WHERE clause selecting ``user_id``'s rows of ``table``, or None if not user-owned."""
    if table.name == "users":
        return table.c.id == user_id
    for column in table.columns:
        for fk in column.foreign_keys:
            if fk.column.table.name == "users":
                return column == user_id
    for column in table.columns:
        for fk in column.foreign_keys:
            parent = fk.column.table
            if "user_id" in parent.columns:
                return column.in_(select(parent.c.id).where(parent.c.user_id == user_id))
    return None


def user_owned_tables() -> list[Table]:
    """Every table whose rows belong to one user (directly or through a parent row)."""
    return [t for t in Base.metadata.sorted_tables if _owner_filter(t, 0) is not None]


def dump_rows(session: Session, user_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row ``user_id`` owns, table by table, in a stable order (to compare)."""
    dump: dict[str, list[tuple[Any, ...]]] = {}
    for table in user_owned_tables():
        clause = _owner_filter(table, user_id)
        assert clause is not None
        rows = session.execute(select(table).where(clause)).all()
        dump[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return dump
