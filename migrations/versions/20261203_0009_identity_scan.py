"""identity resolution: a pending-scan marker per user; the review queue index

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 04:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pingcrm.models.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_settings") as batch_op:
        batch_op.add_column(
            sa.Column(
                "identity_scan_requested_at", pingcrm.models.base.UTCDateTime(), nullable=True
            )
        )
    op.create_index(
        "ix_identity_matches_user_status",
        "identity_matches",
        ["user_id", "status", "score"],
    )


def downgrade() -> None:
    op.drop_index("ix_identity_matches_user_status", table_name="identity_matches")
    with op.batch_alter_table("user_settings") as batch_op:
        batch_op.drop_column("identity_scan_requested_at")
