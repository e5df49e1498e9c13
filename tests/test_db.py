"""The engine's SQLite page cache: small for web requests (the web pool keeps connections
open, each with its own cache), large for jobs that write in bulk and other processes."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection

from pingcrm.db import SQLITE_BULK_CACHE_KIB, SQLITE_CACHE_KIB, bulk_connections, make_engine


def _cache_kib(connection: Connection) -> int:
    return -int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())


def test_requests_get_a_small_page_cache_and_bulk_jobs_a_large_one(tmp_path: Path) -> None:
    engine = make_engine(
        f"sqlite:///{tmp_path / 'pingcrm.db'}", request_pool=True, pool_size=1, max_overflow=0
    )
    try:
        with engine.connect() as request:
            assert _cache_kib(request) == SQLITE_CACHE_KIB
        with bulk_connections(), engine.connect() as job:
            assert _cache_kib(job) == SQLITE_BULK_CACHE_KIB
        # The same pooled connection, checked out by a request again, shrinks back.
        with engine.connect() as request:
            assert _cache_kib(request) == SQLITE_CACHE_KIB
    finally:
        engine.dispose()


def test_other_processes_keep_the_large_page_cache(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pingcrm.db'}")
    try:
        with engine.connect() as command:
            assert _cache_kib(command) == SQLITE_BULK_CACHE_KIB
    finally:
        engine.dispose()
