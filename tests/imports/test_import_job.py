"""The import job end to end: each supported format lands as contacts; re-import
changes nothing; broken files end with a clear report and nothing half-written."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.errors import ValidationFailed
from pingcrm.imports import service as imports
from pingcrm.models import (
    Contact,
    ContactIdentifier,
    IdentifierKind,
    Interaction,
    InteractionKind,
    Notification,
    Organization,
    RunStatus,
)
from tests.fixtures.builders import create_user, import_file

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "files"


def _contacts(session: Session, user_id: int) -> dict[str, Contact]:
    rows = session.execute(select(Contact).where(Contact.user_id == user_id)).scalars()
    return {c.full_name: c for c in rows}


def _identifiers(session: Session, contact_id: int) -> set[tuple[str, str]]:
    rows = session.execute(
        select(ContactIdentifier.kind, ContactIdentifier.value).where(
            ContactIdentifier.contact_id == contact_id
        )
    ).all()
    return {(str(k), v) for k, v in rows}


def test_linkedin_connections_csv_imports_people_and_connection_dates(
    session: Session, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    user = create_user(session)
    run = import_file(session_factory, settings, user, FILES / "linkedin_connections.csv")

    assert run.status is RunStatus.SUCCESS
    assert (run.new_contacts, run.updated_contacts, run.errors) == (4, 0, 0)
    assert run.new_interactions == 4
    people = _contacts(session, user.id)
    assert set(people) == {"Ada Lovelace", "Charles Babbage", "Grace Hopper", "Alan Turing"}
    grace = people["Grace Hopper"]
    assert grace.company == "US Navy, Reserve"
    assert grace.title == "Rear Admiral, Computing"
    assert (IdentifierKind.LINKEDIN_SLUG.value, "grace-hopper-1906") in _identifiers(
        session, grace.id
    )
    assert (IdentifierKind.EMAIL.value, "alanturing@gmail.com") in _identifiers(
        session, people["Alan Turing"].id
    )
    connection = session.execute(
        select(Interaction).where(Interaction.contact_id == people["Ada Lovelace"].id)
    ).scalar_one()
    assert connection.kind is InteractionKind.CONNECTION
    assert connection.occurred_at.date().isoformat() == "2024-11-12"
    # Each person their own BCC address code: ten letters of the code's alphabet.
    hashes = {person.bcc_hash for person in people.values()}
    assert len(hashes) == 4
    assert all(re.fullmatch(r"[a-km-np-z2-9]{10}", code) for code in hashes)
    assert people["Ada Lovelace"].sort_name == "ada lovelace"
    assert "ada@analytical.example" in people["Ada Lovelace"].search_text
    org = session.get(Organization, people["Ada Lovelace"].organization_id)
    assert org is not None
    assert org.name == "Analytical Engines Ltd"
    # The user is told, with the counts.
    note = session.execute(select(Notification).where(Notification.user_id == user.id)).scalar_one()
    assert note.title == "Import finished"
    assert "4 contacts created" in note.body
    assert note.link == f"/imports/{run.id}"


def test_reimporting_the_same_file_changes_nothing(
    session: Session, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    user = create_user(session)
    import_file(session_factory, settings, user, FILES / "linkedin_connections.csv")
    before = session.execute(select(func.count()).select_from(ContactIdentifier)).scalar()

    again = import_file(session_factory, settings, user, FILES / "linkedin_connections.csv")

    assert (again.new_contacts, again.updated_contacts, again.new_interactions) == (0, 0, 0)
    assert again.skipped == 4
    assert session.execute(select(func.count()).select_from(Contact)).scalar() == 4
    assert session.execute(select(func.count()).select_from(Interaction)).scalar() == 4
    assert session.execute(select(func.count()).select_from(ContactIdentifier)).scalar() == before


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("google_contacts.csv", {"Katherine Johnson", "Dorothy Vaughan", "Margaret Hamilton"}),
        ("outlook_contacts.csv", {"Linus Torvalds", "Margaret Hamilton"}),
        ("generic_semicolon.csv", {"Barbara Liskov", "Donald Knuth"}),
        ("generic_tab.tsv", {"Edsger Dijkstra", "Tony Hoare"}),
        ("contacts_v3.vcf", {"Hedy Lamarr", "Emmy Noether"}),
        ("contacts_v4.vcf", {"Radia Perlman", "Frances Allen"}),
        ("broken_cp1252.csv", {"José Müller", "Françoise Thérèse"}),
        ("broken_utf16.csv", {"Zoë Ångström", "李小龙"}),
        ("broken_utf8_bom.csv", {"Émile Zola"}),
    ],
)
def test_each_format_is_detected_and_imported(
    session: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
    name: str,
    expected: set[str],
) -> None:
    user = create_user(session)
    run = import_file(session_factory, settings, user, FILES / name)
    assert run.status is RunStatus.SUCCESS, run.error_text
    assert set(_contacts(session, user.id)) == expected


def test_google_csv_keeps_every_numbered_email_and_phone(
    session: Session, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    user = create_user(session)
    import_file(session_factory, settings, user, FILES / "google_contacts.csv")
    kathy = _contacts(session, user.id)["Katherine Johnson"]
    assert _identifiers(session, kathy.id) == {
        ("email", "katherine.johnson@nasa.example"),
        ("email", "kj@home.example"),
        ("phone", "+17575550101"),
        ("phone", "+17575550102"),
        ("phone", "+17575550103"),
        ("linkedin_slug", "katherine-johnson"),
    }
    assert kathy.birthday is not None
    assert kathy.birthday.isoformat() == "1918-08-26"


def test_outlook_then_google_match_by_phone_and_fill_empty_fields_only(
    session: Session, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    user = create_user(session)
    import_file(session_factory, settings, user, FILES / "outlook_contacts.csv")
    margaret = _contacts(session, user.id)["Margaret Hamilton"]
    margaret.title = "Hand-edited title"
    margaret.edited_fields = ["title"]
    margaret.location = None
    session.commit()

    run = import_file(session_factory, settings, user, FILES / "google_contacts.csv")

    session.expire_all()
    people = _contacts(session, user.id)
    assert len([n for n in people if n == "Margaret Hamilton"]) == 1
    assert people["Margaret Hamilton"].title == "Hand-edited title"
    assert run.new_contacts == 2


def test_ragged_rows_are_reported_and_the_rest_imported(
    session: Session, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    user = create_user(session)
    run = import_file(session_factory, settings, user, FILES / "broken_ragged.csv")

    assert run.status is RunStatus.PARTIAL
    assert set(_contacts(session, user.id)) == {"Ann Ragged", "Bob Short", "Quoted, Name"}
    assert run.errors == 2
    with imports.rejected_path(settings, run).open(encoding="utf-8") as handle:
        rejected = list(csv.reader(handle))
    assert rejected[0][:2] == ["Row", "Reason"]
    reasons = {row[0]: row[1] for row in rejected[1:]}
    assert reasons == {
        "4": "has 7 fields but the header has 3",
        "8": "no name and no valid email or phone",
    }


def test_a_broken_vcard_is_skipped_and_reported(
    session: Session, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    user = create_user(session)
    run = import_file(session_factory, settings, user, FILES / "broken_cards.vcf")
    assert set(_contacts(session, user.id)) == {"Good One", "Good Two"}
    assert run.errors == 2
    assert run.status is RunStatus.PARTIAL


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("broken_empty.csv", "The file is empty."),
        ("broken_binary.csv", "This is a binary file"),
        ("broken_unknown.csv", "Accepted formats: LinkedIn Connections.csv"),
    ],
)
def test_unimportable_files_are_refused_with_a_clear_message(
    session: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
    name: str,
    message: str,
) -> None:
    user = create_user(session)
    with pytest.raises(ValidationFailed) as raised:
        import_file(session_factory, settings, user, FILES / name)
    assert message in raised.value.message
    assert session.execute(select(func.count()).select_from(Contact)).scalar() == 0
    assert list((settings.data_dir / "uploads").iterdir()) == []


def test_a_50_mb_file_imports_in_batches(
    session: Session, session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    user = create_user(session)
    big = tmp_path / "big.csv"
    filler = "x" * 4000
    with big.open("w", encoding="utf-8") as out:
        out.write("Name,Email,Notes\n")
        for i in range(12_600):
            out.write(f"Person {i % 300},p{i % 300}@big.example,{filler}\n")
    assert big.stat().st_size > 50_000_000

    run = import_file(session_factory, settings, user, big, batch_size=2000)

    assert run.status is RunStatus.SUCCESS
    assert run.new_contacts == 300
    assert run.skipped == 12_300
    assert run.progress_done == run.progress_total == 12_600


def test_interrupted_imports_are_resumed_by_the_scheduled_job(
    session: Session, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    from datetime import timedelta

    from pingcrm.db import transaction
    from pingcrm.kit.clock import FrozenClock, use_clock, utcnow
    from pingcrm.worker import leases
    from pingcrm.worker.context import JobCall
    from pingcrm.worker.execute import execute
    from pingcrm.worker.registry import get_job

    user = create_user(session)
    assert get_job("imports.resume").schedule is not None
    run_ids = []
    for name in ("linkedin_connections.csv", "contacts_v3.vcf"):
        with (FILES / name).open("rb") as handle:
            path = imports.save_upload(settings, handle, name)
        with transaction(session_factory) as tx:
            run_ids.append(imports.create_import(tx, settings, user.id, path, name).id)
    engine = session_factory.kw["bind"]
    # The second one is being worked on right now by a live worker.
    busy_key = f"imports.run:run:{run_ids[1]}"
    with use_clock(FrozenClock(utcnow() + timedelta(minutes=3))):
        assert leases.acquire(engine, busy_key, "live-worker", 600)
        execute(
            JobCall("imports.resume", trigger="scheduled"),
            settings=settings,
            engine=engine,
            session_factory=session_factory,
        )
    session.expire_all()
    statuses = [imports.get_import(session, user.id, rid).status for rid in run_ids]
    assert statuses == [RunStatus.SUCCESS, RunStatus.QUEUED]
    assert set(_contacts(session, user.id)) == {
        "Ada Lovelace",
        "Charles Babbage",
        "Grace Hopper",
        "Alan Turing",
    }
