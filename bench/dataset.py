"""The benchmark dataset of quality.md, built with the demo generator.

SQLite datasets are cached under ``bench/.cache/<key>/`` where the key holds the size,
the seed, the Alembic head and a fingerprint of the generator's source, so a schema or
generator change rebuilds them. PostgreSQL gets a fresh database on every run.
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
from sqlalchemy import make_url, text

import pingcrm.demo
from bench.registry import Dataset, Size
from pingcrm.accounts import service as accounts
from pingcrm.db import make_engine, make_session_factory, refresh_planner_statistics, transaction
from pingcrm.demo.service import generate_demo
from pingcrm.migrate import alembic_config, upgrade

ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)
USER_EMAIL = "bench@example.com"
USER_PASSWORD = "bench-password-123"
CACHE_DIR = Path(__file__).resolve().parent / ".cache"


def schema_revision() -> str:
    """The Alembic head(s) the dataset was built on."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    return "+".join(sorted(heads))


def generator_fingerprint() -> str:
    """A short hash of the demo generator's source: changing it invalidates caches."""
    digest = hashlib.sha256()
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


def _build(database_url: str, size: Size, seed: int) -> _Built:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
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
        seconds = time.perf_counter() - started
        refresh_planner_statistics(engine)
    finally:
        engine.dispose()
    return _Built(user_id, result.contacts, result.interactions, result.truth(), seconds)


def sqlite_dataset(size: Size, seed: int, cache_dir: Path = CACHE_DIR) -> Dataset:
    """The cached SQLite dataset for ``size``/``seed``, built on first use."""
    directory = cache_dir / cache_key(size, seed)
    meta_path = directory / "meta.json"
    database = directory / "pingcrm.db"
    cached = meta_path.exists() and database.exists()
    if not cached:
        building = cache_dir / f".building-{uuid.uuid4().hex[:8]}"
        building.mkdir(parents=True)
        try:
            built = _build(f"sqlite:///{building / 'pingcrm.db'}", size, seed)
            (building / "truth.json").write_text(json.dumps(built.truth), encoding="utf-8")
            meta = {
                "user_id": built.user_id,
                "contacts": built.contacts,
                "interactions": built.interactions,
                "build_seconds": round(built.seconds, 2),
            }
            (building / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
            shutil.rmtree(directory, ignore_errors=True)
            building.rename(directory)
            # Older caches of this size and seed (another schema or generator) are stale.
            prefix = directory.name.split("-seed")[0] + f"-seed{seed}-"
            for stale in cache_dir.glob(f"{prefix}*"):
                if stale != directory:
                    shutil.rmtree(stale, ignore_errors=True)
        finally:
            shutil.rmtree(building, ignore_errors=True)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    truth = json.loads((directory / "truth.json").read_text(encoding="utf-8"))
    return Dataset(
        backend="sqlite",
        database_url=f"sqlite:///{database}",
        size=size,
        seed=seed,
        user_email=USER_EMAIL,
        user_password=USER_PASSWORD,
        user_id=int(meta["user_id"]),
        contacts=int(meta["contacts"]),
        interactions=int(meta["interactions"]),
        duplicate_pairs=truth,
        build_seconds=float(meta["build_seconds"]),
        cached=cached,
        directory=directory,
    )


@contextmanager
def working_copy(dataset: Dataset) -> Iterator[Dataset]:
    """A throw-away copy of a cached SQLite dataset (removed afterwards)."""
    source = Path(make_url(dataset.database_url).database or "")
    work_dir = dataset.directory.parent / f".work-{uuid.uuid4().hex[:8]}"
    work_dir.mkdir(parents=True)
    try:
        target = work_dir / "pingcrm.db"
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        yield replace(dataset, database_url=f"sqlite:///{target}", directory=work_dir)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def postgres_dataset(server_url: str, size: Size, seed: int, work_dir: Path) -> Dataset:
    """A fresh PostgreSQL database on ``server_url`` filled with the dataset."""
    name = f"pingcrm_bench_{size.name.lower()}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    built = _build(url, size, seed)
    work_dir.mkdir(parents=True, exist_ok=True)
    return Dataset(
        backend="postgresql",
        database_url=url,
        size=size,
        seed=seed,
        user_email=USER_EMAIL,
        user_password=USER_PASSWORD,
        user_id=built.user_id,
        contacts=built.contacts,
        interactions=built.interactions,
        duplicate_pairs=built.truth,
        build_seconds=built.seconds,
        cached=False,
        directory=work_dir,
    )


def drop_postgres_dataset(server_url: str, dataset: Dataset) -> None:
    """Drop the database a PostgreSQL dataset was built in."""
    name = make_url(dataset.database_url).database
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def describe(dataset: Dataset) -> str:
    """One line about the dataset, for the report."""
    origin = "cached" if dataset.cached else "built"
    return (
        f"{dataset.backend}: size {dataset.size.name}, {dataset.contacts:,} contacts, "
        f"{dataset.interactions:,} interactions, {len(dataset.duplicate_pairs):,} planted "
        f"duplicate pairs, seed {dataset.seed}; generated in {dataset.build_seconds:.1f} s "
        f"({origin})"
    )
