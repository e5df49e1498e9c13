"""What an import writes: each new contact once, with the counters and score a recompute
gives; a re-import of the same file writes nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.kit.clock import utcnow
from pingcrm.models import (
    Contact,
    ContactIdentifier,
    ContactScore,
    Interaction,
    Organization,
    RunStatus,
)
from pingcrm.scoring.service import recompute_scores, refresh_contacts
from tests.conftest import DEFAULT_NOW as NOW
from tests.fixtures.builders import create_contact, create_interaction, create_user, import_file

pytestmark = pytest.mark.usefixtures("clock")

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _connections(path: Path, rows: int = 100) -> Path:
    """A LinkedIn Connections.csv of ``rows`` rows: some without a connection date, two
    rows of one person (same email, two profile URLs), the rest one person each."""
    lines = [
        "Notes:",
        '"When exporting your connection data, you may notice that some email addresses '
        'are missing."',
        "",
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
    ]
    for i in range(rows):
        email = f"person{i}@corp{i % 7}.example" if i % 3 == 0 else ""
        if i == rows - 1:
            email = "person0@corp0.example"  # the same person as row 0
        day = "" if i % 10 == 5 else f"{i % 28 + 1:02d} {MONTHS[i % 12]} {2010 + i % 15}"
        lines.append(
            f"First{i},Last{i},https://www.linkedin.com/in/first-last-{i:04d},{email},"
            f'"Company {i % 9}, Inc.",Engineer {i % 4},{day}'
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _book(session: Session, user_id: int) -> dict[int, tuple[Any, ...]]:
    session.expire_all()
    rows = session.execute(
        select(
            Contact.id,
            Contact.updated_at,
            ContactScore.score,
            ContactScore.parts,
            Contact.interaction_count,
            Contact.last_interaction_at,
        )
        .join(ContactScore, ContactScore.contact_id == Contact.id)
        .where(Contact.user_id == user_id)
    ).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def _count(session: Session, model: Any) -> int:
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_counters_and_scores_after_an_import_are_what_a_recompute_gives(
    session: Session, session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    user = create_user(session)
    # One person of the file is already in the book, with conversations.
    known = create_contact(session, user, "First3 Last3", emails=["person3@corp3.example"])
    for days in (2, 40, 400):
        create_interaction(
            session, user, known, occurred_at=NOW - timedelta(days=days), keep_score=False
        )
    session.commit()

    run = import_file(session_factory, settings, user, _connections(tmp_path / "c.csv"))

    assert run.status is RunStatus.SUCCESS
    assert (run.new_contacts, run.updated_contacts) == (98, 1)
    assert run.new_interactions == 90
    imported = _book(session, user.id)
    by_name = {
        name: (count, last)
        for name, count, last in session.execute(
            select(Contact.full_name, Contact.interaction_count, Contact.last_interaction_at)
        )
    }
    # Row 0 and the last row are one person: two connections.
    assert by_name["First0 Last0"][0] == 2
    assert by_name["First5 Last5"] == (0, None)  # no connection date
    assert by_name["First1 Last1"][0] == 1
    assert by_name["First1 Last1"][1] is not None
    assert by_name["First3 Last3"][0] == 4  # three conversations and the connection
    assert imported[known.id][1] > 0

    ids = sorted(imported)
    refreshed = refresh_contacts(session, user.id, ids, utcnow(), clear_second_tier=False)
    recomputed = recompute_scores(session, user.id)
    session.commit()

    assert refreshed.contacts_changed == 0
    assert recomputed.contacts_changed == 0
    assert _book(session, user.id) == imported


def test_reimporting_the_same_100_rows_writes_nothing_new(
    session: Session, session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    user = create_user(session)
    source = _connections(tmp_path / "Connections.csv")
    first = import_file(session_factory, settings, user, source)
    assert first.new_contacts == 99
    before = _book(session, user.id)
    counts = [_count(session, m) for m in (Contact, ContactIdentifier, Interaction, Organization)]

    again = import_file(session_factory, settings, user, _connections(tmp_path / "again.csv"))

    assert again.status is RunStatus.SUCCESS
    assert (again.new_contacts, again.updated_contacts, again.new_interactions) == (0, 0, 0)
    assert again.skipped == 100
    assert [
        _count(session, m) for m in (Contact, ContactIdentifier, Interaction, Organization)
    ] == (counts)
    # No contact row was rewritten: same counters, scores and last update.
    assert _book(session, user.id) == before
