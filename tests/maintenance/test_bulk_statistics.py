"""Planner statistics after bulk writes: an import that adds a large share of the
contacts ends with fresh statistics for them (once, at the end); a small change to a
large, analyzed table leaves the statistics alone until the daily job."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.db import refresh_planner_statistics
from pingcrm.models import RunStatus
from pingcrm.worker import statistics
from tests.fixtures.builders import create_contact, create_user, import_file
from tests.maintenance.test_analyze import forget_statistics

HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"


def _connections_csv(path: Path, count: int) -> Path:
    lines = [
        f"Person{i},Family{i},https://www.linkedin.com/in/person-{i},,Firm {i % 7},Engineer,"
        f"0{1 + i % 9} Mar 2024\n"
        for i in range(count)
    ]
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def planner_rows(engine: Engine, table: str) -> int | None:
    """The row count the planner has for ``table`` (SQLite: sqlite_stat1; PostgreSQL:
    pg_class.reltuples, set by ANALYZE), None without statistics."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            value = conn.execute(
                text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table}
            ).scalar()
            return int(value) if value is not None and value >= 0 else None
        if not conn.execute(
            text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        ).scalar():
            return None
        stat = conn.execute(
            text("SELECT stat FROM sqlite_stat1 WHERE tbl = :t LIMIT 1"), {"t": table}
        ).scalar()
        return int(stat.split()[0]) if stat else None


def column_statistics(engine: Engine, table: str) -> int:
    """How many per-column statistics rows PostgreSQL has for ``table``."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM pg_stats WHERE tablename = :t"), {"t": table}
            ).scalar()
            or 0
        )


def test_an_import_of_many_new_contacts_ends_with_fresh_statistics(
    session: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
    engine: Engine,
    tmp_path: Path,
) -> None:
    user = create_user(session)
    forget_statistics(engine)
    source = _connections_csv(tmp_path / "Connections.csv", 60)

    run = import_file(session_factory, settings, user, source, batch_size=25)

    assert run.status is RunStatus.SUCCESS
    assert run.new_contacts == 60
    # Analyzed after the last batch: the planner counts all 60, not the 25 or 50 of a batch.
    assert planner_rows(engine, "contacts") == 60
    assert planner_rows(engine, "interactions") == 60
    if engine.dialect.name == "postgresql":
        assert column_statistics(engine, "contacts") > 0


def test_a_small_change_to_an_analyzed_table_keeps_its_statistics(
    session: Session, engine: Engine
) -> None:
    user = create_user(session)
    for index in range(50):
        create_contact(session, user, f"Person {index}")
    session.commit()
    refresh_planner_statistics(engine, ["contacts"])
    assert planner_rows(engine, "contacts") == 50
    for index in range(5):
        create_contact(session, user, f"Later {index}")
    session.commit()

    assert statistics.refresh_after_bulk_write(engine, {"contacts": 5}) == []
    assert planner_rows(engine, "contacts") == 50  # 10% more: left to the daily job

    for index in range(20):
        create_contact(session, user, f"Bulk {index}")
    session.commit()
    assert statistics.refresh_after_bulk_write(engine, {"contacts": 20}) == ["contacts"]
    assert planner_rows(engine, "contacts") == 75


def test_the_bulk_thresholds() -> None:
    assert not statistics.is_bulk(0, None)
    assert statistics.is_bulk(1, None)  # never analyzed
    assert statistics.is_bulk(1, 0)
    assert not statistics.is_bulk(200, 1000)
    assert statistics.is_bulk(201, 1000)
    assert statistics.is_bulk(5001, 1_000_000)
    assert not statistics.is_bulk(5000, 1_000_000)


def test_a_failed_refresh_is_logged_and_does_not_fail_the_run(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def locked(_engine: Engine, _tables: list[str]) -> None:
        raise OperationalError("ANALYZE contacts", {}, Exception("database is locked"))

    monkeypatch.setattr(statistics, "refresh_planner_statistics", locked)
    forget_statistics(engine)

    # The run's rows are committed already: the daily job refreshes what this missed.
    assert statistics.refresh_after_bulk_write(engine, {"contacts": 10_000}) == []
    assert "statistics.refresh_failed" in caplog.text
