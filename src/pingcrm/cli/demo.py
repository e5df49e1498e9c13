"""``pingcrm demo --user E``: fill an account with the seeded demo dataset, then bring it
to life at once (scores, duplicate scan, today's suggestions) instead of waiting for the
nightly jobs."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from pingcrm.cli import app, fail, require_user, session_factory
from pingcrm.demo import DEFAULT_CONTACTS
from pingcrm.errors import PingError

# What the nightly jobs would do, in the order that makes sense right after a load: the
# scan merges the certain duplicates (and rescores the survivors), scores are refreshed,
# then the follow-up engine picks today's suggestions from the fresh scores.
LIVEN_JOBS = ("identity.scan", "scores.recompute", "suggestions.generate")


@app.command("demo")
def demo(
    user: Annotated[str, typer.Option("--user", help="Account email.")],
    contacts_count: Annotated[
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
    liven: Annotated[
        bool,
        typer.Option(
            "--liven/--no-liven",
            help="Run the duplicate scan, scores and suggestions right after loading.",
        ),
    ] = True,
) -> None:
    """Fill an account with realistic people, interactions and planted duplicates."""
    from pingcrm.config import get_settings
    from pingcrm.contacts import service as contacts
    from pingcrm.dashboard.service import get_dashboard
    from pingcrm.db import refresh_planner_statistics, transaction
    from pingcrm.demo.service import generate_demo
    from pingcrm.identity import service as identity
    from pingcrm.worker.context import JobCall
    from pingcrm.worker.execute import Outcome, execute

    started = time.perf_counter()
    settings = get_settings()
    factory = session_factory()
    try:
        with transaction(factory) as session:
            owner = require_user(session, user)
            owner_id, email = owner.id, owner.email
            result = generate_demo(
                session,
                owner,
                contacts=contacts_count,
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
        f"duplicate pairs for {email} in {result.seconds:.1f} s."
    )
    if truth is not None:
        truth.write_text(json.dumps(result.truth(), indent=2) + "\n", encoding="utf-8")
        typer.echo(f"Planted duplicate pairs written to {truth}.")
    if not liven:
        typer.echo("Scores, duplicates and suggestions come with the nightly jobs (--no-liven).")
        return
    for name in LIVEN_JOBS:
        outcome = execute(
            JobCall(name, user_id=owner_id, trigger="demo"),
            settings=settings,
            engine=factory.kw["bind"],
            session_factory=factory,
        )
        if outcome.outcome is not Outcome.SUCCESS:
            typer.secho(
                f"{name}: {outcome.outcome.value} {outcome.error or ''}".rstrip(),
                fg=typer.colors.YELLOW,
                err=True,
            )
    with factory() as session:
        seen = contacts.visibility(session, owner_id)
        # Merged away = created but no longer there (earlier demos' merge records aside).
        merged = max(0, result.contacts - seen.listed - seen.second_tier - seen.archived)
        waiting = identity.queue_counts(session, owner_id)[0]
        board = get_dashboard(session, owner_id)
    typer.echo(
        f"Scores: {board.counts.strong:,} Strong, {board.counts.warm:,} Warm, "
        f"{board.counts.cold:,} Cold. {board.pending_suggestions} suggestions for today. "
        f"{_count(merged, 'certain duplicate')} merged, "
        f"{_count(waiting, 'pair')} {'waits' if waiting == 1 else 'wait'} for review on /identity."
    )
    hidden = [
        part
        for part in (
            f"{merged} merged into their duplicate" if merged else "",
            f"{seen.second_tier:,} are 2nd-tier (met only in Telegram groups; tick "
            '"2nd-tier" in the filters to see them)'
            if seen.second_tier
            else "",
            f"{seen.archived:,} are archived" if seen.archived else "",
        )
        if part
    ]
    if hidden:
        typer.echo(
            f"The contacts list shows {seen.listed:,} of the {result.contacts:,}: "
            + "; ".join(hidden)
            + "."
        )
    typer.echo(f"Ready in {time.perf_counter() - started:.1f} s: open /dashboard.")


def _count(number: int, noun: str) -> str:
    """``1 pair``, ``2 pairs``: a number with its noun in the right form."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"
