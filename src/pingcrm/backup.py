"""``pingcrm backup``: a consistent copy of the SQLite database while the app runs.

SQLite uses the online backup API (``sqlite3.Connection.backup``), which copies pages
under a read transaction, so writers in other processes never see a half-made copy.
PostgreSQL is backed up with ``pg_dump``; :func:`pg_dump_command` says how.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url

from pingcrm.errors import Conflict, PingError, ValidationFailed


class UnsupportedBackend(PingError):
    """The database is not SQLite; the message carries the command to use instead."""

    status_code = 400
    code = "backup_unsupported_backend"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int


def sqlite_path(database_url: str) -> Path | None:
    """The file behind an SQLite URL, or None for another backend (or in-memory)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def pg_dump_command(database_url: str, target: Path) -> str:
    """The ``pg_dump`` command that backs up a PostgreSQL database to ``target``.

    The password is not printed: pass it through ``PGPASSWORD`` or ``~/.pgpass``.
    """
    url = make_url(database_url)
    parts = ["pg_dump", "--format=custom", f"--file={target}"]
    if url.host:
        parts.append(f"--host={url.host}")
    if url.port:
        parts.append(f"--port={url.port}")
    if url.username:
        parts.append(f"--username={url.username}")
    parts.append(url.database or "pingcrm")
    return " ".join(parts)


def backup_database(database_url: str, target: Path, *, force: bool = False) -> BackupResult:
    """Copy the SQLite database at ``database_url`` to ``target`` with the online backup
    API. Refuses to overwrite ``target`` unless ``force``; on another backend raises
    :class:`UnsupportedBackend` with the ``pg_dump`` command to run."""
    source = sqlite_path(database_url)
    if source is None:
        if make_url(database_url).get_backend_name() == "postgresql":
            raise UnsupportedBackend(
                "pingcrm backup copies SQLite databases only. Back up PostgreSQL with:\n"
                f"  {pg_dump_command(database_url, target)}\n"
                "(restore with pg_restore --clean --dbname=<database> <file>)"
            )
        raise UnsupportedBackend("pingcrm backup copies SQLite database files only.")
    if not source.exists():
        raise ValidationFailed(f"The database file {source} does not exist.")
    target = target.expanduser()
    if target.resolve() == source.resolve():
        raise ValidationFailed("The backup file must not be the database itself.")
    if target.exists() and not force:
        raise Conflict(f"{target} already exists. Use --force to overwrite it.")
    if target.exists() and target.is_dir():
        raise ValidationFailed(f"{target} is a directory; give a file name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=15)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=4096)
            # A self-contained file: no WAL to ship alongside it.
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    os.replace(partial, target)
    return BackupResult(path=target.resolve(), size_bytes=target.stat().st_size)
