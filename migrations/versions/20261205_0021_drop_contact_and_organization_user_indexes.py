"""drop the single-column user_id indexes of contacts and organizations

Like those of contact_identifiers and interactions (0019), each repeats the leading
column of indexes the table has anyway: contacts' unique (user_id, bcc_hash) and its
six (user_id, …) list indexes, organizations' unique (user_id, normalized_name). Every
bulk insert paid for them (one more btree per contact row: about 0.3 s of a 100k-row
import into a 100k book on PostgreSQL), and without statistics for a new user the
planner could probe the narrow index and filter every contact of that user.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 18:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# index → table
REDUNDANT_USER_INDEXES = {
    "ix_contacts_user_id": "contacts",
    "ix_organizations_user_id": "organizations",
}


def upgrade() -> None:
    for name, table in REDUNDANT_USER_INDEXES.items():
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table in REDUNDANT_USER_INDEXES.items():
        op.create_index(name, table, ["user_id"])
