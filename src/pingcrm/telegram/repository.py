"""All SQL of the Telegram integration (every query filters by the user)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, cast, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pingcrm.models import (
    Contact,
    ContactIdentifier,
    DetectedEvent,
    Direction,
    IdentifierKind,
    Interaction,
    OAuthState,
    Platform,
    PlatformAccount,
    TelegramPeer,
)

_CHUNK = 500


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def owners(
    session: Session, user_id: int, kind: IdentifierKind, values: Iterable[str]
) -> dict[str, int]:
    """value → contact id for the user's identifiers of ``kind`` (one query per 500)."""
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(set(values))):
        for value, contact_id in session.execute(
            select(ContactIdentifier.value, ContactIdentifier.contact_id).where(
                ContactIdentifier.user_id == user_id,
                ContactIdentifier.kind == kind,
                ContactIdentifier.value.in_(chunk),
            )
        ).all():
            found[value] = contact_id
    return found


def save_peers(session: Session, user_id: int, account_id: int, peers: Mapping[int, int]) -> None:
    """Remember (or refresh) the access hash of each peer id."""
    if not peers:
        return
    rows = [
        {
            "user_id": user_id,
            "platform_account_id": account_id,
            "peer_id": peer_id,
            "access_hash": access_hash,
        }
        for peer_id, access_hash in sorted(peers.items())
    ]
    stmt = _insert(session)(TelegramPeer)
    stmt = stmt.on_conflict_do_update(
        index_elements=["platform_account_id", "peer_id"],
        set_={"access_hash": stmt.excluded.access_hash},
    )
    for chunk in _chunks(rows, 1000):
        session.execute(stmt, list(chunk))


def peer_hash(session: Session, user_id: int, account_id: int, peer_id: int) -> int | None:
    return session.scalar(
        select(TelegramPeer.access_hash).where(
            TelegramPeer.user_id == user_id,
            TelegramPeer.platform_account_id == account_id,
            TelegramPeer.peer_id == peer_id,
        )
    )


def telegram_ids_of(session: Session, user_id: int, contact_id: int) -> list[int]:
    """The Telegram user ids of a contact (usually one)."""
    values = session.scalars(
        select(ContactIdentifier.value).where(
            ContactIdentifier.user_id == user_id,
            ContactIdentifier.contact_id == contact_id,
            ContactIdentifier.kind == IdentifierKind.TELEGRAM_ID,
        )
    ).all()
    return [int(v) for v in values if v.isdigit()]


def reachable_contact_ids(session: Session, user_id: int, contact_ids: Sequence[int]) -> set[int]:
    """Those of ``contact_ids`` whose Telegram user id a connected Telegram account of the
    user has a peer (chat or shared group) for: the ones a message can be sent to."""
    by_peer: dict[int, set[int]] = {}
    for chunk in _chunks(sorted(set(contact_ids))):
        for contact_id, value in session.execute(
            select(ContactIdentifier.contact_id, ContactIdentifier.value).where(
                ContactIdentifier.user_id == user_id,
                ContactIdentifier.contact_id.in_(chunk),
                ContactIdentifier.kind == IdentifierKind.TELEGRAM_ID,
            )
        ):
            if value.isdigit():
                by_peer.setdefault(int(value), set()).add(contact_id)
    reachable: set[int] = set()
    for chunk in _chunks(sorted(by_peer)):
        for peer_id in session.scalars(
            select(TelegramPeer.peer_id)
            .join(PlatformAccount, PlatformAccount.id == TelegramPeer.platform_account_id)
            .where(
                TelegramPeer.user_id == user_id,
                TelegramPeer.peer_id.in_(chunk),
                PlatformAccount.user_id == user_id,
                PlatformAccount.credentials_encrypted.is_not(None),
            )
        ):
            reachable |= by_peer.get(int(peer_id), set())
    return reachable


def mark_read(session: Session, user_id: int, thread: str, upto_provider_id: str) -> None:
    """Outbound messages of the chat up to the read-outbox marker are read."""
    session.execute(
        update(Interaction)
        .where(
            Interaction.user_id == user_id,
            Interaction.platform == Platform.TELEGRAM,
            Interaction.thread_id == thread,
            Interaction.direction == Direction.OUTBOUND,
            or_(Interaction.is_read.is_(False), Interaction.is_read.is_(None)),
            # The chat's provider ids share the thread's prefix ("tg:me:peer:<id>"): the
            # lower bound keeps the scan of the (user, platform, provider_id) index
            # to this chat instead of every chat sorted before it.
            Interaction.provider_id > thread + ":",
            Interaction.provider_id <= upto_provider_id,
        )
        .values(is_read=True)
        .execution_options(synchronize_session=False)
    )


def common_groups(
    session: Session, user_id: int, contact_ids: Iterable[int]
) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for chunk in _chunks(sorted(set(contact_ids))):
        for contact_id, groups in session.execute(
            select(Contact.id, Contact.common_groups).where(
                Contact.user_id == user_id, Contact.id.in_(chunk)
            )
        ).all():
            found[contact_id] = list(groups or [])
    return found


def set_common_groups(session: Session, user_id: int, groups: Mapping[int, list[str]]) -> None:
    if not groups:
        return
    stmt = (
        update(Contact.__table__)  # type: ignore[arg-type]
        .where(Contact.__table__.c.id == bindparam("cid"))
        .where(Contact.__table__.c.user_id == user_id)
        .values(common_groups=bindparam("groups"))
    )
    rows = [{"cid": cid, "groups": value} for cid, value in sorted(groups.items())]
    for chunk in _chunks(rows, 1000):
        session.execute(stmt, list(chunk))


def mark_second_tier(session: Session, user_id: int, contact_ids: Sequence[int]) -> None:
    """Flag contacts just created from group members as 2nd-tier."""
    for chunk in _chunks(sorted(contact_ids)):
        session.execute(
            update(Contact)
            .where(Contact.user_id == user_id, Contact.id.in_(chunk))
            .values(is_second_tier=True)
            .execution_options(synchronize_session=False)
        )


def count_second_tier(session: Session, user_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(Contact.user_id == user_id, Contact.is_second_tier.is_(True))
        )
        or 0
    )


def delete_second_tier(session: Session, user_id: int) -> int:
    ids = session.scalars(
        select(Contact.id).where(Contact.user_id == user_id, Contact.is_second_tier.is_(True))
    ).all()
    for chunk in _chunks(list(ids)):
        session.execute(
            delete(ContactIdentifier).where(
                ContactIdentifier.user_id == user_id, ContactIdentifier.contact_id.in_(chunk)
            )
        )
        session.execute(
            delete(Contact)
            .where(Contact.user_id == user_id, Contact.id.in_(chunk))
            .execution_options(synchronize_session=False)
        )
    return len(ids)


def bio_candidates(
    session: Session, user_id: int, account_id: int, checked_before: datetime, limit: int
) -> list[tuple[int, int, int]]:
    """(peer id, access hash, contact id) of contacts due a bio refresh, never-read first."""
    rows = session.execute(
        select(TelegramPeer.peer_id, TelegramPeer.access_hash, ContactIdentifier.contact_id)
        .join(
            ContactIdentifier,
            (ContactIdentifier.user_id == TelegramPeer.user_id)
            & (ContactIdentifier.kind == IdentifierKind.TELEGRAM_ID)
            & (ContactIdentifier.value == cast(TelegramPeer.peer_id, String)),
        )
        .where(
            TelegramPeer.user_id == user_id,
            TelegramPeer.platform_account_id == account_id,
            or_(
                TelegramPeer.bio_checked_at.is_(None),
                TelegramPeer.bio_checked_at < checked_before,
            ),
        )
        .order_by(
            TelegramPeer.bio_checked_at.is_not(None), TelegramPeer.bio_checked_at, TelegramPeer.id
        )
        .limit(limit)
    ).all()
    return [(int(p), int(h), int(c)) for p, h, c in rows]


def set_bio_checked(
    session: Session, user_id: int, account_id: int, peer_ids: Sequence[int], when: datetime
) -> None:
    for chunk in _chunks(sorted(peer_ids)):
        session.execute(
            update(TelegramPeer)
            .where(
                TelegramPeer.user_id == user_id,
                TelegramPeer.platform_account_id == account_id,
                TelegramPeer.peer_id.in_(chunk),
            )
            .values(bio_checked_at=when)
            .execution_options(synchronize_session=False)
        )


def contacts_by_id(session: Session, user_id: int, ids: Iterable[int]) -> dict[int, Contact]:
    found: dict[int, Contact] = {}
    for chunk in _chunks(sorted(set(ids))):
        for contact in session.scalars(
            select(Contact).where(Contact.user_id == user_id, Contact.id.in_(chunk))
        ):
            found[contact.id] = contact
    return found


def add_events(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    for row in rows:
        session.add(DetectedEvent(**row))


def pending_login(session: Session, user_id: int, digest: str) -> OAuthState | None:
    return session.scalar(
        select(OAuthState).where(
            OAuthState.user_id == user_id,
            OAuthState.state_digest == digest,
            OAuthState.provider == "telegram",
        )
    )


def drop_pending_login(session: Session, user_id: int, digest: str) -> None:
    session.execute(
        delete(OAuthState).where(
            OAuthState.user_id == user_id,
            OAuthState.state_digest == digest,
            OAuthState.provider == "telegram",
        )
    )
