"""Database engine and session factory (SQLAlchemy 2, sync sessions).

SQLite runs in WAL mode with foreign keys on; PostgreSQL goes through psycopg 3.
The boundary (request dependency, job wrapper, CLI command) owns the transaction.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    import psycopg

# Sized for the thread pool: every sync route and dependency runs on one of anyio's 40
# worker threads and holds at most one connection, and the job runner adds a few; so the
# pool never makes a request wait for another's connection.
POOL_SIZE = 10
POOL_OVERFLOW = 40
POOL_TIMEOUT_SECONDS = 60
THREADPOOL_TOKENS = 40
# SQLite's page cache belongs to a connection, and the web pool keeps POOL_SIZE of them
# open, each caching pages of a file the OS caches anyway: at 64 MB each the server grew
# by hundreds of MB over a few thousand requests on a 100k-contact book. In the web
# process (``make_engine(..., request_pool=True)``) requests read a few pages each and get
# SQLite's default 2 MB; jobs (imports, syncs, recomputes) get 64 MB for the connections
# they check out (``bulk_connections``), shrunk back (and freed) when a request checks
# the connection out again. Other processes (CLI, worker) keep 64 MB throughout.
SQLITE_CACHE_KIB = 2_000
SQLITE_BULK_CACHE_KIB = 64_000
# A commit copies the WAL into the database file (a checkpoint, with an fsync of each)
# once the WAL holds ``wal_autocheckpoint`` pages. A bulk batch adds rows at random places
# of several indexes (names, interactions by date), so at 100k contacts each commit writes
# about 8,000 pages to the WAL, and every checkpoint copies and syncs them again: with a
# checkpoint every 40 MB the 100k ingest of the scaling rows spent 5.0-5.3 s in its
# commits; with none until the end, 2.3-3.1 s, and 0.1-0.7 s for the checkpoints made
# beside it or after. So a job's connections
# (``bulk_connections``) never checkpoint on commit (``0``): the job's heartbeat
# checkpoints the WAL every beat, beside the job's own writes, and the job checkpoints
# once more when it ends (:func:`checkpoint_wal`). The WAL of a job thus holds at most a
# heartbeat's writes. Web requests keep SQLite's default of 1,000 pages; other
# connections of other processes (CLI commands, the worker's bookkeeping) 40 MB. After a
# checkpoint the file is cut back to 64 MB.
SQLITE_WAL_PAGES = 1_000
SQLITE_PROCESS_WAL_PAGES = 10_000
SQLITE_BULK_WAL_PAGES = 0
SQLITE_WAL_LIMIT_BYTES = 64 * 1024 * 1024
_bulk: ContextVar[bool] = ContextVar("pingcrm_bulk_connections", default=False)

log = logging.getLogger("pingcrm.db")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.execute(f"PRAGMA journal_size_limit={SQLITE_WAL_LIMIT_BYTES}")
    cursor.close()


def _sqlite_checkout(request_pool: bool) -> Callable[[Any, Any, Any], None]:
    """A checkout listener that sizes the page cache and the WAL checkpoint interval of a
    connection for its user: a job (inside :func:`bulk_connections`), a web request
    (``request_pool``), or another process's command."""
    idle = (
        (SQLITE_CACHE_KIB, SQLITE_WAL_PAGES)
        if request_pool
        else (SQLITE_BULK_CACHE_KIB, SQLITE_PROCESS_WAL_PAGES)
    )

    def size(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        cache, wal = (SQLITE_BULK_CACHE_KIB, SQLITE_BULK_WAL_PAGES) if _bulk.get() else idle
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA cache_size=-{cache}")
        cursor.execute(f"PRAGMA wal_autocheckpoint={wal}")
        cursor.close()

    return size


@contextmanager
def bulk_connections() -> Iterator[None]:
    """Connections checked out by this thread in the block get SQLite's large page cache
    (a job writing many rows into a dozen indexes) and leave checkpoints to the job
    (:func:`checkpoint_wal`); a no-op on PostgreSQL."""
    token = _bulk.set(True)
    try:
        yield
    finally:
        _bulk.reset(token)


def _private_file(path: Path) -> None:
    """Create the database file readable by its owner only (0600, like ``secrets.json``);
    SQLite gives its WAL and shared-memory files the database file's mode.

    An existing file is never opened here: closing any descriptor of a file drops every
    POSIX lock this process holds on it, SQLite's included, and another process could then
    checkpoint and delete the WAL that this process's open connections still write to."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        os.close(fd)
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if candidate.exists() and candidate.stat().st_mode & 0o077:
            candidate.chmod(0o600)


def _postgresql_session(dbapi_connection: Any, _record: Any) -> None:
    """Every PostgreSQL connection plans each execution with its own parameters.

    psycopg prepares a statement on the server after five executions; PostgreSQL then
    compares the custom plans so far with a generic plan (one plan for any parameter
    values) and may switch to it for good. With statistics, the generic plan of a search
    (``search_text LIKE $1``, ``bcc_hash IN ($1..$400)``) nests a loop over every contact:
    29 s instead of milliseconds at 100k. ``force_custom_plan`` keeps the saving of a
    prepared statement (parsed once) and plans each execution for its values: planning
    costs well under a millisecond, a wrong generic plan costs seconds. Chosen over
    ``prepare_threshold=None`` because it covers every statement (lists, searches, the
    bulk ingest lookups) whoever prepares it, and keeps psycopg's preparation."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_custom_plan")
    dbapi_connection.autocommit = autocommit


def make_engine(url: str, *, request_pool: bool = False, **kwargs: Any) -> Engine:
    """Create an engine for ``url``; SQLite gets WAL mode and foreign keys, and small page
    caches outside jobs when the pool serves web requests (``request_pool``)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not path.startswith("file:"):
            _private_file(Path(path.split("?", 1)[0]))
        if path and path != ":memory:" and "mode=memory" not in url:
            kwargs.setdefault("pool_size", POOL_SIZE)
            kwargs.setdefault("max_overflow", POOL_OVERFLOW)
            kwargs.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
            # The connection checked in last is checked out first: each connection has
            # a page cache of its own, and the 100k score recompute took 3 s on the
            # connection that had just read the book, 5.3 s on a colder one of the pool.
            kwargs.setdefault("pool_use_lifo", True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkout", _sqlite_checkout(request_pool))
        return engine
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("max_overflow", POOL_OVERFLOW)
    kwargs.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgresql_session)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine`` that keeps objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session, commit on success, roll back on error, always close."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_postgresql(session_or_engine: Session | Engine) -> bool:
    """True when the bound database is PostgreSQL."""
    bind = (
        session_or_engine.get_bind()
        if isinstance(session_or_engine, Session)
        else (session_or_engine)
    )
    return bind.dialect.name == "postgresql"


def copy_to_staging(
    connection: Connection,
    ddl: str,
    staging: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> None:
    """Fill the per-connection temporary table ``staging`` (created by ``ddl`` when
    missing, emptied first) with ``rows`` through PostgreSQL's COPY: one stream, no
    statement per row, in the binary format (see :func:`_copy_types`). Only table and
    column names of our own are formatted in."""
    connection.exec_driver_sql(ddl)
    connection.exec_driver_sql(f"TRUNCATE {staging}")
    raw = cast("psycopg.Connection[Any]", connection.connection.dbapi_connection)
    types = _copy_types(connection, raw, staging, tuple(columns))
    statement = f"COPY {staging} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


_JSON_OID = 114
_JSONB_OID = 3802
_TEXT_OID = 25


def _copy_types(
    connection: Connection, raw: psycopg.Connection[Any], staging: str, columns: tuple[str, ...]
) -> list[int]:
    """The type of each of ``columns`` of ``staging``, for a binary COPY (looked up once
    per database connection): every value is sent in its type's binary form, which the
    server stores without parsing text (half the time of a text COPY of contact rows).
    A ``json`` column gets text, which is its binary form too; the callers hand over
    JSON already serialized."""
    cache: dict[tuple[str, tuple[str, ...]], list[int]] = connection.connection.info.setdefault(
        "pingcrm_copy_types", {}
    )
    key = (staging, columns)
    if key not in cache:
        with raw.cursor() as cursor:
            found = dict(
                cursor.execute(
                    "SELECT attname, atttypid::int FROM pg_attribute "
                    "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
                    (staging,),
                ).fetchall()
            )
        if any(found[name] == _JSONB_OID for name in columns):
            raise ValueError(f"{staging}: a binary COPY cannot take serialized jsonb")
        cache[key] = [_TEXT_OID if found[name] == _JSON_OID else found[name] for name in columns]
    return cache[key]


@contextmanager
def cached_trigger_plans(connection: Connection) -> Iterator[None]:
    """Around a bulk write on PostgreSQL: the foreign-key checks it fires reuse their plan.

    Each foreign key is an AFTER trigger running ``SELECT 1 FROM contacts WHERE id = $1
    FOR KEY SHARE`` once per inserted row (and per updated row the same transaction
    inserted), from a plan PostgreSQL prepares once. Under the connection's
    ``plan_cache_mode = force_custom_plan`` (see ``_postgresql_session``) that query is
    planned again for every row: 15-20 µs a check instead of 5, about two thirds of a
    bulk insert into a narrow child table (contact_scores, contact_words), 11 s of a
    100k-row LinkedIn import. The default mode (``auto``) lets the checks use their plan,
    a primary-key probe whatever the value. Only bulk writes belong inside: an
    ``INSERT … SELECT`` from a staging table (no parameters), or statements over arrays
    of ids whose generic plan is the same primary-key probe; reads stay outside. Set for
    the transaction only (``set_config(…, true)``) and put back right after: the
    connection's mode is back then, or at the end of the transaction whatever happens.
    A no-op on SQLite (checks are inline there)."""
    if connection.dialect.name != "postgresql":
        yield
        return
    mode = connection.exec_driver_sql(
        "SELECT current_setting('plan_cache_mode'), set_config('plan_cache_mode', 'auto', true)"
    ).scalar_one()
    yield
    # Not reached when the statement failed: the transaction is then rolled back, which
    # ends the LOCAL setting.
    connection.exec_driver_sql("SELECT set_config('plan_cache_mode', %s, true)", (mode,))


def refresh_planner_statistics(engine: Engine, tables: Sequence[str] = ()) -> None:
    """Run ``ANALYZE`` (of ``tables``, or of every table) so the query planner picks the
    right indexes (SQLite never does this on its own; on a large database it turns seconds
    into milliseconds). PostgreSQL gets ``VACUUM ANALYZE``: the vacuum also marks pages
    all-visible, so counts are read from an index alone after a bulk load, without
    waiting for autovacuum. SQLite then checkpoints the WAL the bulk write grew
    (:func:`checkpoint_wal`): copied into the database here, in the job, not by the commit
    of the next web request, whose connections checkpoint past 1,000 pages."""
    postgresql = engine.dialect.name == "postgresql"
    quote = engine.dialect.identifier_preparer.quote
    with engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        if not tables:
            autocommit.exec_driver_sql("VACUUM ANALYZE" if postgresql else "ANALYZE")
        elif postgresql:
            autocommit.exec_driver_sql(
                "VACUUM ANALYZE " + ", ".join(quote(table) for table in tables)
            )
        else:
            for table in tables:
                autocommit.exec_driver_sql(f"ANALYZE {quote(table)}")
    checkpoint_wal(engine)


def checkpoint_wal(engine: Engine) -> None:
    """Copy SQLite's WAL into the database file, as far as no reader still needs it
    (``PASSIVE``: never waits for, nor blocks, other connections, the writer included);
    a no-op on PostgreSQL. A failure is logged and left to the next checkpoint."""
    if engine.dialect.name != "sqlite":
        return
    try:
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "PRAGMA wal_checkpoint(PASSIVE)"
            )
    except SQLAlchemyError:
        log.exception("db.checkpoint_failed")


def planner_row_count(engine: Engine, table: str) -> int | None:
    """How many rows the planner believes ``table`` has (from its last ``ANALYZE``);
    None when it has no statistics for it. Costs a catalog lookup, never a table scan."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            estimate = connection.exec_driver_sql(
                "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", (table,)
            ).scalar()
            return int(estimate) if estimate is not None and estimate >= 0 else None
        if not connection.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).scalar():
            return None
        stats = connection.exec_driver_sql(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = ?", (table,)
        ).scalars()
        counts = [int(stat.split()[0]) for stat in stats if stat and stat.split()[0].isdigit()]
        return max(counts) if counts else None
