"""``pingcrm export`` and ``pingcrm import-json``: the whole account as JSON or vCard."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from pingcrm.cli import app, fail, require_user, session_factory
from pingcrm.errors import PingError


class ExportFormat(StrEnum):
    JSON = "json"
    VCARD = "vcard"


@app.command("export")
def export(
    user: Annotated[str, typer.Option("--user", help="Account email.")],
    format: Annotated[
        ExportFormat, typer.Option("--format", help="json: everything; vcard: contacts.")
    ] = ExportFormat.JSON,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Export everything an account owns (JSON) or its contacts (vCard 4.0)."""
    from pingcrm.db import transaction
    from pingcrm.exports import service

    with transaction(session_factory()) as session:
        owner = require_user(session, user)
        if format == ExportFormat.JSON:
            document = service.export_account_json(session, owner)
            text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
            summary = f"{len(document['contacts'])} contacts"
        else:
            text = service.export_account_vcard(session, owner)
            summary = f"{text.count('BEGIN:VCARD')} contacts"
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    output.write_text(text, encoding="utf-8")
    typer.echo(f"Exported {summary} of {owner.email} to {output} ({format.value}).")


@app.command("import-json")
def import_json(
    file: Annotated[Path, typer.Argument(help="A file written by `pingcrm export`.")],
    user: Annotated[str, typer.Option("--user", help="Account email (must be empty).")],
) -> None:
    """Restore a JSON export into an empty account."""
    from pingcrm.db import transaction
    from pingcrm.exports import service

    try:
        document: Any = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise fail(f"{file} does not exist.") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise fail(f"{file} is not a JSON export ({exc}).") from exc
    if not isinstance(document, dict):
        raise fail(f"{file} is not a PingCRM JSON export.")
    try:
        with transaction(session_factory()) as session:
            owner = require_user(session, user)
            counts = service.import_account_json(session, owner, document)
    except PingError as exc:
        raise fail(exc.message) from exc
    details = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items())
    typer.echo(f"Restored into {owner.email}: {details}.")
