"""telegram: the peers an account has seen (access hash, when the bio was last read)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pingcrm.models.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telegram_peers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_account_id", sa.Integer(), nullable=False),
        sa.Column("peer_id", sa.BigInteger(), nullable=False),
        sa.Column("access_hash", sa.BigInteger(), nullable=False),
        sa.Column("bio_checked_at", pingcrm.models.base.UTCDateTime(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", pingcrm.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", pingcrm.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_account_id"],
            ["platform_accounts.id"],
            name=op.f("fk_telegram_peers_platform_account_id_platform_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_telegram_peers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telegram_peers")),
        sa.UniqueConstraint(
            "platform_account_id",
            "peer_id",
            name=op.f("uq_telegram_peers_platform_account_id_peer_id"),
        ),
    )
    with op.batch_alter_table("telegram_peers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_telegram_peers_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "ix_telegram_peers_account_bio",
            ["platform_account_id", "bio_checked_at"],
            unique=False,
        )


def downgrade() -> None:
    op.drop_table("telegram_peers")
