"""contact scores: each contact's score and its parts move from the wide contacts row to a
narrow ``contact_scores`` row (contact_id, user_id, score, parts)

The nightly recompute rewrote every changed contact row, a non-HOT update through all of
the contacts indexes on PostgreSQL (41 s for 100k contacts). A score row has two indexes:
the primary key and (user_id, score, contact_id), which the list sorted by score walks.
The contacts indexes that carried the score lose that column.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_scores",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_scores_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_contact_scores_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_contact_scores")),
    )
    op.execute(
        "INSERT INTO contact_scores (contact_id, user_id, score, parts) "
        "SELECT id, user_id, score, score_parts FROM contacts"
    )
    op.create_index(
        "ix_contact_scores_user_score", "contact_scores", ["user_id", "score", "contact_id"]
    )
    for name in (
        "ix_contacts_user_score",
        "ix_contacts_user_tier",
        "ix_contacts_user_organization",
    ):
        op.drop_index(name, table_name="contacts")
    op.create_index("ix_contacts_user_tier", "contacts", ["user_id", "is_second_tier", "priority"])
    op.create_index(
        "ix_contacts_user_organization",
        "contacts",
        ["user_id", "organization_id", "interaction_count"],
    )
    # Plain ALTER TABLE … DROP COLUMN: PostgreSQL, and SQLite since 3.35 (no copy of the
    # table through Alembic's batch mode, which would also drop the FTS triggers).
    op.execute("ALTER TABLE contacts DROP COLUMN score")
    op.execute("ALTER TABLE contacts DROP COLUMN score_parts")
    # The new table and the rebuilt contacts indexes have no planner statistics: without
    # them SQLite reads every contact through ix_contacts_user_tier and sorts them
    # instead of walking the sort's index (no rows are written for an empty table).
    op.execute("ANALYZE contacts")
    op.execute("ANALYZE contact_scores")


def downgrade() -> None:
    op.add_column("contacts", sa.Column("score", sa.Integer(), nullable=False, server_default="0"))
    op.add_column(
        "contacts",
        sa.Column("score_parts", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
    )
    op.execute(
        "UPDATE contacts SET "
        "score = (SELECT s.score FROM contact_scores s WHERE s.contact_id = contacts.id), "
        "score_parts = (SELECT s.parts FROM contact_scores s WHERE s.contact_id = contacts.id) "
        "WHERE id IN (SELECT contact_id FROM contact_scores)"
    )
    for name in ("ix_contacts_user_tier", "ix_contacts_user_organization"):
        op.drop_index(name, table_name="contacts")
    op.create_index("ix_contacts_user_score", "contacts", ["user_id", "score", "id"])
    op.create_index(
        "ix_contacts_user_tier", "contacts", ["user_id", "is_second_tier", "priority", "score"]
    )
    op.create_index(
        "ix_contacts_user_organization",
        "contacts",
        ["user_id", "organization_id", "score", "interaction_count"],
    )
    op.drop_index("ix_contact_scores_user_score", table_name="contact_scores")
    op.drop_table("contact_scores")
