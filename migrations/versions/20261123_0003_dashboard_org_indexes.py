"""contacts: covering indexes for the dashboard counts, organizations and birthdays

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Dashboard tier counts and "high priority going cold" read only these columns.
    op.create_index(
        "ix_contacts_user_tier",
        "contacts",
        ["user_id", "is_second_tier", "priority", "score"],
    )
    # Organization aggregates (contact count, interactions, average score) per org.
    op.create_index(
        "ix_contacts_user_organization",
        "contacts",
        ["user_id", "organization_id", "score", "interaction_count"],
    )
    # Upcoming birthdays only visit contacts that have one.
    op.create_index("ix_contacts_user_birthday", "contacts", ["user_id", "birthday"])


def downgrade() -> None:
    op.drop_index("ix_contacts_user_birthday", table_name="contacts")
    op.drop_index("ix_contacts_user_organization", table_name="contacts")
    op.drop_index("ix_contacts_user_tier", table_name="contacts")
