"""SQL of the X sync: contacts by X user id or handle, their bios, the bio-refresh batch."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from pingcrm.models import Contact, ContactIdentifier, IdentifierKind

_CHUNK = 500
T = TypeVar("T")


def _chunks(values: Sequence[T], size: int = _CHUNK) -> Iterable[list[T]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


@dataclass
class Matches:
    """Contacts of the user found by X id and by handle, with what they know of X."""

    by_id: dict[str, int] = field(default_factory=dict)
    by_handle: dict[str, int] = field(default_factory=dict)
    # contact id → its X user ids (usually one) and its stored X bio.
    x_ids: dict[int, set[str]] = field(default_factory=dict)
    bios: dict[int, str | None] = field(default_factory=dict)


def match_people(
    session: Session, user_id: int, ids: Collection[str], handles: Collection[str]
) -> Matches:
    """Owners of the X ``ids`` and ``handles`` (normalised), then those contacts' X ids and
    bios: two queries per 500 values, never one per person."""
    found = Matches()
    id_list, handle_list = sorted(set(ids)), sorted(set(handles))
    for start in range(0, max(len(id_list), len(handle_list)), _CHUNK):
        some_ids = id_list[start : start + _CHUNK]
        some_handles = handle_list[start : start + _CHUNK]
        terms = []
        if some_ids:
            terms.append(
                and_(
                    ContactIdentifier.kind == IdentifierKind.TWITTER_ID,
                    ContactIdentifier.value.in_(some_ids),
                )
            )
        if some_handles:
            terms.append(
                and_(
                    ContactIdentifier.kind == IdentifierKind.TWITTER_HANDLE,
                    ContactIdentifier.value.in_(some_handles),
                )
            )
        matched = session.execute(
            select(
                ContactIdentifier.kind, ContactIdentifier.value, ContactIdentifier.contact_id
            ).where(ContactIdentifier.user_id == user_id, or_(*terms))
        ).all()
        for kind, value, owner in matched:
            target = found.by_id if kind == IdentifierKind.TWITTER_ID else found.by_handle
            target[str(value)] = int(owner)
    contact_ids = sorted(set(found.by_id.values()) | set(found.by_handle.values()))
    for chunk in _chunks(contact_ids):
        rows = session.execute(
            select(Contact.id, Contact.twitter_bio, ContactIdentifier.value)
            .outerjoin(
                ContactIdentifier,
                and_(
                    ContactIdentifier.contact_id == Contact.id,
                    ContactIdentifier.kind == IdentifierKind.TWITTER_ID,
                ),
            )
            .where(Contact.user_id == user_id, Contact.id.in_(chunk))
        ).all()
        for contact_id, bio, x_id in rows:
            found.bios[int(contact_id)] = bio
            ids_of = found.x_ids.setdefault(int(contact_id), set())
            if x_id:
                ids_of.add(str(x_id))
    return found


def set_bios(session: Session, user_id: int, bios: dict[int, str]) -> None:
    """Store new X bios (one executemany)."""
    if not bios:
        return
    session.execute(
        update(Contact.__table__)  # type: ignore[arg-type]
        .where(Contact.__table__.c.id == bindparam("cid"), Contact.__table__.c.user_id == user_id)
        .values(twitter_bio=bindparam("bio")),
        [{"cid": cid, "bio": bio} for cid, bio in sorted(bios.items())],
    )


def x_contacts_after(
    session: Session, user_id: int, after_contact_id: int, limit: int
) -> list[tuple[int, str, str | None]]:
    """(contact id, X user id, bio) of the user's contacts with an X id, by contact id
    after ``after_contact_id`` (the bio refresh walks them round-robin)."""
    rows = session.execute(
        select(Contact.id, ContactIdentifier.value, Contact.twitter_bio)
        .join(ContactIdentifier, ContactIdentifier.contact_id == Contact.id)
        .where(
            Contact.user_id == user_id,
            ContactIdentifier.user_id == user_id,
            ContactIdentifier.kind == IdentifierKind.TWITTER_ID,
            Contact.id > after_contact_id,
        )
        .order_by(Contact.id, ContactIdentifier.value)
        .limit(limit)
    ).all()
    return [(int(c), str(v), b) for c, v, b in rows]
