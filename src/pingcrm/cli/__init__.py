"""The ``pingcrm`` command line.

Commands are thin: they open a transaction and call the same services as the web app.
Each domain adds its commands in a module of this package, imported at the bottom.
Modules import the database, settings and services inside their commands, so that
``pingcrm --help`` and each command start without loading what they do not use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pingcrm.errors import PingError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from pingcrm.config import Settings
    from pingcrm.models import User

app = typer.Typer(
    help="PingCRM: your personal networking CRM.", no_args_is_help=True, add_completion=False
)
user_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")


def fail(message: str) -> typer.Exit:
    """Print ``message`` as an error and return the exit to raise."""
    typer.secho(f"Error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


def session_factory() -> sessionmaker[Session]:
    """A session factory on the configured database, migrated first when it is new or
    behind (so ``pingcrm user create`` works on a fresh machine before ``serve``)."""
    from pingcrm.config import get_settings
    from pingcrm.db import make_engine, make_session_factory
    from pingcrm.migrate import ensure_current

    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    ensure_current(engine)
    return make_session_factory(engine)


def run_migrations(settings: Settings) -> None:
    """Bring the configured database up to date."""
    from pingcrm.db import make_engine
    from pingcrm.migrate import upgrade

    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from pingcrm.config import get_settings

    settings = get_settings()
    run_migrations(settings)
    typer.echo(f"Database is up to date ({settings.resolved_database_url.split('://')[0]}).")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (PINGCRM_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (PINGCRM_PORT).")] = None,
) -> None:
    """Migrate, then serve the web app (and, without a broker, the background jobs)."""
    import uvicorn

    from pingcrm.app import create_app
    from pingcrm.config import get_settings
    from pingcrm.kit.collector import freeze_long_lived

    settings = get_settings()
    if host or port:
        settings = settings.model_copy(
            update={k: v for k, v in {"host": host, "port": port}.items() if v}
        )
    run_migrations(settings)
    web_app = create_app(settings, run_jobs=True)
    freeze_long_lived()
    typer.echo(f"PingCRM is running on http://{settings.host}:{settings.port}")
    uvicorn.run(
        web_app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        # X-Forwarded-For is read by the app, from PINGCRM_TRUSTED_PROXIES only.
        proxy_headers=False,
    )


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="Sign-in email.")],
    password: Annotated[str, typer.Option(help="Password (8 characters or more).")],
) -> None:
    """Create an account."""
    from pingcrm.accounts import service
    from pingcrm.db import transaction

    try:
        with transaction(session_factory()) as session:
            user = service.create_user(session, email, password)
            typer.echo(f"Created user {user.email} (id {user.id}).")
    except PingError as exc:
        raise fail(exc.message) from exc


def require_user(session: Session, email: str) -> User:
    """The account with ``email``, or a clear error and exit code 1."""
    from pingcrm.accounts import service

    user = service.get_user_by_email(session, email)
    if user is None:
        raise fail(f"No account with the email {email!r}. Create one with `pingcrm user create`.")
    return user


# Domain command modules register themselves on `app` when imported.
# (keep this list sorted; one line per module)
from pingcrm.cli import (  # noqa: E402, F401
    backup,
    demo,
    exports,
    identity,
    jobs,
    mcp,
    scores,
    suggestions,
    sync,
)


def main() -> None:
    """Entry point of the ``pingcrm`` script."""
    app()
