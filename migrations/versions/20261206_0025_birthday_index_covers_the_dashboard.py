"""the birthday index covers the dashboard's birthdays: priority, id and name

The dashboard found the birthdays of the coming 14 days in the birthday index, then read
every one of those contacts' rows for its name and whether it is archived: 837 rows at
random places of a 100k book, 9 ms of PostgreSQL's dashboard. With the priority and the
name in the index the birthdays come from the index alone. The name comes after the id,
so that the contacts that imports insert without a birthday still land at the end of
their part of the index, in id order.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 00:30:00
"""

from collections.abc import Sequence

from alembic import op

from pingcrm.migrate import measure_new_indexes

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_contacts_user_birthday"
BEFORE = ["user_id", "birthday", "id"]
AFTER = ["user_id", "birthday", "priority", "id", "full_name"]


def _rebuild(columns: list[str]) -> None:
    op.drop_index(NAME, table_name="contacts")
    op.create_index(NAME, "contacts", columns)
    # SQLite forgets a dropped index's statistics (see 0023).
    measure_new_indexes(op.get_bind(), [NAME])


def upgrade() -> None:
    _rebuild(AFTER)


def downgrade() -> None:
    _rebuild(BEFORE)
