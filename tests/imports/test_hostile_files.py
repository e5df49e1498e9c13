"""Hostile and broken files: a NUL byte costs one row (never the rows after it, never SQL
in the message), a UTF-8 file with one bad byte stays UTF-8 (only that row is rejected),
a person cannot carry unbounded identifiers, and the rejected-rows CSV cannot run
formulas in a spreadsheet."""

from __future__ import annotations

import csv
import stat
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.contacts.ingest import MAX_IDENTIFIERS_PER_CONTACT
from pingcrm.imports import service as imports
from pingcrm.models import Contact, ContactIdentifier, RunStatus
from tests.fixtures.builders import create_user, import_file

HEADER = "First Name,Last Name,Email Address\n"


def _names(session: Session, user_id: int) -> set[str]:
    return set(
        session.execute(select(Contact.full_name).where(Contact.user_id == user_id)).scalars()
    )


def _rows(count: int, start: int = 0) -> str:
    return "".join(f"Person,Number{i},p{i}@example.com\n" for i in range(start, start + count))


def test_a_nul_byte_costs_no_row_and_no_sql_reaches_the_user(
    session: Session, session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    user = create_user(session)
    source = tmp_path / "contacts.csv"
    # Past the detection sample, like the file that aborted a PostgreSQL import.
    body = HEADER + _rows(3000) + "Nul\x00Name,Person,nul@example.com\n" + _rows(5, 3000)
    source.write_bytes(body.encode())
    run = import_file(session_factory, settings, user, source)

    assert run.status is RunStatus.SUCCESS, run.error_text
    names = _names(session, user.id)
    assert "NulName Person" in names
    assert "Person Number3004" in names  # the rows after it were imported
    assert len(names) == 3006
    assert "INSERT" not in (run.error_text or "")


def test_one_bad_byte_in_a_utf8_file_rejects_only_its_row(
    session: Session, session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    user = create_user(session)
    source = tmp_path / "contacts.csv"
    good = HEADER + "Zoë,Müller,zoe@example.com\nJosé,Núñez,jose@example.com\n"
    source.write_bytes(
        good.encode() + b"Bad\xff,Byte,bad@example.com\n" + "Åsa,Öberg,asa@example.com\n".encode()
    )
    run = import_file(session_factory, settings, user, source)

    assert run.status is RunStatus.PARTIAL
    assert run.errors == 1
    # Read as UTF-8, not re-decoded as a legacy codepage (which would show "ZoÃ«").
    assert _names(session, user.id) == {"Zoë Müller", "José Núñez", "Åsa Öberg"}
    with imports.rejected_path(settings, run).open(encoding="utf-8") as handle:
        rejected = list(csv.reader(handle))
    assert "not valid UTF-8" in rejected[1][1]


def test_identifiers_per_contact_are_capped(
    session: Session, session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    user = create_user(session)
    source = tmp_path / "contacts.csv"
    # The same person on many rows, each with new addresses: they all merge into one.
    lines = [HEADER]
    for index in range(200):
        lines.append(f"Ada,Lovelace,ada{index}@example.com\n")
    source.write_text("".join(lines), encoding="utf-8")
    import_file(session_factory, settings, user, source, batch_size=50)
    counts = (
        session.execute(
            select(func.count())
            .select_from(ContactIdentifier)
            .where(ContactIdentifier.user_id == user.id)
            .group_by(ContactIdentifier.contact_id)
        )
        .scalars()
        .all()
    )
    assert counts
    assert max(counts) <= MAX_IDENTIFIERS_PER_CONTACT


def test_rejected_rows_cannot_run_formulas_and_uploads_are_private(
    session: Session, session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    user = create_user(session)
    source = tmp_path / "contacts.csv"
    source.write_text(
        HEADER + 'Ada,Lovelace,ada@example.com\n,,=HYPERLINK("http://evil")\n',
        encoding="utf-8",
    )
    run = import_file(session_factory, settings, user, source)
    path = imports.rejected_path(settings, run)
    with path.open(encoding="utf-8") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), cells
    assert '\'=HYPERLINK("http://evil")' in cells
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with (tmp_path / "other.csv").open("wb") as handle:
        handle.write(b"x")
    with (tmp_path / "other.csv").open("rb") as upload:
        saved = imports.save_upload(settings, upload, "other.csv")
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
