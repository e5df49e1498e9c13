"""contact search documents: the words of each contact's interaction previews in one
narrow row per contact (FTS5 on SQLite, a tsvector with a GIN index on PostgreSQL),
replacing the per-interaction preview indexes

A search for a word found in 40k of 1M previews read 40k interaction rows to find their
contacts; it now reads one row per matching contact from an index of at most one row per
contact. The per-interaction indexes (``interactions_fts``, ``ix_interactions_preview_trgm``)
are no longer read by anything and cost every ingested interaction an index write.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 01:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if _sqlite():
        # rowid = contact id; the table keeps its text (needed to delete a row's tokens).
        op.execute(
            "CREATE VIRTUAL TABLE contact_words USING fts5(words, "
            "tokenize='unicode61 remove_diacritics 2', prefix='3')"
        )
        op.execute(
            "INSERT INTO contact_words(rowid, words) "
            "SELECT contact_id, group_concat(DISTINCT preview) FROM interactions "
            "GROUP BY contact_id"
        )
        op.execute(
            "CREATE TRIGGER contact_words_ad AFTER DELETE ON contacts BEGIN "
            "DELETE FROM contact_words WHERE rowid = old.id; END"
        )
        for trigger in ("interactions_fts_ai", "interactions_fts_ad", "interactions_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS interactions_fts")
        return
    op.execute(
        "CREATE TABLE contact_words ("
        "contact_id integer PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE, "
        "user_id integer NOT NULL, words tsvector NOT NULL)"
    )
    op.execute(
        "INSERT INTO contact_words (contact_id, user_id, words) "
        "SELECT contact_id, min(user_id), "
        "strip(to_tsvector('simple', string_agg(DISTINCT preview, ' '))) "
        "FROM interactions GROUP BY contact_id"
    )
    op.execute("CREATE INDEX ix_contact_words ON contact_words USING gin (words)")
    op.execute("DROP INDEX IF EXISTS ix_interactions_preview_trgm")
    op.execute("ANALYZE contact_words")


def downgrade() -> None:
    if _sqlite():
        op.execute("DROP TRIGGER IF EXISTS contact_words_ad")
        op.execute("DROP TABLE IF EXISTS contact_words")
        op.execute(
            "CREATE VIRTUAL TABLE interactions_fts USING fts5(preview, content='interactions', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER interactions_fts_ai AFTER INSERT ON interactions BEGIN "
            "INSERT INTO interactions_fts(rowid, preview) VALUES (new.id, new.preview); END"
        )
        op.execute(
            "CREATE TRIGGER interactions_fts_ad AFTER DELETE ON interactions BEGIN "
            "INSERT INTO interactions_fts(interactions_fts, rowid, preview) "
            "VALUES ('delete', old.id, old.preview); END"
        )
        op.execute(
            "CREATE TRIGGER interactions_fts_au AFTER UPDATE OF preview ON interactions BEGIN "
            "INSERT INTO interactions_fts(interactions_fts, rowid, preview) "
            "VALUES ('delete', old.id, old.preview); "
            "INSERT INTO interactions_fts(rowid, preview) VALUES (new.id, new.preview); END"
        )
        op.execute("INSERT INTO interactions_fts(interactions_fts) VALUES ('rebuild')")
        return
    op.execute("DROP TABLE IF EXISTS contact_words")
    op.execute(
        "CREATE INDEX ix_interactions_preview_trgm ON interactions "
        "USING gin (lower(preview) gin_trgm_ops)"
    )
