"""SQL of the email sync: BCC hashes to contacts, the user's connected addresses."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import String, any_, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from pingcrm.models import Contact, ContactIdentifier, IdentifierKind, PlatformAccount, Provider


def contacts_by_bcc_hash(session: Session, user_id: int, hashes: Collection[str]) -> dict[str, int]:
    """``bcc_hash`` → contact id, for the user's contacts among ``hashes``."""
    if not hashes:
        return {}
    rows = session.execute(
        select(Contact.bcc_hash, Contact.id).where(
            Contact.user_id == user_id, Contact.bcc_hash.in_(sorted(set(hashes)))
        )
    ).all()
    return {str(h): int(c) for h, c in rows}


def connected_gmail_addresses(session: Session, user_id: int) -> list[str]:
    """Addresses of every Gmail account the user connected (connected or not now)."""
    return list(
        session.execute(
            select(PlatformAccount.external_id).where(
                PlatformAccount.user_id == user_id,
                PlatformAccount.provider == Provider.GMAIL,
            )
        )
        .scalars()
        .all()
    )


def contacts_by_email(session: Session, user_id: int, emails: Collection[str]) -> dict[str, int]:
    """Normalised email → contact id of the user's contacts among ``emails`` (chunked)."""
    found: dict[str, int] = {}
    ordered = sorted(set(emails))
    postgres = session.get_bind().dialect.name == "postgresql"
    # PostgreSQL: one array parameter, so the statement text (and its prepared plan)
    # is the same for every batch instead of one IN list shape per size.
    size = len(ordered) or 1 if postgres else 500
    for start in range(0, len(ordered), size):
        chunk = ordered[start : start + size]
        match = (
            ContactIdentifier.value == any_(literal(chunk, type_=ARRAY(String)))
            if postgres
            else ContactIdentifier.value.in_(chunk)
        )
        rows = session.execute(
            select(ContactIdentifier.value, ContactIdentifier.contact_id).where(
                ContactIdentifier.user_id == user_id,
                ContactIdentifier.kind == IdentifierKind.EMAIL,
                match,
            )
        ).all()
        found.update({str(value): int(contact_id) for value, contact_id in rows})
    return found
