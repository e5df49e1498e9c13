"""``pingcrm worker``, ``pingcrm beat`` (Celery mode) and ``pingcrm import FILE``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pingcrm.cli import app, fail, require_user, session_factory
from pingcrm.errors import PingError


def _celery_argv(command: str, loglevel: str, extra: list[str]) -> list[str]:
    return [command, f"--loglevel={loglevel}", *extra]


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Worker processes.")] = 2,
    loglevel: Annotated[str, typer.Option(help="Celery log level.")] = "INFO",
    pool: Annotated[str, typer.Option(help="Celery pool: prefork, threads, solo.")] = "prefork",
) -> None:
    """Run a Celery worker over PINGCRM_BROKER_URL (scale-out mode)."""
    from pingcrm.config import get_settings

    settings = get_settings()
    if not settings.broker_url:
        raise fail(
            "PINGCRM_BROKER_URL is not set. Without a broker, `pingcrm serve` runs the "
            "background jobs itself."
        )
    from pingcrm.kit.collector import freeze_long_lived
    from pingcrm.worker.celery_app import make_celery
    from pingcrm.worker.registry import load_jobs

    load_jobs()
    celery = make_celery(settings)
    # As `pingcrm serve` does: what every job needs stays out of the collector's full
    # passes (a 100k-contact sync set off ~25 of them, 100 ms each). The pool's processes
    # are forked after this and inherit it.
    freeze_long_lived()
    celery.worker_main(
        _celery_argv("worker", loglevel, [f"--concurrency={concurrency}", f"--pool={pool}"])
    )


@app.command()
def beat(
    loglevel: Annotated[str, typer.Option(help="Celery log level.")] = "INFO",
) -> None:
    """Run Celery beat: the schedule generated from the job registry."""
    from pingcrm.config import get_settings

    settings = get_settings()
    if not settings.broker_url:
        raise fail("PINGCRM_BROKER_URL is not set: beat is only for Celery mode.")
    from pingcrm.worker.celery_app import make_celery

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    celery = make_celery(settings)
    celery.start(
        _celery_argv("beat", loglevel, [f"--schedule={settings.data_dir / 'celerybeat-schedule'}"])
    )


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A CSV or vCard file.", exists=True, dir_okay=False)],
    user: Annotated[str, typer.Option("--user", help="Email of the account to import into.")],
    columns: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="COLUMN=FIELD: what a CSV column holds (repeatable), e.g. "
            "--map 'Kontakt=name' --map 'Handynummer=phone' --map 'Intern=ignore'. "
            "Remembered for files with the same header.",
        ),
    ] = None,
) -> None:
    """Import contacts from FILE in the foreground (the same job as an upload) and print
    its summary. A CSV's columns are read by their names (or the mapping chosen before
    for the same header); columns not understood are ignored unless --map says what they
    hold."""
    from pingcrm.config import get_settings
    from pingcrm.db import transaction
    from pingcrm.imports import service as imports
    from pingcrm.imports.tasks import import_call
    from pingcrm.worker.execute import execute

    mapping: dict[str, str] | None = None
    if columns:
        mapping = {}
        for item in columns:
            column, sep, field = item.rpartition("=")
            if not sep or not column.strip():
                raise fail(f"--map {item!r}: write COLUMN=FIELD, e.g. --map 'Kontakt=name'.")
            mapping[column.strip()] = field.strip()
    settings = get_settings()
    factory = session_factory()
    try:
        with transaction(factory) as session:
            owner = require_user(session, user)
            with file.open("rb") as handle:
                path = imports.save_upload(settings, handle, file.name)
            run = imports.create_import(
                session, settings, owner.id, path, file.name, mapping=mapping
            )
            run_id, owner_id = run.id, owner.id
        execute(
            import_call(owner_id, run_id),
            settings=settings,
            engine=factory.kw["bind"],
            session_factory=factory,
        )
        with factory() as session:
            summary = imports.summarize(imports.get_import(session, owner_id, run_id))
    except PingError as exc:
        hint = ""
        if exc.code == "import_file_invalid" and "not recognised" in exc.message:
            hint = (
                " To import it anyway, say what its columns hold: --map COLUMN=FIELD "
                "(fields: name, first_name, last_name, email, phone, company, title, "
                "location, birthday, linkedin, twitter, telegram, website, tags, notes, ignore)."
            )
        raise fail(exc.message + hint) from exc
    typer.echo(f"{summary.filename}: {summary.format_label}")
    if summary.mapping_source == "saved":
        typer.echo("Columns read with the mapping saved for this header (change it with --map).")
    if summary.ignored_columns:
        typer.echo(
            f"Ignored columns: {', '.join(summary.ignored_columns)} "
            "(say what they hold with --map COLUMN=FIELD)."
        )
    typer.echo(summary.line())
    if summary.interactions:
        typer.echo(f"{summary.interactions} LinkedIn connection dates recorded.")
    if summary.rejected:
        rejected = imports.uploads_dir(settings) / f"import-{run_id}-rejected.csv"
        typer.echo(f"Rejected rows: {rejected}")
    if summary.status.value == "failed":
        raise typer.Exit(code=1)
