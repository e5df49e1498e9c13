"""A benchmark row's own user leaves nothing behind for the next row: its rows are
deleted, and on PostgreSQL (autovacuum off on the bench server) vacuumed away."""

from __future__ import annotations

import pytest
from bench.registry import drop_bench_user
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.models import Contact, Interaction, User
from tests.fixtures.builders import create_contact, create_interaction, create_user

pytestmark = pytest.mark.usefixtures("clock")


def _vacuums_of_contacts(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                text("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'contacts'")
            ).scalar_one()
        )


def test_a_rows_user_is_deleted_with_its_rows_and_others_are_kept(
    engine: Engine, session_factory: sessionmaker[Session], session: Session
) -> None:
    bench_user = create_user(session, email="bench-row@example.com")
    ada = create_contact(session, bench_user, "Ada Lovelace")
    create_interaction(session, bench_user, ada, preview="Analytical engine notes")
    other = create_user(session, email="kept@example.com")
    create_contact(session, other, "Alan Turing")
    postgresql = engine.dialect.name == "postgresql"
    vacuums_before = _vacuums_of_contacts(engine) if postgresql else 0

    drop_bench_user(engine, session_factory, bench_user.id)

    with session_factory() as check:
        assert check.scalars(select(User.email)).all() == ["kept@example.com"]
        assert check.scalars(select(Contact.full_name)).all() == ["Alan Turing"]
        assert check.scalar(select(func.count()).select_from(Interaction)) == 0
    if postgresql:
        assert _vacuums_of_contacts(engine) == vacuums_before + 1, "the dead rows are vacuumed"
