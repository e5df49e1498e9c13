"""``pingcrm sync PROVIDER --user E [--account ADDRESS] [--kind KIND]``."""

from __future__ import annotations

from typing import Annotated

import typer

from pingcrm.cli import app, fail, require_user, session_factory
from pingcrm.errors import PingError


@app.command("sync")
def sync(
    provider: Annotated[str, typer.Argument(help="gmail (or another connected provider).")],
    user: Annotated[str, typer.Option("--user", help="Account email.")],
    account: Annotated[
        str | None,
        typer.Option("--account", help="The connected account (when several are connected)."),
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="What to sync, e.g. email, contacts, calendar.")
    ] = None,
) -> None:
    """Sync a connected account now, in the foreground, and print the summary."""
    from pingcrm.config import get_settings
    from pingcrm.db import transaction
    from pingcrm.models import Provider, RunStatus
    from pingcrm.sync.engine import summary
    from pingcrm.sync.now import find_account, parse_kind, run_in_foreground
    from pingcrm.wiring.providers import PROVIDERS, sync_job_name

    names = ", ".join(p.value for p in PROVIDERS)
    try:
        which_provider = Provider(provider)
        wiring = PROVIDERS[which_provider]
    except (ValueError, KeyError):
        raise fail(f"Unknown provider {provider!r}: choose one of {names}.") from None
    if not wiring.jobs:  # push-based (LinkedIn: the browser extension pushes)
        raise fail(f"{provider} has no server-side sync: it syncs from its browser extension.")
    settings = get_settings()
    factory = session_factory()
    engine = factory.kw["bind"]
    try:
        which = parse_kind(kind) if kind else wiring.jobs[0].kind
        assert which is not None
        with transaction(factory) as session:
            owner = require_user(session, user)
            target = find_account(session, owner.id, which_provider, account)
            session.expunge(target)
        run = run_in_foreground(settings, engine, factory, target, which, sync_job_name)
    except PingError as exc:
        raise fail(exc.message) from exc
    finally:
        engine.dispose()
    if run is None:
        raise fail("The sync did not start (another sync of this account is running).")
    typer.echo(f"{target.external_id} {which.value} sync: {run.status.value}. {summary(run)}")
    if run.status is RunStatus.FAILED:
        raise fail(run.error_text or "The sync failed.")
