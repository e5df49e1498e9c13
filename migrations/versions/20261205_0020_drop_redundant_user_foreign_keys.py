"""PostgreSQL: drop the users foreign keys of interactions, contact_identifiers and
contact_scores, which repeat what their contacts foreign key already guarantees

Each of these rows belongs to a contact (``contact_id`` NOT NULL, a foreign key to
contacts ON DELETE CASCADE), and its ``user_id`` is a copy of that contact's owner,
written only from it. The contact's own ``user_id`` has a foreign key to users ON DELETE
CASCADE, so deleting a user deletes its contacts and, through them, these rows: the users
foreign key of the child adds no deletion and no check the contact's does not (it never
checked that the copy is the contact's owner either; the services do). On PostgreSQL
each foreign key is an AFTER trigger run once per inserted row (a query locking the
user's row): 13-22 % of a bulk insert of interactions or identifiers (EXPLAIN ANALYZE of
a 20,000-row batch: 80-100 ms of 590-740 ms), one million calls per 1M interactions.
SQLite checks foreign keys inline at the cost of an index probe: its schema is left as
it is (dropping one there rebuilds the table).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 08:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# constraint name → table
REDUNDANT_USER_KEYS = {
    "fk_interactions_user_id_users": "interactions",
    "fk_contact_identifiers_user_id_users": "contact_identifiers",
    "fk_contact_scores_user_id_users": "contact_scores",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table in REDUNDANT_USER_KEYS.items():
        op.drop_constraint(name, table, type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table in REDUNDANT_USER_KEYS.items():
        op.create_foreign_key(name, table, "users", ["user_id"], ["id"], ondelete="CASCADE")
