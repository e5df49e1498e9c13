"""The daily statistics refresh: the planner gets fresh statistics on both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.worker.context import JobCall
from pingcrm.worker.execute import Outcome, execute
from pingcrm.worker.registry import Cron, get_job
from tests.fixtures.builders import create_contact, create_user


def statistics_of_contacts(engine: Engine) -> Any:
    """SQLite: the planner's row for contacts (None when never analyzed); PostgreSQL:
    when contacts was last analyzed."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            if not conn.execute(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            ).scalar():
                return None
            return conn.execute(
                text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'contacts' LIMIT 1")
            ).scalar()
        return conn.execute(
            text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'contacts'")
        ).scalar()


def forget_statistics(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            if conn.execute(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            ).scalar():
                conn.execute(text("DELETE FROM sqlite_stat1"))


def test_the_daily_job_refreshes_planner_statistics(
    session: Session, settings: Settings, engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    assert get_job("db.analyze").schedule == Cron(hour=4, minute=30)
    user = create_user(session)
    for index in range(3):
        create_contact(session, user, f"Person {index}")
    forget_statistics(engine)
    before = statistics_of_contacts(engine)

    result = execute(
        JobCall("db.analyze", trigger="scheduled"),
        settings=settings,
        engine=engine,
        session_factory=session_factory,
    )

    assert result.outcome is Outcome.SUCCESS, result.error
    after = statistics_of_contacts(engine)
    assert after is not None
    assert after != before
