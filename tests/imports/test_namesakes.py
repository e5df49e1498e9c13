"""Namesakes through the real import path: a LinkedIn export and a Google Contacts export
holding nine different people who share four names come out as nine contacts, and
importing both files again adds nothing (issue #11)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.models import Contact, MergeRecord, RunStatus
from tests.fixtures.builders import create_user, import_file

LINKEDIN = """Notes:
"When exporting your connection data, you may notice that some of the email addresses are missing."

First Name,Last Name,URL,Email Address,Company,Position,Connected On
John,Smith,https://www.linkedin.com/in/john-smith-4a1b2c,,Acme,Engineer,12 Nov 2024
John,Smith,https://www.linkedin.com/in/jsmith-sales,,Acme,Account Executive,03 Jan 2023
"""
GOOGLE = (
    "First Name,Last Name,Organization Name,Organization Title,"
    "E-mail 1 - Label,E-mail 1 - Value\n"
    "Maria,Garcia,Google,Software Engineer,Work,maria.garcia@google.com\n"
    "Maria,Garcia,Google,Recruiter,Work,mgarcia@google.com\n"
    "John,Smith,,,Home,johnsmith@gmail.com\n"
    "John,Smith,Initech,,Work,john.smith@initech.example\n"
    "Li,Wei,Foo Labs,Designer,,\n"
    "Li,Wei,,,,\n"
    "Li,Wei,Bar Corp,,,\n"
)


def _count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count()).where(Contact.user_id == user_id)) or 0


def test_nine_namesakes_in_two_exports_are_nine_contacts_and_reimport_adds_none(
    session: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
) -> None:
    user = create_user(session)
    linkedin = tmp_path / "Connections.csv"
    linkedin.write_text(LINKEDIN, encoding="utf-8")
    google = tmp_path / "contacts.csv"
    google.write_text(GOOGLE, encoding="utf-8")

    first = import_file(session_factory, settings, user, linkedin)
    second = import_file(session_factory, settings, user, google)

    assert (first.status, second.status) == (RunStatus.SUCCESS, RunStatus.SUCCESS)
    assert (first.new_contacts, second.new_contacts) == (2, 7)
    assert _count(session, user.id) == 9
    names = sorted(
        session.execute(select(Contact.full_name).where(Contact.user_id == user.id)).scalars()
    )
    assert names == ["John Smith"] * 4 + ["Li Wei"] * 3 + ["Maria Garcia"] * 2
    # Nobody was folded into anybody: no merge happened, silently or not.
    assert session.scalar(select(func.count()).select_from(MergeRecord)) == 0

    again_linkedin = import_file(session_factory, settings, user, linkedin)
    again_google = import_file(session_factory, settings, user, google)

    assert (again_linkedin.new_contacts, again_google.new_contacts) == (0, 0)
    assert (again_linkedin.updated_contacts, again_google.updated_contacts) == (0, 0)
    assert _count(session, user.id) == 9
