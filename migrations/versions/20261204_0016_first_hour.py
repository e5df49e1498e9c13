"""first hour: grouped notifications (a repeat count), remembered CSV column mappings

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.add_column(
            sa.Column("repeat_count", sa.Integer(), nullable=False, server_default="1")
        )
    with op.batch_alter_table("user_settings") as batch_op:
        batch_op.add_column(sa.Column("import_mappings", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_settings") as batch_op:
        batch_op.drop_column("import_mappings")
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.drop_column("repeat_count")
