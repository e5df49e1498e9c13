"""``pingcrm backup PATH``: an online copy of the SQLite database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pingcrm.cli import app, fail
from pingcrm.errors import PingError


def _size(num: int) -> str:
    value = float(num)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{num} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{num} bytes"


@app.command("backup")
def backup(
    path: Annotated[Path, typer.Argument(help="Backup file to write.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Copy the SQLite database to PATH while the app runs (PostgreSQL: use pg_dump)."""
    from pingcrm.backup import backup_database
    from pingcrm.config import get_settings

    try:
        result = backup_database(get_settings().resolved_database_url, path, force=force)
    except PingError as exc:
        raise fail(exc.message) from exc
    typer.echo(f"Backed up the database to {result.path} ({_size(result.size_bytes)}).")
