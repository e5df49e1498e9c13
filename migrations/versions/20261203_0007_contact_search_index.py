"""contacts list and import speed: ordered indexes with the id tie-breaker, name + company
index, trigram FTS on SQLite

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 05:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The list orders by (column, id): with the id in the index PostgreSQL walks it for the
# first page instead of sorting every contact (all scores are equal before scoring runs).
ORDERED = {
    "ix_contacts_user_name": "sort_name",
    "ix_contacts_user_score": "score",
}


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    for name, column in ORDERED.items():
        op.drop_index(name, table_name="contacts")
        op.create_index(name, "contacts", ["user_id", column, "id"])
    # Imports match people by exact name + company: one index lookup per pair.
    op.create_index(
        "ix_contacts_user_name_company",
        "contacts",
        ["user_id", "sort_name", sa.text("lower(company)")],
    )
    if _sqlite():
        # Substring search over search_text through a trigram index instead of reading
        # every contact's text; triggers keep it in step with the contacts table.
        op.execute("DROP INDEX IF EXISTS ix_contacts_user_search")
        op.execute(
            "CREATE VIRTUAL TABLE contacts_fts USING fts5(search_text, content='contacts', "
            "content_rowid='id', tokenize='trigram')"
        )
        op.execute(
            "CREATE TRIGGER contacts_fts_ai AFTER INSERT ON contacts BEGIN "
            "INSERT INTO contacts_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
        op.execute(
            "CREATE TRIGGER contacts_fts_ad AFTER DELETE ON contacts BEGIN "
            "INSERT INTO contacts_fts(contacts_fts, rowid, search_text) "
            "VALUES ('delete', old.id, old.search_text); END"
        )
        op.execute(
            "CREATE TRIGGER contacts_fts_au AFTER UPDATE OF search_text ON contacts "
            "WHEN old.search_text IS NOT new.search_text BEGIN "
            "INSERT INTO contacts_fts(contacts_fts, rowid, search_text) "
            "VALUES ('delete', old.id, old.search_text); "
            "INSERT INTO contacts_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
        op.execute("INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild')")


def downgrade() -> None:
    op.drop_index("ix_contacts_user_name_company", table_name="contacts")
    if _sqlite():
        for trigger in ("contacts_fts_ai", "contacts_fts_ad", "contacts_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS contacts_fts")
        op.execute("CREATE INDEX ix_contacts_user_search ON contacts (user_id, search_text)")
    for name, column in ORDERED.items():
        op.drop_index(name, table_name="contacts")
        op.create_index(name, "contacts", ["user_id", column])
