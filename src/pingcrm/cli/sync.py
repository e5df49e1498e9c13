"""``pingcrm sync gmail --user E [--account ADDRESS] [--kind email]`` and
``pingcrm sync telegram --user E [--account PHONE]``."""

from __future__ import annotations

from typing import Annotated

import typer

from pingcrm.cli import app, fail, require_user
from pingcrm.config import get_settings
from pingcrm.db import make_engine, make_session_factory, transaction
from pingcrm.errors import PingError
from pingcrm.models import Provider, RunStatus
from pingcrm.sync.engine import summary
from pingcrm.sync.now import find_account, parse_kind, run_in_foreground

sync_app = typer.Typer(help="Run an integration's sync in the foreground.", no_args_is_help=True)
app.add_typer(sync_app, name="sync")


@sync_app.command("gmail")
def sync_gmail(
    user: Annotated[str, typer.Option("--user", help="Account email.")],
    account: Annotated[
        str | None, typer.Option("--account", help="Gmail address (when several are connected).")
    ] = None,
    kind: Annotated[str, typer.Option("--kind", help="email, contacts or calendar.")] = "email",
) -> None:
    """Sync a connected Gmail account now and print the summary."""
    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    factory = make_session_factory(engine)
    try:
        which = parse_kind(kind)
        with transaction(factory) as session:
            owner = require_user(session, user)
            target = find_account(session, owner.id, Provider.GMAIL, account)
            session.expunge(target)
        run = run_in_foreground(settings, engine, factory, target, which)
    except PingError as exc:
        raise fail(exc.message) from exc
    finally:
        engine.dispose()
    if run is None:
        raise fail("The sync did not start (another sync of this account is running).")
    typer.echo(f"{target.external_id} {which.value} sync: {run.status.value}. {summary(run)}")
    if run.status is RunStatus.FAILED:
        raise fail(run.error_text or "The sync failed.")


@sync_app.command("telegram")
def sync_telegram(
    user: Annotated[str, typer.Option("--user", help="Account email.")],
    account: Annotated[
        str | None, typer.Option("--account", help="Phone number (when several are connected).")
    ] = None,
) -> None:
    """Sync a connected Telegram account's chats now and print the summary."""
    from pingcrm.models import SyncKind

    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    factory = make_session_factory(engine)
    try:
        with transaction(factory) as session:
            owner = require_user(session, user)
            target = find_account(session, owner.id, Provider.TELEGRAM, account)
            session.expunge(target)
        run = run_in_foreground(settings, engine, factory, target, SyncKind.CHATS)
    except PingError as exc:
        raise fail(exc.message) from exc
    finally:
        engine.dispose()
    if run is None:
        raise fail("The sync did not start (another sync of this account is running).")
    typer.echo(f"{target.external_id} chats sync: {run.status.value}. {summary(run)}")
    if run.status is RunStatus.FAILED:
        raise fail(run.error_text or "The sync failed.")
