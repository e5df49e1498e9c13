"""SQLite: a bulk write may defer the trigram index of the contacts it inserts to its
commit

FTS5 writes its pending terms to disk at the start and end of every statement that
writes it inside a transaction, so each 500-row INSERT of an import added a small segment
that later merges rewrote, again and again as the index grew: 2.3 s of a 100k-row
LinkedIn import (0.12 s at 10k, 20 times as much for 10 times the rows). A transaction
that inserts contacts in bulk now puts one row in ``contacts_fts_deferral`` (the largest
contact id before it); the triggers leave the contacts above that id alone, and one
``INSERT … SELECT`` indexes them just before the commit
(``pingcrm.contacts.search_index``). The row never outlives its transaction.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 00:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = ("contacts_fts_ai", "contacts_fts_ad", "contacts_fts_au")
_INDEX = "INSERT INTO contacts_fts(rowid, search_text) VALUES (new.id, new.search_text); "
_UNINDEX = (
    "INSERT INTO contacts_fts(contacts_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
)


def _not_deferred(row: str) -> str:
    return f"NOT EXISTS (SELECT 1 FROM contacts_fts_deferral WHERE after_id < {row}.id)"  # noqa: S608


def _create_triggers(deferrable: bool) -> None:
    insert_when = f"WHEN {_not_deferred('new')} " if deferrable else ""
    delete_when = f"WHEN {_not_deferred('old')} " if deferrable else ""
    update_when = "WHEN old.search_text IS NOT new.search_text " + (
        f"AND {_not_deferred('old')} " if deferrable else ""
    )
    op.execute(
        f"CREATE TRIGGER contacts_fts_ai AFTER INSERT ON contacts {insert_when}BEGIN {_INDEX}END"
    )
    op.execute(
        f"CREATE TRIGGER contacts_fts_ad AFTER DELETE ON contacts {delete_when}BEGIN {_UNINDEX}END"
    )
    op.execute(
        f"CREATE TRIGGER contacts_fts_au AFTER UPDATE OF search_text ON contacts "
        f"{update_when}BEGIN {_UNINDEX}{_INDEX}END"
    )


def _drop_triggers() -> None:
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE TABLE contacts_fts_deferral (after_id INTEGER NOT NULL)")
    _drop_triggers()
    _create_triggers(deferrable=True)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _drop_triggers()
    _create_triggers(deferrable=False)
    op.execute("DROP TABLE contacts_fts_deferral")
