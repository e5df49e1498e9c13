"""``pingcrm demo --user E``: fill an account with the seeded demo dataset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from pingcrm.cli import app, fail, require_user, session_factory
from pingcrm.demo import DEFAULT_CONTACTS
from pingcrm.errors import PingError


@app.command("demo")
def demo(
    user: Annotated[str, typer.Option("--user", help="Account email.")],
    contacts: Annotated[
        int, typer.Option("--contacts", min=1, help="How many contacts to create.")
    ] = DEFAULT_CONTACTS,
    interactions: Annotated[
        int | None,
        typer.Option("--interactions", min=0, help="Total interactions (default: ~10 each)."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same dataset.")] = 42,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Delete the account's existing contacts, tags and organizations first.",
        ),
    ] = False,
    truth: Annotated[
        Path | None,
        typer.Option("--truth", help="Write the planted duplicate pairs (JSON) to this file."),
    ] = None,
) -> None:
    """Fill an account with realistic people, interactions and planted duplicates."""
    from pingcrm.db import refresh_planner_statistics, transaction
    from pingcrm.demo.service import generate_demo

    factory = session_factory()
    try:
        with transaction(factory) as session:
            owner = require_user(session, user)
            result = generate_demo(
                session,
                owner,
                contacts=contacts,
                interactions=interactions,
                seed=seed,
                force=force,
            )
    except PingError as exc:
        raise fail(exc.message) from exc
    # A hundred thousand new rows: let the planner see them before the first page loads.
    refresh_planner_statistics(factory.kw["bind"])
    typer.echo(
        f"Created {result.contacts:,} contacts, {result.interactions:,} interactions, "
        f"{result.organizations:,} organizations and {len(result.duplicate_pairs)} planted "
        f"duplicate pairs for {owner.email} in {result.seconds:.1f} s."
    )
    if truth is not None:
        truth.write_text(json.dumps(result.truth(), indent=2) + "\n", encoding="utf-8")
        typer.echo(f"Planted duplicate pairs written to {truth}.")
