"""``pingcrm suggestions generate --user E``."""

from __future__ import annotations

from typing import Annotated

import typer

from pingcrm.cli import app, require_user, session_factory

suggestions_app = typer.Typer(help="Follow-up suggestions.", no_args_is_help=True)
app.add_typer(suggestions_app, name="suggestions")


@suggestions_app.command("generate")
def generate(user: Annotated[str, typer.Option("--user", help="Account email.")]) -> None:
    """Run the follow-up engine for one account now and list what it suggested."""
    from pingcrm.config import get_settings
    from pingcrm.db import transaction
    from pingcrm.suggestions import service

    with transaction(session_factory()) as session:
        owner = require_user(session, user)
        result = service.generate(session, get_settings(), owner.id)
        lines = [
            f"- {result.names[s.contact_id]} ({s.channel}): {s.reason}" for s in result.created
        ]
    typer.echo(f"{len(lines)} new suggestion{'s' if len(lines) != 1 else ''}.")
    for line in lines:
        typer.echo(line)
    if result.skipped:
        skipped = ", ".join(f"{reason} {count}" for reason, count in sorted(result.skipped.items()))
        typer.echo(f"Skipped: {skipped}.")
