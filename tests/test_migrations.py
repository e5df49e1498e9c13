"""The migrations build the schema the models describe: a model changed without a
migration (or a migration without the model) shows here before it reaches a user's
database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Double, Engine, Float, text

from pingcrm.dashboard.repository import contact_counts
from pingcrm.db import make_engine, make_session_factory
from pingcrm.migrate import alembic_config, upgrade
from pingcrm.models import Base, InteractionKind, Platform
from tests.fixtures.builders import create_contact, create_interaction, create_user

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


def test_0022_leaves_the_connection_label_out_of_existing_search_documents(
    tmp_path: Path,
) -> None:
    """A document written before 0022 (with "Connected on LinkedIn") is rebuilt from the
    contact's other previews; downgrading puts the label's words back."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        upgrade(engine, "head")
        with make_session_factory(engine)() as session:
            user = create_user(session)
            ada = create_contact(session, user, "Ada Lovelace")
            create_interaction(
                session, user, ada, platform=Platform.LINKEDIN,
                kind=InteractionKind.CONNECTION, preview="Connected on LinkedIn",
            )  # fmt: skip
            create_interaction(session, user, ada, preview="Analytical engine notes")
            ada_id = ada.id

        def words() -> str:
            with engine.connect() as conn:
                return str(
                    conn.execute(
                        text("SELECT words FROM contact_words WHERE rowid = :id"), {"id": ada_id}
                    ).scalar_one()
                ).lower()

        assert "connected" not in words()
        command.downgrade(alembic_config(engine), "0021")
        assert "connected on linkedin" in words(), "0021's documents hold the label"
        upgrade(engine, "head")
        assert "connected" not in words()
        assert "analytical engine notes" in words()
    finally:
        engine.dispose()


def test_0023_keeps_the_statistics_of_the_indexes_it_rebuilds(tmp_path: Path) -> None:
    """Without statistics of the rebuilt tier index, SQLite walked it for every list page
    and search of an analyzed book (a search took seconds at 100k contacts)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")

    def measured() -> set[str]:
        with engine.connect() as conn:
            return set(conn.execute(text("SELECT idx FROM sqlite_stat1")).scalars())

    try:
        upgrade(engine, "0022")
        with make_session_factory(engine)() as session:
            user_id = create_user(session).id
        # Rows as that schema holds them (the models describe the newest one).
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO contacts (full_name, sort_name, priority, is_second_tier, "
                    "interaction_count, bcc_hash, edited_fields, common_groups, source, "
                    "search_text, user_id, created_at, updated_at) VALUES (:name, :name, "
                    "'medium', 0, 0, :name, '[]', '[]', 'manual', :name, :user_id, "
                    "'2026-12-01 00:00:00', '2026-12-01 00:00:00')"
                ),
                [{"name": f"person {index}", "user_id": user_id} for index in range(30)],
            )
            conn.execute(text("ANALYZE"))
        rebuilt = {"ix_contacts_user_tier", "ix_contacts_user_birthday"}
        assert rebuilt <= measured()
        upgrade(engine, "head")
        assert rebuilt <= measured()
        command.downgrade(alembic_config(engine), "0022")
        assert rebuilt <= measured()
    finally:
        engine.dispose()


def test_0026_marks_the_score_rows_of_hidden_contacts(tmp_path: Path) -> None:
    """The dashboard counts hidden contacts from their score rows' flag: the migration
    sets it for the contacts already archived or 2nd-tier."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        upgrade(engine, "0025")
        with make_session_factory(engine)() as session:
            user_id = create_user(session).id
        people = {"listed": ("medium", 0), "archived": ("archived", 0), "group": ("low", 1)}
        with engine.begin() as conn:
            for name, (priority, second_tier) in people.items():
                contact_id = conn.execute(
                    text(
                        "INSERT INTO contacts (full_name, sort_name, priority, is_second_tier, "
                        "interaction_count, bcc_hash, edited_fields, common_groups, source, "
                        "search_text, user_id, created_at, updated_at) VALUES (:name, :name, "
                        ":priority, :second_tier, 0, :name, '[]', '[]', 'manual', :name, "
                        ":user_id, '2026-12-01 00:00:00', '2026-12-01 00:00:00') RETURNING id"
                    ),
                    {
                        "name": name,
                        "priority": priority,
                        "second_tier": second_tier,
                        "user_id": user_id,
                    },
                ).scalar_one()
                conn.execute(
                    text(
                        "INSERT INTO contact_scores (contact_id, user_id, score, parts) "
                        "VALUES (:id, :user_id, 8, '{}')"
                    ),
                    {"id": contact_id, "user_id": user_id},
                )
        upgrade(engine, "head")
        with make_session_factory(engine)() as session:
            counts, hidden = contact_counts(session, user_id)
        assert (counts.total, counts.strong) == (1, 1)
        assert (hidden.second_tier, hidden.archived) == (1, 1)
    finally:
        engine.dispose()
