"""contacts: drop ix_contacts_user_name_company

Imports matched people by exact name + company through this index until identity
integrity (#11) made a shared strong identifier the only ingest match. Nothing reads it
since; every contact insert still paid for it (about 5 % of a bulk insert).

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


def upgrade() -> None:
    op.drop_index("ix_contacts_user_name_company", table_name="contacts")


def downgrade() -> None:
    op.create_index(
        "ix_contacts_user_name_company",
        "contacts",
        ["user_id", "sort_name", sa.text("lower(company)")],
    )
