"""``pingcrm identity scan --user E [--json]``."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from pingcrm.cli import app, require_user, session_factory

identity_app = typer.Typer(help="Duplicate contacts (identity resolution).", no_args_is_help=True)
app.add_typer(identity_app, name="identity")


@identity_app.command("scan")
def scan(
    user: Annotated[str, typer.Option("--user", help="Account email.")],
    as_json: Annotated[bool, typer.Option("--json", help='Print {"pairs": [...]}.')] = False,
) -> None:
    """Find duplicate contacts now: merge the certain ones, queue the probable ones for
    review at /identity, and list the pairs found."""
    from pingcrm.config import get_settings
    from pingcrm.db import transaction
    from pingcrm.identity import service

    with transaction(session_factory()) as session:
        owner = require_user(session, user)
        result = service.run_scan(session, get_settings(), owner.id)
        pairs = result.pairs_json()
    if as_json:
        typer.echo(json.dumps({"pairs": pairs}, indent=2, ensure_ascii=False))
        return
    typer.echo(result.summary())
    for pair in pairs:
        left, right = pair["contacts"]
        signals = ", ".join(pair["signals"])
        typer.echo(
            f"- tier {pair['tier']} {pair['score']:.2f} {pair['action']}: "
            f"{left.get('name')} ~ {right.get('name')} ({signals})"
        )
