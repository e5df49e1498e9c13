"""The migrations build the schema the models describe: a model changed without a
migration (or a migration without the model) shows here before it reaches a user's
database."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Double, Engine, Float

from pingcrm.models import Base

# Objects the migrations create in SQL of their own, which the models do not declare:
# the search documents (FTS5 tables and their shadow tables on SQLite, a tsvector table
# on PostgreSQL) and PostgreSQL-only indexes (trigram, NULLS LAST).
RAW_SQL_PREFIXES = ("contacts_fts", "contact_words", "ix_contact_words")
RAW_SQL_INDEXES = {"ix_contacts_search_trgm", "ix_contacts_user_last_interaction_nl"}
# Migration 0020 drops these foreign keys on PostgreSQL only (each row's contact already
# belongs to the user); SQLite keeps them, as rebuilding three tables buys nothing there.
SQLITE_ONLY_FOREIGN_KEYS = {
    "fk_interactions_user_id_users",
    "fk_contact_identifiers_user_id_users",
    "fk_contact_scores_user_id_users",
}


def _declared_elsewhere(name: str | None, kind: str, dialect: str) -> bool:
    if not name:
        return False
    if name.startswith(RAW_SQL_PREFIXES) or (kind == "index" and name in RAW_SQL_INDEXES):
        return True
    return (
        kind == "foreign_key_constraint"
        and dialect == "sqlite"
        and (name in SQLITE_ONLY_FOREIGN_KEYS)
    )


def _same_float(
    _context: Any, _inspected: Any, _metadata: Any, inspected: Any, declared: Any
) -> bool | None:
    # SQLite reflects DOUBLE as FLOAT (both are REAL there): not a difference.
    if isinstance(inspected, Float) and isinstance(declared, Float | Double):
        return False
    return None


def test_the_migrated_schema_matches_the_models(engine: Engine) -> None:
    dialect = engine.dialect.name
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": _same_float,
                "include_name": lambda name, kind, _parent: (
                    not _declared_elsewhere(name, kind, dialect)
                ),
                "include_object": lambda obj, name, kind, _reflected, _other: (
                    not (_declared_elsewhere(name, kind, dialect))
                ),
            },
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
