"""``pingcrm scores recompute --user E``."""

from __future__ import annotations

from typing import Annotated

import typer

from pingcrm.cli import app, require_user, session_factory

scores_app = typer.Typer(help="Relationship scores.", no_args_is_help=True)
app.add_typer(scores_app, name="scores")


@scores_app.command("recompute")
def recompute(user: Annotated[str, typer.Option("--user", help="Account email.")]) -> None:
    """Recompute every contact's relationship score now."""
    from pingcrm.db import transaction
    from pingcrm.scoring.service import recompute_scores

    with transaction(session_factory()) as session:
        owner = require_user(session, user)
        result = recompute_scores(session, owner.id)
    typer.echo(f"Scored {result.contacts_scored} contacts; {result.contacts_changed} changed.")
