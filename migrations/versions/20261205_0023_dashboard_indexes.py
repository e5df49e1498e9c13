"""the contacts' indexes for the dashboard: tier and birthday closed with the contact id,
and a partial index of the high-priority contacts by last interaction

The dashboard asks these indexes which contacts are hidden (2nd-tier, archived) and whose
birthday falls in the coming days, then reads only those. SQLite's index entries carry
the rowid, so it answers from the index alone; PostgreSQL's carry a heap pointer, so it
read every matching contact row for its id: the 9,000 hidden contacts of a 100k book
(18 ms) and its 23,000 birthdays (16 ms). With the id in the index, both are index-only
scans there too. "Going cold" reads the listed high-priority contacts by last
interaction from a partial index of those contacts alone and stops at ten, instead of
sorting all of them (30 ms for 4,000); the contacts that imports and syncs insert in bulk
(medium priority) are not in it, so they pay nothing for it.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pingcrm.migrate import measure_new_indexes

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# index → (its columns before this revision, after)
INDEXES = {
    "ix_contacts_user_tier": (
        ["user_id", "is_second_tier", "priority"],
        ["user_id", "is_second_tier", "priority", "id"],
    ),
    "ix_contacts_user_birthday": (["user_id", "birthday"], ["user_id", "birthday", "id"]),
}
HIGH_SILENCE = "ix_contacts_user_high_silence"
# The model's HIGH_PRIORITY_LISTED_SQL, as it stands at this revision.
HIGH_PRIORITY_LISTED = "priority = 'high' AND is_second_tier = false"


def _keep_statistics() -> None:
    """SQLite forgets the statistics of a dropped index: measure the new ones now."""
    measure_new_indexes(op.get_bind(), [*INDEXES, HIGH_SILENCE])


def upgrade() -> None:
    for name, (_before, after) in INDEXES.items():
        op.drop_index(name, table_name="contacts")
        op.create_index(name, "contacts", after)
    where = sa.text(HIGH_PRIORITY_LISTED)
    op.create_index(
        HIGH_SILENCE, "contacts", ["user_id", "last_interaction_at"],
        sqlite_where=where, postgresql_where=where,
    )  # fmt: skip
    _keep_statistics()


def downgrade() -> None:
    op.drop_index(HIGH_SILENCE, table_name="contacts")
    for name, (before, _after) in INDEXES.items():
        op.drop_index(name, table_name="contacts")
        op.create_index(name, "contacts", before)
    _keep_statistics()
