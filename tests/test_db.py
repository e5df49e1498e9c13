"""The engine's SQLite page cache and WAL checkpoint interval: SQLite's defaults for web
requests (the web pool keeps connections open, each with its own cache), a large cache
and no checkpoint on commit for jobs that write in bulk (they checkpoint on their own),
a large cache for other processes, and a checkpoint after a bulk write; PostgreSQL's plan
mode around bulk writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from pingcrm.db import (
    SQLITE_BULK_CACHE_KIB,
    SQLITE_CACHE_KIB,
    SQLITE_PROCESS_WAL_PAGES,
    SQLITE_WAL_PAGES,
    bulk_connections,
    cached_trigger_plans,
    checkpoint_wal,
    make_engine,
    refresh_planner_statistics,
)


def _sizes(connection: Connection) -> tuple[int, int]:
    """(page cache in KiB, WAL pages before a commit checkpoints)."""
    cache = -int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())
    wal = int(connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())
    return cache, wal


def test_requests_get_sqlite_defaults_and_bulk_jobs_large_sizes(tmp_path: Path) -> None:
    engine = make_engine(
        f"sqlite:///{tmp_path / 'pingcrm.db'}", request_pool=True, pool_size=1, max_overflow=0
    )
    try:
        with engine.connect() as request:
            assert _sizes(request) == (SQLITE_CACHE_KIB, SQLITE_WAL_PAGES)
        with bulk_connections(), engine.connect() as job:
            assert _sizes(job) == (SQLITE_BULK_CACHE_KIB, 0)
        # The same pooled connection, checked out by a request again, shrinks back.
        with engine.connect() as request:
            assert _sizes(request) == (SQLITE_CACHE_KIB, SQLITE_WAL_PAGES)
    finally:
        engine.dispose()


def test_other_processes_keep_the_large_cache_and_checkpoint_past_40_mb(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pingcrm.db'}", pool_size=1, max_overflow=0)
    try:
        with engine.connect() as command:
            assert _sizes(command) == (SQLITE_BULK_CACHE_KIB, SQLITE_PROCESS_WAL_PAGES)
        with bulk_connections(), engine.connect() as job:
            assert _sizes(job) == (SQLITE_BULK_CACHE_KIB, 0)
        with engine.connect() as command:
            assert _sizes(command) == (SQLITE_BULK_CACHE_KIB, SQLITE_PROCESS_WAL_PAGES)
    finally:
        engine.dispose()


def _fill(engine: Engine, rows: int) -> None:
    """``rows`` rows of 500 bytes, committed."""
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body TEXT)"
        )
        connection.exec_driver_sql(
            f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) "
            "INSERT INTO rows (body) SELECT printf('%0500d', i) FROM n"
        )


def test_a_job_commit_leaves_the_wal_to_the_jobs_checkpoint(tmp_path: Path) -> None:
    """Far past a request's 1,000 pages, a job's commit leaves its rows in the WAL (no
    checkpoint stalls the job); ``checkpoint_wal`` copies them into the database."""
    path = tmp_path / "pingcrm.db"
    engine = make_engine(f"sqlite:///{path}", request_pool=True)
    try:
        with bulk_connections():
            _fill(engine, 20_000)
        wal = path.with_name(path.name + "-wal")
        assert wal.stat().st_size > 20_000 * 500
        before = path.stat().st_size
        checkpoint_wal(engine)
        assert path.stat().st_size > before + 20_000 * 500
    finally:
        engine.dispose()


def test_the_statistics_refresh_after_a_bulk_write_leaves_the_wal_checkpointed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "pingcrm.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with bulk_connections():
            _fill(engine, 5000)
        # A job's commits do not checkpoint: the rows are in the WAL only.
        before = path.stat().st_size
        refresh_planner_statistics(engine, ["rows"])
        assert path.stat().st_size > before + 5000 * 500
    finally:
        engine.dispose()


def _plan_mode(connection: Connection) -> str:
    return str(connection.exec_driver_sql("SHOW plan_cache_mode").scalar_one())


def test_only_the_bulk_write_itself_lets_queries_reuse_a_plan(engine: Engine) -> None:
    """Inside ``cached_trigger_plans`` foreign-key checks may reuse their plan; right
    after it, and after a statement that failed in it, the connection plans every
    query for its values again (a generic plan of a search takes seconds)."""
    if engine.dialect.name != "postgresql":
        with engine.begin() as connection, cached_trigger_plans(connection):
            assert connection.exec_driver_sql("SELECT 1").scalar_one() == 1
        return
    with engine.connect() as connection:
        assert _plan_mode(connection) == "force_custom_plan"
        with cached_trigger_plans(connection):
            assert _plan_mode(connection) == "auto"
        assert _plan_mode(connection) == "force_custom_plan"
        connection.commit()
        with pytest.raises(DBAPIError), cached_trigger_plans(connection):
            connection.exec_driver_sql("SELECT 1 / 0")
        connection.rollback()
        assert _plan_mode(connection) == "force_custom_plan"


def test_the_pool_hands_out_the_connection_used_last_with_its_warm_page_cache(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pingcrm.db'}")
    try:
        first, second = engine.connect(), engine.connect()
        first_raw = first.connection.dbapi_connection
        second_raw = second.connection.dbapi_connection
        second.close()
        first.close()
        with engine.connect() as next_one:
            assert next_one.connection.dbapi_connection is first_raw
        first, second = engine.connect(), engine.connect()
        first.close()
        second.close()
        with engine.connect() as next_one:
            assert next_one.connection.dbapi_connection is second_raw
    finally:
        engine.dispose()
