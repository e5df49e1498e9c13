"""SQLite: the trigram index of contacts inserted in bulk, written once at the commit.

Triggers keep ``contacts_fts`` in step with ``contacts`` row by row, and FTS5 writes its
pending terms to disk at the start and end of each statement that writes it inside a
transaction: one small segment per multi-row INSERT, merged and re-merged as the index
grows (at 100k contacts, a fifth of an import). A bulk write calls
:func:`defer_search_index` first: the triggers then leave the contacts above the largest
id of the time alone (migration 0024), and :func:`index_deferred_contacts` indexes them
in one statement just before the session commits, or before a search reads the index
in the same transaction. SQLite has one writer at a time, so every contact above that id
was inserted by this transaction. A rollback takes the deferral away with the rest.
PostgreSQL's search documents are plain columns: nothing is deferred there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

_DEFERRED = "pingcrm.contacts_fts_deferred"


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def defer_search_index(session: Session) -> None:
    """Leave the trigram index of the contacts this transaction inserts from now on to
    its commit (SQLite; nothing on PostgreSQL)."""
    if session.info.get(_DEFERRED) or not _is_sqlite(session):
        return
    # A deferral committed by a path that bypassed the session's commit: index what it
    # left out before starting a new one.
    if session.execute(text("SELECT 1 FROM contacts_fts_deferral LIMIT 1")).first():
        _index_and_clear(session)
    session.execute(
        text(
            "INSERT INTO contacts_fts_deferral (after_id) SELECT coalesce(max(id), 0) FROM contacts"
        )
    )
    session.info[_DEFERRED] = True


def index_deferred_contacts(session: Session) -> None:
    """Index the contacts whose indexing this transaction deferred, and end the
    deferral (nothing when there is none)."""
    if session.info.pop(_DEFERRED, None):
        _index_and_clear(session)


def _index_and_clear(session: Session) -> None:
    session.execute(
        text(
            "INSERT INTO contacts_fts (rowid, search_text) "
            "SELECT id, search_text FROM contacts "
            "WHERE id > (SELECT min(after_id) FROM contacts_fts_deferral)"
        )
    )
    session.execute(text("DELETE FROM contacts_fts_deferral"))


@event.listens_for(Session, "before_commit")
def _index_before_commit(session: Session) -> None:
    index_deferred_contacts(session)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session, *_: Any) -> None:
    session.info.pop(_DEFERRED, None)
