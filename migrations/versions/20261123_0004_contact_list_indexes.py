"""contacts list and timeline: search, platform filter and last-interaction indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 18:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Platform filter of the contacts list: "has an interaction on platform X".
    op.create_index("ix_interactions_contact_platform", "interactions", ["contact_id", "platform"])
    if op.get_bind().dialect.name == "sqlite":
        # The list search reads search_text from this covering index instead of visiting
        # every row (PostgreSQL uses the trigram index of 0001; a btree there would refuse
        # long search texts).
        op.execute("CREATE INDEX ix_contacts_user_search ON contacts (user_id, search_text)")
    else:
        # "Last interaction, recent first" puts never-contacted people last (NULLS LAST),
        # like SQLite does natively.
        op.execute(
            "CREATE INDEX ix_contacts_user_last_interaction_nl ON contacts "
            "(user_id, last_interaction_at DESC NULLS LAST)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP INDEX IF EXISTS ix_contacts_user_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_contacts_user_last_interaction_nl")
    op.drop_index("ix_interactions_contact_platform", table_name="interactions")
