"""The benchmark dataset of quality.md, built with the demo generator.

Datasets are cached under ``bench/.cache/<key>/`` (SQLite: the database file;
PostgreSQL: ``postgresql/<key>/`` names a template database kept on the server, copied
into a fresh database for each run). The key holds the size, the seed, the Alembic head
and a fingerprint of the generator's source: a generator change rebuilds the dataset, a
schema change migrates the older cache to the new head (as a user's upgrade would).

The measured state is the one the app leaves after a bulk load: the demo loader writes
the rows, the scores are computed as of the dataset's anchor date (as ``pingcrm demo``
does after loading: without it every score was 0, so the Strong/Warm/Cold counts and the
sort by score were measured on a book with one score), then only the app's own
statistics refresh after a bulk write runs (no ``ANALYZE`` by the bench), and PostgreSQL
tables have autovacuum off.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, make_url, text

import pingcrm.demo
from bench.registry import Dataset, Size
from pingcrm.accounts import service as accounts
from pingcrm.db import make_engine, make_session_factory, transaction
from pingcrm.demo.service import generate_demo
from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.migrate import alembic_config, upgrade
from pingcrm.scoring.service import recompute_scores
from pingcrm.worker.statistics import (
    CONTACT_TABLES,
    INTERACTION_TABLES,
    refresh_after_bulk_write,
)

ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)
USER_EMAIL = "bench@example.com"
USER_PASSWORD = "bench-password-123"
CACHE_DIR = Path(__file__).resolve().parent / ".cache"
IMPORT_TABLES = (*CONTACT_TABLES, *INTERACTION_TABLES)


def schema_revision() -> str:
    """The Alembic head(s) the dataset was built on."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    return "+".join(sorted(heads))


# The steps of ``_build`` after the demo loader: changing them invalidates caches too.
BUILD_STEPS = "demo, scores at the anchor, statistics"


def generator_fingerprint() -> str:
    """A short hash of the demo generator's source and the build's steps: changing either
    invalidates caches."""
    digest = hashlib.sha256(BUILD_STEPS.encode())
    for path in sorted(Path(pingcrm.demo.__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def cache_key(size: Size, seed: int) -> str:
    """Directory name of a cached SQLite dataset."""
    return (
        f"{size.name}-{size.contacts}c-{size.interactions}i-seed{seed}-"
        f"{schema_revision()}-{generator_fingerprint()}"
    )


@dataclass(frozen=True)
class _Built:
    user_id: int
    contacts: int
    interactions: int
    truth: list[dict[str, Any]]
    seconds: float


def disable_autovacuum(engine: Engine) -> None:
    """Turn autovacuum off on every table of a PostgreSQL database (a no-op on SQLite), so
    the statistics measured are the ones the app's own ``ANALYZE`` leaves, as on a server
    where autovacuum is off or lags behind a bulk load."""
    if engine.dialect.name != "postgresql":
        return
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.relname"
            )
        ).scalars()
        for table in list(tables):
            conn.execute(
                text(
                    f"ALTER TABLE {quote(table)} SET "
                    "(autovacuum_enabled = false, toast.autovacuum_enabled = false)"
                )
            )


def _build(database_url: str, size: Size, seed: int) -> _Built:
    """Fill an empty database through the demo loader (the app's bulk path); then only
    the statistics refresh an import of that many contacts and interactions runs
    (``refresh_after_bulk_write``): no ``ANALYZE`` of the bench's own."""
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        disable_autovacuum(engine)
        factory = make_session_factory(engine)
        with transaction(factory) as session:
            user = accounts.create_user(session, USER_EMAIL, USER_PASSWORD)
            user_id = user.id
        started = time.perf_counter()
        with transaction(factory) as session:
            owner = accounts.get_user_by_email(session, USER_EMAIL)
            assert owner is not None
            result = generate_demo(
                session,
                owner,
                contacts=size.contacts,
                interactions=size.interactions,
                seed=seed,
                now=ANCHOR,
            )
        with use_clock(FrozenClock(ANCHOR)), transaction(factory) as session:
            recompute_scores(session, user_id)
        refresh_after_bulk_write(
            engine,
            {
                **dict.fromkeys(CONTACT_TABLES, result.contacts),
                **dict.fromkeys(INTERACTION_TABLES, result.interactions),
            },
        )
        seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    return _Built(user_id, result.contacts, result.interactions, result.truth(), seconds)


def _migrate(database_url: str) -> float:
    """Bring a cached database built on an older schema to the head, as a user's upgrade
    does (``pingcrm serve`` migrates at start); the seconds it took."""
    started = time.perf_counter()
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        disable_autovacuum(engine)
    finally:
        engine.dispose()
    return time.perf_counter() - started


def _older_cache(cache_dir: Path, size: Size, seed: int) -> Path | None:
    """A cache of this size, seed and generator built on another schema revision (it
    can be migrated instead of rebuilt)."""
    current = cache_key(size, seed)
    prefix = current.split("-seed")[0] + f"-seed{seed}-"
    suffix = f"-{generator_fingerprint()}"
    for candidate in sorted(cache_dir.glob(f"{prefix}*{suffix}")):
        if candidate.name != current and (candidate / "meta.json").exists():
            return candidate
    return None


def _remove_stale(cache_dir: Path, directory: Path, seed: int) -> list[Path]:
    """Older caches of this size and seed (another schema or generator) are stale."""
    prefix = directory.name.split("-seed")[0] + f"-seed{seed}-"
    stale = [p for p in cache_dir.glob(f"{prefix}*") if p != directory]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return stale


def _write_meta(directory: Path, meta: dict[str, Any], truth: list[dict[str, Any]]) -> None:
    (directory / "truth.json").write_text(json.dumps(truth), encoding="utf-8")
    (directory / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")


def _copy_sqlite(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def sqlite_dataset(size: Size, seed: int, cache_dir: Path = CACHE_DIR) -> Dataset:
    """The cached SQLite dataset for ``size``/``seed``: built on first use, migrated
    (not rebuilt) when only the schema changed since it was built."""
    directory = cache_dir / cache_key(size, seed)
    meta_path = directory / "meta.json"
    database = directory / "pingcrm.db"
    origin = "cached"
    if not (meta_path.exists() and database.exists()):
        building = cache_dir / f".building-{uuid.uuid4().hex[:8]}"
        building.mkdir(parents=True)
        try:
            older = _older_cache(cache_dir, size, seed)
            if older is not None:
                _copy_sqlite(older / "pingcrm.db", building / "pingcrm.db")
                meta, truth, origin = _migrated(older, f"sqlite:///{building / 'pingcrm.db'}")
            else:
                meta, truth, origin = _built(f"sqlite:///{building / 'pingcrm.db'}", size, seed)
            _write_meta(building, meta, truth)
            shutil.rmtree(directory, ignore_errors=True)
            building.rename(directory)
            _remove_stale(cache_dir, directory, seed)
        finally:
            shutil.rmtree(building, ignore_errors=True)
    return _cached_dataset("sqlite", f"sqlite:///{database}", directory, size, seed, origin)


def _cached_dataset(
    backend: str, url: str, directory: Path, size: Size, seed: int, origin: str
) -> Dataset:
    """The dataset at ``url``, described by the meta and ground truth of its cache
    ``directory``."""
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    truth = json.loads((directory / "truth.json").read_text(encoding="utf-8"))
    return Dataset(
        backend=backend,
        database_url=url,
        size=size,
        seed=seed,
        user_email=USER_EMAIL,
        user_password=USER_PASSWORD,
        user_id=int(meta["user_id"]),
        contacts=int(meta["contacts"]),
        interactions=int(meta["interactions"]),
        duplicate_pairs=truth,
        build_seconds=float(meta["build_seconds"]),
        cached=origin == "cached",
        directory=directory,
        origin=origin,
    )


def _migrated(older: Path, url: str) -> tuple[dict[str, Any], Any, str]:
    """Upgrade the copy of an older cache at ``url`` to the current schema; its meta
    (noting the migration), ground truth and origin."""
    migrate_s = _migrate(url)
    meta = json.loads((older / "meta.json").read_text(encoding="utf-8"))
    meta["migrated_from"] = older.name
    meta["migrate_seconds"] = round(migrate_s, 2)
    truth = json.loads((older / "truth.json").read_text(encoding="utf-8"))
    return meta, truth, f"migrated in {migrate_s:.1f} s"


def _built(url: str, size: Size, seed: int) -> tuple[dict[str, Any], Any, str]:
    """Build the dataset at ``url``; its meta, ground truth and origin."""
    built = _build(url, size, seed)
    meta = {
        "user_id": built.user_id,
        "contacts": built.contacts,
        "interactions": built.interactions,
        "build_seconds": round(built.seconds, 2),
    }
    return meta, built.truth, "built"


@contextmanager
def working_copy(dataset: Dataset) -> Iterator[Dataset]:
    """A throw-away copy of a cached SQLite dataset (removed afterwards)."""
    source = Path(make_url(dataset.database_url).database or "")
    work_dir = dataset.directory.parent / f".work-{uuid.uuid4().hex[:8]}"
    work_dir.mkdir(parents=True)
    try:
        target = work_dir / "pingcrm.db"
        _copy_sqlite(source, target)
        yield replace(dataset, database_url=f"sqlite:///{target}", directory=work_dir)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def _admin(server_url: str, *statements: str) -> None:
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        admin.dispose()


def _database_exists(server_url: str, name: str) -> bool:
    admin = make_engine(server_url)
    try:
        with admin.connect() as conn:
            return bool(
                conn.execute(
                    text("SELECT count(*) FROM pg_database WHERE datname = :name"), {"name": name}
                ).scalar_one()
            )
    finally:
        admin.dispose()


def template_name(directory: Path) -> str:
    """The server database holding a cached PostgreSQL dataset (a template of the
    working copies), named after its cache directory."""
    digest = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:12]
    return f"pingcrm_bench_cache_{directory.name.split('-')[0].lower()}_{digest}"


def _postgres_cache(server_url: str, size: Size, seed: int, cache_dir: Path) -> tuple[Path, str]:
    """The cache directory of the PostgreSQL dataset (its meta) and its template database
    on ``server_url``: built on first use, migrated when only the schema changed."""
    directory = cache_dir / cache_key(size, seed)
    template = template_name(directory)
    if (directory / "meta.json").exists() and _database_exists(server_url, template):
        return directory, "cached"
    url = make_url(server_url).set(database=template).render_as_string(hide_password=False)
    _admin(server_url, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
    older = _older_cache(cache_dir, size, seed)
    if older is not None and _database_exists(server_url, template_name(older)):
        _admin(server_url, f'CREATE DATABASE "{template}" TEMPLATE "{template_name(older)}"')
        meta, truth, origin = _migrated(older, url)
    else:
        _admin(server_url, f'CREATE DATABASE "{template}"')
        meta, truth, origin = _built(url, size, seed)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    _write_meta(directory, meta, truth)
    for stale in _remove_stale(cache_dir, directory, seed):
        _admin(server_url, f'DROP DATABASE IF EXISTS "{template_name(stale)}" WITH (FORCE)')
    return directory, origin


def postgres_dataset(server_url: str, size: Size, seed: int, cache_dir: Path) -> Dataset:
    """A fresh PostgreSQL database on ``server_url`` filled with the dataset: a copy
    (``CREATE DATABASE … TEMPLATE``) of the cached one, which is built on first use and
    kept on the server (``bench/.cache/postgresql/<key>/`` names it)."""
    directory, origin = _postgres_cache(server_url, size, seed, cache_dir)
    name = f"pingcrm_bench_{size.name.lower()}_{uuid.uuid4().hex[:8]}"
    _admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_name(directory)}"')
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    return _cached_dataset("postgresql", url, directory, size, seed, origin)


def drop_postgres_dataset(server_url: str, dataset: Dataset) -> None:
    """Drop the working database of a PostgreSQL dataset (the cached template stays)."""
    name = make_url(dataset.database_url).database
    _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def describe(dataset: Dataset) -> str:
    """One line about the dataset, for the report."""
    origin = dataset.origin or ("cached" if dataset.cached else "built")
    return (
        f"{dataset.backend}: size {dataset.size.name}, {dataset.contacts:,} contacts, "
        f"{dataset.interactions:,} interactions, {len(dataset.duplicate_pairs):,} planted "
        f"duplicate pairs, seed {dataset.seed}, scores as of {ANCHOR:%Y-%m-%d}; generated "
        f"in {dataset.build_seconds:.1f} s ({origin}); statistics as a bulk import leaves "
        f"them (the app's ANALYZE of {', '.join(IMPORT_TABLES)}; autovacuum off)"
    )
