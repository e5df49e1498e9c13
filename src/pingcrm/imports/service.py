"""Import use cases: take an upload, queue the import job, run it in batches.

Crash safety: every few batches (contacts, interactions, counts) are committed together
with the import's checkpoint (records done, size of the rejected-rows file) in one
transaction. A re-run after a crash truncates the rejected-rows file to the checkpoint and
continues after the last committed record, so it ends with exactly the data of an
uninterrupted run.
"""

from __future__ import annotations

import csv
import logging
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.contacts import service as contacts_service
from pingcrm.contacts.ingest import ContactInput, OrganizationCache, upsert_contacts
from pingcrm.errors import Conflict, NotFound, PayloadTooLarge, PingError
from pingcrm.identity.service import request_scan as request_identity_scan
from pingcrm.imports import mapping as mappings
from pingcrm.imports.detect import FORMAT_LABELS, Detected, FileFormat, detect
from pingcrm.imports.parsers import ParsedRecord, count_records, iter_records, preview_rows
from pingcrm.imports.schemas import ImportOut
from pingcrm.interactions.service import NewInteraction, record_interactions
from pingcrm.kit.clock import utcnow
from pingcrm.kit.collector import fewer_collections
from pingcrm.kit.pagination import Page, PageRequest
from pingcrm.kit.spreadsheet import neutralize_row
from pingcrm.models import (
    CONNECTION_PREVIEW,
    Direction,
    InteractionKind,
    NotificationKind,
    Platform,
    Provider,
    RunStatus,
    SyncKind,
    SyncRun,
    SyncTrigger,
)
from pingcrm.notes import service as notes_service
from pingcrm.notifications.service import notify
from pingcrm.scoring.service import Seed
from pingcrm.sync import repository as sync_repository
from pingcrm.sync.history import list_history
from pingcrm.sync.runs import Counts, RunUpdate, finish_run, get_run, mark_running, record_batch
from pingcrm.sync.runs import start_run as start_sync_run

log = logging.getLogger("pingcrm.imports")

JOB_NAME = "imports.run"
# Rows read, matched and written together: 2,000 rows keep peak memory well inside its
# budget.
BATCH_SIZE = 2000
# Batches per commit (with their checkpoint). A commit writes every index page the
# batches dirtied, and rows land at random places of most indexes (names, hashes, slugs):
# once an index has more pages than a batch has rows, each commit rewrites about one page
# per row and index, so the cost of a commit grows with the book. Fewer, larger commits
# write each page once for several batches; the rows in memory stay one batch. Ten
# batches (20,000 rows, a few seconds): 3-5 % of a 100k-row import on SQLite against
# five; a crash redoes at most that much, and the progress bar moves at each commit.
COMMIT_BATCHES = 10
CHUNK = 1 << 20
ALLOWED_SUFFIXES = {".csv", ".vcf", ".vcard", ".txt", ".tsv", ""}


@dataclass(frozen=True)
class ImportSummary:
    """What an import did, for the result page, the API and the CLI."""

    run_id: int
    status: RunStatus
    format_label: str
    filename: str
    rows_total: int | None
    rows_done: int
    created: int
    updated: int
    skipped: int
    rejected: int
    interactions: int
    error: str | None
    mapping_source: str | None = None
    ignored_columns: tuple[str, ...] = ()

    def line(self) -> str:
        """One sentence a user reads."""
        if self.status is RunStatus.FAILED:
            return f"Import failed: {self.error}"
        if self.status is RunStatus.NEEDS_MAPPING:
            return "Waiting for you to choose what each column holds."
        if self.status is RunStatus.SKIPPED:
            return self.error or "Cancelled before the import started."
        return (
            f"{self.rows_done} rows read: {self.created} contacts created, "
            f"{self.updated} updated, {self.skipped} unchanged, {self.rejected} rejected."
        )


def uploads_dir(settings: Settings) -> Path:
    path = settings.data_dir / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_upload(settings: Settings, stream: BinaryIO, filename: str) -> Path:
    """Copy an uploaded file to ``data_dir/uploads`` in chunks (never whole in memory);
    PayloadTooLarge past ``max_upload_bytes``."""
    suffix = Path(filename or "").suffix.lower()
    suffix = suffix if suffix in ALLOWED_SUFFIXES else ".upload"
    target = uploads_dir(settings) / f"{uuid.uuid4().hex}{suffix}"
    written = 0
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                written += len(chunk)
                if written > settings.max_upload_bytes:
                    raise PayloadTooLarge(
                        f"The file is larger than the limit of {settings.max_upload_bytes:,} "
                        "bytes.",
                        details={"limit_bytes": settings.max_upload_bytes},
                    )
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def create_import(
    session: Session,
    settings: Settings,
    user_id: int,
    path: Path,
    filename: str,
    *,
    ask: bool = False,
    choose: bool = False,
    mapping: Sequence[str] | Mapping[str, str] | None = None,
) -> SyncRun:
    """Detect the file's format (ImportFileError when it cannot be imported, MappingInvalid
    for a bad ``mapping``: the file is then deleted) and create the import run: queued
    (submit the job after commit), or, when ``ask`` and its CSV columns are not all
    understood (or ``choose``), waiting for the user's column mapping (``needs_mapping``,
    the file kept). ``mapping``: one field per column, or ``{column: field}`` changes to
    the proposed one; it is remembered for the header. A mapping the user saved for the
    header is used without asking."""
    try:
        detected = detect(path, unrecognised_ok=True)
        decision = mappings.decide(
            session, user_id, detected, ask=ask, choose=choose, mapping=mapping
        )
    except Exception:
        path.unlink(missing_ok=True)
        raise
    detected = decision.detected
    clean_name = Path(filename or "upload").name[:200] or "upload"
    return start_sync_run(
        session,
        user_id=user_id,
        provider=Provider.CSV,
        kind=SyncKind.CSV_IMPORT,
        trigger=SyncTrigger.MANUAL,
        status=RunStatus.NEEDS_MAPPING if decision.needs_mapping else RunStatus.QUEUED,
        details={
            "mapping": list(detected.mapping) or None,
            "mapping_source": decision.source,
            "filename": clean_name,
            "path": path.name,
            "format": detected.format.value,
            "encoding": detected.encoding,
            "delimiter": detected.delimiter,
            "skip_records": detected.skip_records,
            "header": list(detected.header),
            "rows_done": 0,
            "rejected_bytes": 0,
        },
    )


def get_import(session: Session, user_id: int, run_id: int) -> SyncRun:
    """The user's import run; NotFound for unknown ids, other users' runs and syncs."""
    run = get_run(session, user_id, run_id)
    if run.kind is not SyncKind.CSV_IMPORT:
        raise NotFound("This import does not exist.")
    return run


def summarize(run: SyncRun) -> ImportSummary:
    """The summary of an import run."""
    details = run.details or {}
    try:
        label = FORMAT_LABELS[FileFormat(details.get("format", ""))]
    except ValueError:
        label = "Unknown"
    return ImportSummary(
        run_id=run.id,
        status=run.status,
        format_label=label,
        filename=str(details.get("filename", "")),
        rows_total=run.progress_total,
        rows_done=int(details.get("rows_done", run.progress_done) or 0),
        created=run.new_contacts,
        updated=run.updated_contacts,
        skipped=run.skipped,
        rejected=run.errors,
        interactions=run.new_interactions,
        error=run.error_text,
        mapping_source=details.get("mapping_source"),
        ignored_columns=_ignored(run),
    )


def _ignored(run: SyncRun) -> tuple[str, ...]:
    """The named columns a generic CSV import leaves out (none while it waits for them)."""
    details = run.details or {}
    header = details.get("header")
    if details.get("format") != FileFormat.GENERIC.value or not header:
        return ()
    if run.status is RunStatus.NEEDS_MAPPING:
        return ()
    return tuple(mappings.ignored_columns(tuple(header), details.get("mapping")))


def list_imports(session: Session, user_id: int, request: PageRequest) -> Page[SyncRun]:
    """The user's imports, newest first."""
    return list_history(session, user_id, Provider.CSV, request)


def to_out(run: SyncRun) -> ImportOut:
    """The API shape of an import run."""
    summary = summarize(run)
    return ImportOut(
        id=run.id,
        filename=summary.filename,
        format=summary.format_label,
        status=run.status,
        rows_total=summary.rows_total,
        rows_done=summary.rows_done,
        created=summary.created,
        updated=summary.updated,
        unchanged=summary.skipped,
        rejected=summary.rejected,
        interactions=summary.interactions,
        error=summary.error,
        summary=summary.line(),
        rejected_rows_url=f"/api/v1/imports/{run.id}/rejected" if summary.rejected else None,
        mapping_url=(
            f"/api/v1/imports/{run.id}/mapping" if run.status is RunStatus.NEEDS_MAPPING else None
        ),
        mapping_source=summary.mapping_source,
    )


def interrupted_imports(session: Session, older_than: timedelta) -> list[tuple[int, int]]:
    """(user id, run id) of imports still queued or running after ``older_than``."""
    return sync_repository.stale_runs(
        session, SyncKind.CSV_IMPORT, [RunStatus.QUEUED, RunStatus.RUNNING], utcnow() - older_than
    )


def rejected_path(settings: Settings, run: SyncRun) -> Path:
    """Where the rejected rows of ``run`` are kept (CSV)."""
    return uploads_dir(settings) / f"import-{run.id}-rejected.csv"


def _detected(run: SyncRun) -> Detected:
    details = run.details or {}
    return Detected(
        format=FileFormat(details["format"]),
        encoding=str(details["encoding"]),
        delimiter=str(details.get("delimiter", ",")),
        skip_records=int(details.get("skip_records", 0)),
        header=tuple(details.get("header") or ()),
        mapping=tuple(details.get("mapping") or ()),
    )


def _waiting(session: Session, user_id: int, run_id: int) -> SyncRun:
    run = get_import(session, user_id, run_id)
    if run.status is not RunStatus.NEEDS_MAPPING:
        raise Conflict(
            "This import is not waiting for a column mapping: it has "
            f"{'started' if run.status in (RunStatus.QUEUED, RunStatus.RUNNING) else 'ended'}.",
            details={"status": run.status.value},
        )
    return run


def mapping_proposal(
    session: Session, settings: Settings, user_id: int, run_id: int, rows: int = 5
) -> mappings.Proposal:
    """The mapping step of an import waiting for one: each column with its proposed field
    (the user's saved mapping for the header, else what its name says) and the first
    ``rows`` rows. Conflict when the import is not waiting."""
    run = _waiting(session, user_id, run_id)
    source = uploads_dir(settings) / str((run.details or {}).get("path", ""))
    detected = _detected(run)
    preview = preview_rows(source, detected, rows) if source.is_file() else []
    return mappings.propose(session, user_id, detected, preview)


def apply_mapping(
    session: Session,
    user_id: int,
    run_id: int,
    mapping: Sequence[str] | Mapping[str, str],
) -> SyncRun:
    """Validate the user's mapping for a waiting import (MappingInvalid saying what is
    wrong), remember it for the header, and queue the import: submit the job after
    commit."""
    run = _waiting(session, user_id, run_id)
    detected = _detected(run)
    base = mappings.saved_fields(session, user_id, detected.header) or mappings.detected_fields(
        detected
    )
    fields = mappings.validate(detected.header, mappings.resolve(detected.header, base, mapping))
    mappings.remember(session, user_id, detected.header, fields)
    details = dict(run.details or {})
    details.update(mapping=fields, mapping_source=mappings.MappingSource.CHOSEN)
    run.details = details
    run.status = RunStatus.QUEUED
    run.started_at = utcnow()
    session.flush()
    return run


def saved_mappings(session: Session, user_id: int) -> list[mappings.SavedMapping]:
    """The column mappings the user saved (one per header), newest first."""
    return mappings.list_saved(session, user_id)


def forget_mapping(session: Session, user_id: int, key: str) -> None:
    """Forget one saved mapping: the next file with its header asks again. NotFound
    for a key the user has not saved."""
    if not mappings.forget(session, user_id, key):
        raise NotFound("This saved column mapping does not exist.")


def cancel_import(session: Session, settings: Settings, user_id: int, run_id: int) -> SyncRun:
    """Drop an import still waiting for its mapping (its file deleted)."""
    run = _waiting(session, user_id, run_id)
    _drop_waiting(settings, run, "Cancelled before the import started.")
    return run


def _drop_waiting(settings: Settings, run: SyncRun, reason: str) -> None:
    (uploads_dir(settings) / str((run.details or {}).get("path", ""))).unlink(missing_ok=True)
    finish_run(run, RunStatus.SKIPPED, reason)


def expire_waiting(session: Session, settings: Settings, older_than: timedelta) -> int:
    """Drop imports left waiting for a mapping longer than ``older_than`` (their files
    deleted); how many."""
    stale = sync_repository.stale_runs(
        session, SyncKind.CSV_IMPORT, [RunStatus.NEEDS_MAPPING], utcnow() - older_than
    )
    for user_id, run_id in stale:
        _drop_waiting(
            settings,
            get_import(session, user_id, run_id),
            "The columns were never chosen; upload the file again to import it.",
        )
    return len(stale)


def _connected_at(day: Any) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


def _connection(record: ParsedRecord) -> Seed | None:
    """The LinkedIn connection a record of a Connections export brings, if any."""
    if not (record.connected_on and record.linkedin_slug):
        return None
    return Seed(
        platform=Platform.LINKEDIN,
        provider_id=f"connection:{record.linkedin_slug}",
        kind=InteractionKind.CONNECTION,
        direction=Direction.MUTUAL,
        occurred_at=_connected_at(record.connected_on),
    )


def _tags_and_notes(
    session: Session, user_id: int, records: list[ParsedRecord], ids: list[int | None]
) -> None:
    """Tags and notes columns: tags added (one statement per distinct tag of the batch),
    a note added unless the contact already has it word for word (re-importing the same
    file changes nothing)."""
    by_tag: dict[str, set[int]] = {}
    for record, contact_id in zip(records, ids, strict=True):
        if contact_id is None:
            continue
        for tag in record.tags:
            by_tag.setdefault(tag, set()).add(contact_id)
        if record.notes:
            known = {n.body.strip() for n in notes_service.list_notes(session, user_id, contact_id)}
            if record.notes.strip()[:20000] not in known:
                notes_service.add_note(session, user_id, contact_id, record.notes[:20000])
    for tag, contact_ids in by_tag.items():
        try:
            contacts_service.bulk_action(session, user_id, sorted(contact_ids), "add_tag", tag)
        except PingError:  # a tag name the taxonomy refuses: the contact still imports
            log.info("imports.tag_skipped tag=%r", tag[:40])


@fewer_collections()
def run_import(
    session: Session,
    settings: Settings,
    run_id: int,
    commit: Callable[[], None],
    *,
    batch_size: int | None = None,
) -> SyncRun:
    """Import the run's file in batches, committed with their checkpoint by ``commit``
    every ``COMMIT_BATCHES`` batches. Resumes after the last committed checkpoint.
    Notifies the user at the end."""
    run = sync_repository.get_run_for_update(session, run_id)
    if run is None or run.kind is not SyncKind.CSV_IMPORT:
        raise NotFound("This import does not exist.")
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return run  # finished (a duplicate delivery), or still waiting for its mapping
    details = dict(run.details or {})
    source = uploads_dir(settings) / str(details.get("path", ""))
    rejected_file = rejected_path(settings, run)
    link = f"/imports/{run.id}"
    if not source.is_file():
        finish_run(run, RunStatus.FAILED, "The uploaded file is no longer on the server.")
        commit()
        return run
    detected = _detected(run)
    mark_running(run)
    if run.progress_total is None:
        run.progress_total = count_records(source, detected)
    commit()

    rows_done = int(details.get("rows_done", 0))
    rejected_bytes = int(details.get("rejected_bytes", 0))
    # Whatever was appended after the last committed checkpoint is discarded.
    fd = os.open(rejected_file, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+b") as handle:
        handle.truncate(rejected_bytes)

    size = batch_size or BATCH_SIZE
    orgs = OrganizationCache()
    batch: list[ParsedRecord] = []
    uncommitted = 0
    committed_rows = rows_done

    def commit_batches() -> None:
        nonlocal uncommitted, committed_rows
        commit()
        uncommitted = 0
        committed_rows = rows_done
        # Keep memory flat over 100k rows: forget the batches' contacts, keep the run.
        for obj in list(session.identity_map.values()):
            if obj is not run:
                session.expunge(obj)

    def flush_batch(records: list[ParsedRecord]) -> None:
        nonlocal rows_done, rejected_bytes, uncommitted
        good = [r for r in records if r.contact is not None]
        bad = [r for r in records if r.error is not None]
        counts = Counts()
        if good:
            inputs: list[ContactInput] = [r.contact for r in good if r.contact is not None]
            # The connection each row brings: new contacts are inserted with its counters.
            seeds = [_connection(record) for record in good]
            result = upsert_contacts(
                session,
                run.user_id,
                inputs,
                source=f"import:{detected.format.value}",
                organizations=orgs,
                seeds=[[seed] if seed else [] for seed in seeds],
            )
            counts.new_contacts = result.created
            counts.updated_contacts = result.updated
            counts.skipped = result.skipped
            connections = [
                NewInteraction.from_seed(seed, contact_id, preview=CONNECTION_PREVIEW)
                for seed, contact_id in zip(seeds, result.contact_ids, strict=True)
                if contact_id is not None and seed is not None
            ]
            if connections or result.seeded:
                counts.new_interactions = record_interactions(
                    session, run.user_id, connections, seeded=result.seeded
                )
            _tags_and_notes(session, run.user_id, good, result.contact_ids)
        if bad:
            with rejected_file.open("a", encoding="utf-8", newline="") as out:
                writer = csv.writer(out)
                if rejected_bytes == 0 and out.tell() == 0:
                    writer.writerow(
                        neutralize_row(["Row", "Reason", *(detected.header or ("Content",))])
                    )
                for record in bad:
                    writer.writerow(neutralize_row([record.number, record.error, *record.raw]))
            rejected_bytes = rejected_file.stat().st_size
            counts.errors = len(bad)
        rows_done = records[-1].number
        record_batch(
            run,
            RunUpdate(
                counts=counts,
                progress_done=rows_done,
                details={"rows_done": rows_done, "rejected_bytes": rejected_bytes},
            ),
        )
        uncommitted += 1
        if uncommitted >= COMMIT_BATCHES:
            commit_batches()

    try:
        for record in iter_records(source, detected):
            if record.number <= rows_done:
                continue
            batch.append(record)
            if len(batch) >= size:
                flush_batch(batch)
                batch = []
        if batch:
            flush_batch(batch)
        if uncommitted:
            commit_batches()
    except Exception as exc:
        session.rollback()
        # Never the exception text: a database error carries its SQL statement.
        reason = exc.message if isinstance(exc, PingError) else "an unexpected error (logged)"
        message = f"The import stopped at row {committed_rows + 1}: {reason}"
        log.exception("imports.failed run=%s", run.id)
        finish_run(run, RunStatus.FAILED, message[:2000])
        notify(
            session, run.user_id, NotificationKind.IMPORT_FINISHED, "Import failed", message, link
        )
        if run.new_contacts:
            request_identity_scan(session, run.user_id)
        commit()
        return run

    finish_run(run, RunStatus.PARTIAL if run.errors else RunStatus.SUCCESS)
    run.progress_done = rows_done
    summary = summarize(run)
    title = "Import finished" + (" with rejected rows" if run.errors else "")
    notify(session, run.user_id, NotificationKind.IMPORT_FINISHED, title, summary.line(), link)
    if run.new_contacts:
        request_identity_scan(session, run.user_id)
    commit()
    source.unlink(missing_ok=True)
    return run
