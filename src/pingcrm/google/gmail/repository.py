"""SQL of the email sync: BCC hashes to contacts, the user's connected addresses.

Lookups by a batch of keys probe the unique index once per key whatever the planner's
statistics. On PostgreSQL the keys are one array parameter joined ``LATERAL … LIMIT 1``
(never flattened, so each key is an index probe): a plain ``= ANY(array)`` was planned,
for a user the statistics had not seen yet, as a walk over all of the user's identifiers
with the array as a filter, which grew with every page of a first sync. SQLite probes
the index once per value of an ``IN`` list.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, String, func, literal, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute, Session

from pingcrm.models import Contact, ContactIdentifier, IdentifierKind, PlatformAccount, Provider

SQLITE_CHUNK = 500


def _lookup(
    session: Session,
    values: Collection[str],
    key: InstrumentedAttribute[Any],
    found: InstrumentedAttribute[int],
    where: list[ColumnElement[bool]],
) -> dict[str, int]:
    """``key`` value → ``found`` of the rows matching ``where`` among ``values``."""
    ordered = sorted(set(values))
    if not ordered:
        return {}
    if session.get_bind().dialect.name == "postgresql":
        keys = func.unnest(literal(ordered, type_=ARRAY(String))).table_valued("value")
        keys = keys.render_derived(name="k")
        match = (
            select(found.label("found")).where(*where, key == keys.c.value).limit(1).lateral("f")
        )
        statement = select(keys.c.value, match.c.found).select_from(keys.join(match, true()))
        return {str(k): int(v) for k, v in session.execute(statement).all()}
    result: dict[str, int] = {}
    for start in range(0, len(ordered), SQLITE_CHUNK):
        chunk = ordered[start : start + SQLITE_CHUNK]
        rows = session.execute(select(key, found).where(*where, key.in_(chunk))).all()
        result.update({str(k): int(v) for k, v in rows})
    return result


def contacts_by_bcc_hash(session: Session, user_id: int, hashes: Collection[str]) -> dict[str, int]:
    """``bcc_hash`` → contact id, for the user's contacts among ``hashes``."""
    return _lookup(session, hashes, Contact.bcc_hash, Contact.id, [Contact.user_id == user_id])


def contacts_by_email(session: Session, user_id: int, emails: Collection[str]) -> dict[str, int]:
    """Normalised email → contact id of the user's contacts among ``emails``."""
    where = [
        ContactIdentifier.user_id == user_id,
        ContactIdentifier.kind == IdentifierKind.EMAIL,
    ]
    return _lookup(session, emails, ContactIdentifier.value, ContactIdentifier.contact_id, where)


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
