"""search documents without the app's own labels: rebuild the documents of contacts
with a LinkedIn connection, leaving out its "Connected on LinkedIn" preview

A connection's preview is a label the app writes, the same for every contact: it put
"connected", "on" and "linkedin" into the document of every LinkedIn connection (a
search for "on" listed all of them) and cost every imported connection a document row.
Ingest and rebuilds now leave out the app's own labels (``UNSEARCHED_PREVIEWS``); the
documents written before are rebuilt here from their contacts' other previews.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 19:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The label, as SQL (a constant of this migration).
_LABEL = "'Connected on LinkedIn'"
_WITH_LABELS = "(SELECT DISTINCT contact_id FROM interactions WHERE preview = " + _LABEL + ")"  # noqa: S608


def _rebuild(searched: str) -> None:
    """Rebuild the documents of contacts with a connection from the previews ``searched``
    selects (only constant SQL of this migration is formatted in)."""
    previews = f"FROM interactions WHERE contact_id IN {_WITH_LABELS} AND {searched}"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DELETE FROM contact_words WHERE rowid IN {_WITH_LABELS}")  # noqa: S608
        op.execute(
            "INSERT INTO contact_words(rowid, words) "
            "SELECT contact_id, group_concat(DISTINCT preview) " + previews + " GROUP BY contact_id"
        )
        return
    op.execute(f"DELETE FROM contact_words WHERE contact_id IN {_WITH_LABELS}")  # noqa: S608
    op.execute(
        "INSERT INTO contact_words (contact_id, user_id, words) "
        "SELECT contact_id, min(user_id), "
        "strip(to_tsvector('simple', string_agg(DISTINCT preview, ' '))) "
        + previews
        + " GROUP BY contact_id"
    )
    op.execute("ANALYZE contact_words")


def upgrade() -> None:
    _rebuild(f"preview <> {_LABEL}")


def downgrade() -> None:
    _rebuild("true")
