"""All SQL of the LinkedIn extension: pairings, extension tokens, LinkedIn contacts."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pingcrm.models import (
    Contact,
    ContactIdentifier,
    ExtensionPairing,
    ExtensionToken,
    IdentifierKind,
    Interaction,
    LinkedinProfileFetch,
    Platform,
)

_CHUNK = 500


def _chunks(values: list[str], size: int = _CHUNK) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- pairings (looked up by code: a code is not anyone's until claimed) -----------------


def pairing_by_code(session: Session, code: str) -> ExtensionPairing | None:
    return session.execute(
        select(ExtensionPairing).where(ExtensionPairing.code == code)
    ).scalar_one_or_none()


def delete_pairing(session: Session, pairing_id: int) -> None:
    session.execute(delete(ExtensionPairing).where(ExtensionPairing.id == pairing_id))


def claim_pairing(session: Session, pairing_id: int, user_id: int, now: datetime) -> bool:
    """Claim an unclaimed pairing for ``user_id``; False when someone claimed it first."""
    result = session.execute(
        update(ExtensionPairing)
        .where(ExtensionPairing.id == pairing_id, ExtensionPairing.claimed_by_user_id.is_(None))
        .values(claimed_by_user_id=user_id, claimed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def mark_delivered(session: Session, pairing_id: int, now: datetime) -> bool:
    """Mark the pairing's token as handed out; False when it already was (exactly once)."""
    result = session.execute(
        update(ExtensionPairing)
        .where(ExtensionPairing.id == pairing_id, ExtensionPairing.token_delivered_at.is_(None))
        .values(token_delivered_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


# --- extension tokens -------------------------------------------------------------------


def token_by_digest(session: Session, user_id: int, digest: str) -> ExtensionToken | None:
    return session.execute(
        select(ExtensionToken).where(
            ExtensionToken.user_id == user_id, ExtensionToken.jti == digest
        )
    ).scalar_one_or_none()


def retire_token(session: Session, user_id: int, token_id: int, now: datetime) -> bool:
    """Revoke one live token; False when it was already revoked (a concurrent refresh)."""
    result = session.execute(
        update(ExtensionToken)
        .where(
            ExtensionToken.id == token_id,
            ExtensionToken.user_id == user_id,
            ExtensionToken.revoked_at.is_(None),
        )
        .values(revoked_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def revoke_tokens(
    session: Session, user_id: int, now: datetime, pairing_id: int | None = None
) -> int:
    """Revoke every live token of the user (of one pairing when given); how many."""
    where = [ExtensionToken.user_id == user_id, ExtensionToken.revoked_at.is_(None)]
    if pairing_id is not None:
        where.append(ExtensionToken.pairing_id == pairing_id)
    result = session.execute(
        update(ExtensionToken)
        .where(*where)
        .values(revoked_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def live_token_count(session: Session, user_id: int, now: datetime) -> int:
    """Tokens not revoked (expired ones included: they can still be refreshed)."""
    return int(
        session.execute(
            select(func.count())
            .select_from(ExtensionToken)
            .where(ExtensionToken.user_id == user_id, ExtensionToken.revoked_at.is_(None))
        ).scalar_one()
    )


def has_usable_pairing(session: Session, user_id: int, expired_after: datetime) -> bool:
    """Whether the extension can still work for the user: a token not revoked that
    expires (or expired) after ``expired_after`` (usable or renewable), or a claimed
    pairing whose token the popup has not fetched yet."""
    token = session.execute(
        select(ExtensionToken.id)
        .where(
            ExtensionToken.user_id == user_id,
            ExtensionToken.revoked_at.is_(None),
            ExtensionToken.expires_at >= expired_after,
        )
        .limit(1)
    ).first()
    if token is not None:
        return True
    waiting = session.execute(
        select(ExtensionPairing.id)
        .where(
            ExtensionPairing.claimed_by_user_id == user_id,
            ExtensionPairing.token_delivered_at.is_(None),
        )
        .limit(1)
    ).first()
    return waiting is not None


# --- LinkedIn contacts ------------------------------------------------------------------


def contacts_by_identifier(
    session: Session, user_id: int, kind: IdentifierKind, values: Collection[str]
) -> dict[str, int]:
    """``value → contact id`` for the user's identifiers of ``kind`` (batched)."""
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


def linkedin_identifiers(
    session: Session, user_id: int, contact_ids: Collection[int]
) -> dict[int, dict[IdentifierKind, str]]:
    """The LinkedIn id and slug of each of ``contact_ids``."""
    found: dict[int, dict[IdentifierKind, str]] = {}
    ids = sorted(set(contact_ids))
    for start in range(0, len(ids), _CHUNK):
        for contact_id, kind, value in session.execute(
            select(
                ContactIdentifier.contact_id, ContactIdentifier.kind, ContactIdentifier.value
            ).where(
                ContactIdentifier.user_id == user_id,
                ContactIdentifier.contact_id.in_(ids[start : start + _CHUNK]),
                ContactIdentifier.kind.in_(
                    [IdentifierKind.LINKEDIN_ID, IdentifierKind.LINKEDIN_SLUG]
                ),
            )
        ).all():
            found.setdefault(contact_id, {}).setdefault(IdentifierKind(kind), value)
    return found


def contacts_of(session: Session, user_id: int, contact_ids: Collection[int]) -> list[Contact]:
    ids = sorted(set(contact_ids))
    found: list[Contact] = []
    for start in range(0, len(ids), _CHUNK):
        found.extend(
            session.execute(
                select(Contact).where(
                    Contact.user_id == user_id, Contact.id.in_(ids[start : start + _CHUNK])
                )
            ).scalars()
        )
    return found


def get_contact(session: Session, user_id: int, contact_id: int) -> Contact | None:
    return session.execute(
        select(Contact).where(Contact.user_id == user_id, Contact.id == contact_id)
    ).scalar_one_or_none()


def _missing_profile() -> list[object]:
    return [
        or_(Contact.title.is_(None), Contact.title == ""),
        or_(Contact.company.is_(None), Contact.company == ""),
        or_(Contact.avatar_url.is_(None), Contact.avatar_url == ""),
    ]


def backfill_candidates(
    session: Session,
    user_id: int,
    *,
    prefer: Collection[int],
    exclude_fetched_since: datetime,
    limit: int,
) -> list[int]:
    """Up to ``limit`` LinkedIn contacts missing a title, company or avatar whose profile
    was not fetched since ``exclude_fetched_since``; ``prefer``'s first, then the most
    recently met."""
    base = (
        select(Contact.id)
        .join(
            ContactIdentifier,
            (ContactIdentifier.contact_id == Contact.id)
            & (ContactIdentifier.user_id == user_id)
            & (ContactIdentifier.kind == IdentifierKind.LINKEDIN_ID),
        )
        .outerjoin(
            LinkedinProfileFetch,
            (LinkedinProfileFetch.contact_id == Contact.id)
            & (LinkedinProfileFetch.user_id == user_id),
        )
        .where(
            Contact.user_id == user_id,
            or_(*_missing_profile()),  # type: ignore[arg-type]
            or_(
                LinkedinProfileFetch.fetched_at.is_(None),
                LinkedinProfileFetch.fetched_at < exclude_fetched_since,
            ),
        )
    )
    chosen: list[int] = []
    preferred = sorted(set(prefer))
    for start in range(0, len(preferred), _CHUNK):
        if len(chosen) >= limit:
            break
        rows = session.execute(
            base.where(Contact.id.in_(preferred[start : start + _CHUNK]))
            .order_by(Contact.last_interaction_at.desc(), Contact.id)
            .limit(limit - len(chosen))
        ).scalars()
        chosen.extend(rows)
    if len(chosen) < limit:
        rest = base.order_by(Contact.last_interaction_at.desc(), Contact.id).limit(limit)
        for contact_id in session.execute(rest).scalars():
            if contact_id not in chosen and len(chosen) < limit:
                chosen.append(contact_id)
    return chosen


def record_profile_fetches(
    session: Session, user_id: int, contact_ids: Collection[int], now: datetime
) -> None:
    """Remember that these contacts' profiles were just sent (backfill skips them a while)."""
    ids = sorted(set(contact_ids))
    if not ids:
        return
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(LinkedinProfileFetch)
    stmt = insert.on_conflict_do_update(
        index_elements=["contact_id"], set_={"fetched_at": insert.excluded.fetched_at}
    )
    session.execute(
        stmt, [{"user_id": user_id, "contact_id": cid, "fetched_at": now} for cid in ids]
    )


def linkedin_stats(session: Session, user_id: int) -> tuple[int, int]:
    """(LinkedIn people, LinkedIn messages) of the user."""
    people = session.execute(
        select(func.count())
        .select_from(ContactIdentifier)
        .where(
            ContactIdentifier.user_id == user_id,
            ContactIdentifier.kind == IdentifierKind.LINKEDIN_ID,
        )
    ).scalar_one()
    messages = session.execute(
        select(func.count())
        .select_from(Interaction)
        .where(Interaction.user_id == user_id, Interaction.platform == Platform.LINKEDIN)
    ).scalar_one()
    return int(people), int(messages)


def existing_message_urns(session: Session, user_id: int, urns: Collection[str]) -> set[str]:
    """Which of these LinkedIn message URNs the user already has (batched)."""
    found: set[str] = set()
    for chunk in _chunks(sorted(set(urns))):
        found.update(
            session.execute(
                select(Interaction.provider_id).where(
                    Interaction.user_id == user_id,
                    Interaction.platform == Platform.LINKEDIN,
                    Interaction.provider_id.in_(chunk),
                )
            ).scalars()
        )
    return found
