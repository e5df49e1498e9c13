"""score rows know whether their contact is listed: the dashboard counts hidden tiers
from a partial index

The dashboard counted the tiers of hidden (2nd-tier or archived) contacts by joining
their contacts rows to the score rows: PostgreSQL hashed every score row of the user for
it, 13 ms of the dashboard at 100k contacts. ``contact_scores.listed`` repeats whether
the contact shows in the default list; a partial index holds the hidden ones only, so
that their tiers are counted from a few thousand index entries. A trigger on the
contacts keeps the flag when a 2nd-tier flag or a priority changes, whichever code path
changes it.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pingcrm.migrate import measure_new_indexes

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_contact_scores_user_hidden"
TRIGGER = "contact_scores_listed"
FUNCTION = "contact_scores_follow_listing"
# As in pingcrm.models (not imported: a migration keeps the SQL of its own day).
HIDDEN = "listed = false"


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _listed(row: str) -> str:
    return f"(NOT {row}.is_second_tier AND {row}.priority <> 'archived')"


def upgrade() -> None:
    op.add_column(
        "contact_scores",
        sa.Column("listed", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.execute(
        "UPDATE contact_scores SET listed = false WHERE contact_id IN "
        "(SELECT id FROM contacts WHERE is_second_tier OR priority = 'archived')"
    )
    op.create_index(
        INDEX,
        "contact_scores",
        ["user_id", "score"],
        sqlite_where=sa.text(HIDDEN),
        postgresql_where=sa.text(HIDDEN),
    )
    measure_new_indexes(op.get_bind(), [INDEX])
    changed = f"{_listed('old')} IS DISTINCT FROM {_listed('new')}"
    listed = _listed("new")
    follow = f"UPDATE contact_scores SET listed = {listed} WHERE contact_id = new.id;"  # noqa: S608
    if _postgresql():
        op.execute(
            f"CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {follow} RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {TRIGGER} AFTER UPDATE OF is_second_tier, priority ON contacts "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {FUNCTION}()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER {TRIGGER} AFTER UPDATE OF is_second_tier, priority ON contacts "
            f"WHEN {changed.replace('IS DISTINCT FROM', 'IS NOT')} BEGIN {follow} END"
        )


def downgrade() -> None:
    if _postgresql():
        op.execute(f"DROP TRIGGER {TRIGGER} ON contacts")
        op.execute(f"DROP FUNCTION {FUNCTION}()")
    else:
        op.execute(f"DROP TRIGGER {TRIGGER}")
    op.drop_index(INDEX, table_name="contact_scores")
    op.drop_column("contact_scores", "listed")
