"""drop indexes that nothing needs: ix_contacts_user_name_company, and the single-column
user_id indexes of contact_identifiers and interactions

Imports matched people by exact name + company through ix_contacts_user_name_company
until identity integrity (#11) made a shared strong identifier the only ingest match;
nothing reads it since, and every contact insert still paid for it (about 5 % of a bulk
insert). The user_id indexes of contact_identifiers and interactions repeat the leading
column of their unique indexes, and they were harmful: statistics taken before a user's
first import say that user has no identifiers, so PostgreSQL probed each looked-up key
through ix_contact_identifiers_user_id and filtered every identifier of the user (an
import of 100k rows went quadratic, a first Gmail sync of 100k messages took 33 min).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


REDUNDANT_USER_INDEXES = {
    "ix_contact_identifiers_user_id": "contact_identifiers",
    "ix_interactions_user_id": "interactions",
}


def upgrade() -> None:
    op.drop_index("ix_contacts_user_name_company", table_name="contacts")
    for name, table in REDUNDANT_USER_INDEXES.items():
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table in REDUNDANT_USER_INDEXES.items():
        op.create_index(name, table, ["user_id"])
    op.create_index(
        "ix_contacts_user_name_company",
        "contacts",
        ["user_id", "sort_name", sa.text("lower(company)")],
    )
