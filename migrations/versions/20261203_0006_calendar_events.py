"""calendar_events: synced Google Calendar meetings (for meeting interactions and prep)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pingcrm.models.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_account_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("starts_at", pingcrm.models.base.UTCDateTime(), nullable=False),
        sa.Column("ends_at", pingcrm.models.base.UTCDateTime(), nullable=True),
        sa.Column("all_day", sa.Boolean(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("html_link", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", pingcrm.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", pingcrm.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_account_id"],
            ["platform_accounts.id"],
            name=op.f("fk_calendar_events_platform_account_id_platform_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_events_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_events")),
        sa.UniqueConstraint(
            "platform_account_id",
            "event_id",
            name=op.f("uq_calendar_events_platform_account_id_event_id"),
        ),
    )
    with op.batch_alter_table("calendar_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_events_user_id"), ["user_id"], unique=False)
        batch_op.create_index("ix_calendar_events_user_start", ["user_id", "starts_at"])
        batch_op.create_index("ix_calendar_events_user_event", ["user_id", "event_id"])


def downgrade() -> None:
    op.drop_table("calendar_events")
