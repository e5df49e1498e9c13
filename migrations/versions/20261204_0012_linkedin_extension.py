"""LinkedIn extension: when each contact's profile was last sent by the extension

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-04 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pingcrm.models.base

revision: str = "0012"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "linkedin_profile_fetches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("fetched_at", pingcrm.models.base.UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_linkedin_profile_fetches_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_linkedin_profile_fetches_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkedin_profile_fetches")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_linkedin_profile_fetches_contact_id")),
    )
    op.create_index(
        op.f("ix_linkedin_profile_fetches_user_id"),
        "linkedin_profile_fetches",
        ["user_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_linkedin_profile_fetches_user_id"), table_name="linkedin_profile_fetches"
    )
    op.drop_table("linkedin_profile_fetches")
