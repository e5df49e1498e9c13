"""Google Contacts sync end to end against the fake People API: full and incremental
syncs, an expired sync token, hand-edited fields never overwritten, deleted people,
re-runs that create nothing, a run killed between pages."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pingcrm.contacts import service as contacts
from pingcrm.contacts.schemas import ContactUpdate
from pingcrm.google.client import GoogleClient
from pingcrm.google.people import sync as people_sync
from pingcrm.google.people.api import PeopleApi
from pingcrm.google.people.tasks import SYNC_JOB
from pingcrm.models import (
    Contact,
    ContactIdentifier,
    IdentifierKind,
    Note,
    RunStatus,
    SyncKind,
)
from tests.fakes.google.people import person
from tests.fixtures.google_world import GoogleWorld
from tests.google.conftest import ME
from tests.google.fake_account import (
    last_run,
    manual_sync_context,
)


def _contact(session: Session, name: str) -> Contact:
    session.expire_all()
    return session.scalars(select(Contact).where(Contact.full_name == name)).one()


def _emails(session: Session, contact: Contact) -> list[str]:
    return sorted(
        session.scalars(
            select(ContactIdentifier.value).where(
                ContactIdentifier.contact_id == contact.id,
                ContactIdentifier.kind == IdentifierKind.EMAIL,
            )
        )
    )


def test_full_sync_imports_people_read_only(world: GoogleWorld) -> None:
    world.book.put_person(
        ME,
        person(
            1,
            "Bob Stone",
            ["bob@acme.com", "bob.stone@gmail.com"],
            phones=["+44 20 7946 0958"],
            company="Acme Rockets",
            title="CTO",
            birthday=(1985, 4, 12),
            photo="https://lh3.googleusercontent.com/a/b",
            bio="Met at RocketConf 2024",
        ),
    )
    world.book.put_person(ME, person(2, "Carol Ng", ["carol@acme.com"], birthday=(None, 7, 1)))
    world.book.put_person(
        ME, {"resourceName": "people/c3", "phoneNumbers": [{"value": "not a phone"}]}
    )
    world.run(SYNC_JOB)

    run = last_run(world.session)
    assert run.kind == SyncKind.CONTACTS
    assert run.status == RunStatus.SUCCESS
    assert run.new_contacts == 2
    bob = _contact(world.session, "Bob Stone")
    assert (bob.company, bob.title, bob.birthday) == ("Acme Rockets", "CTO", date(1985, 4, 12))
    assert bob.avatar_url == "https://lh3.googleusercontent.com/a/b"
    assert bob.source == "google_contacts"
    assert _emails(world.session, bob) == ["bob@acme.com", "bobstone@gmail.com"]
    note = world.session.scalars(select(Note).where(Note.contact_id == bob.id)).one()
    assert note.body == "From Google Contacts: Met at RocketConf 2024"
    carol = _contact(world.session, "Carol Ng")
    assert carol.birthday is None  # no year: not a date
    request = world.book.requests[0]
    assert request["personFields"] == (
        "names,emailAddresses,phoneNumbers,organizations,birthdays,photos,biographies"
    )
    assert request["requestSyncToken"] == "true"
    # Read-only: the fake saw only GETs of connections.
    assert set(world.google.calls) <= {"connections.list"}

    # A re-run with nothing new creates nothing and adds no second note.
    world.run(SYNC_JOB)
    assert "syncToken" in world.book.requests[-1]
    assert world.session.scalar(select(func.count()).select_from(Contact)) == 2
    assert world.session.scalar(select(func.count()).select_from(Note)) == 1
    assert last_run(world.session).new_contacts == 0


def test_incremental_changes_never_overwrite_hand_edits(world: GoogleWorld) -> None:
    world.book.put_person(ME, person(1, "Bob Stone", ["bob@acme.com"], company="Acme", title="CTO"))
    world.book.put_person(ME, person(2, "Carol Ng", ["carol@acme.com"], company="Acme"))
    world.run(SYNC_JOB)
    bob = _contact(world.session, "Bob Stone")
    contacts.update_contact(
        world.session, world.account.user_id, bob.id, ContactUpdate(title="Chief Rocketeer")
    )
    world.session.commit()

    # Google changes: Bob's title and company, Carol's title; Carol is then deleted.
    world.book.put_person(
        ME, person(1, "Bob Stone", ["bob@acme.com", "bob@new.io"], company="NewCo", title="CEO")
    )
    world.book.put_person(ME, person(2, "Carol Ng", ["carol@acme.com"], company="Acme", title="VP"))
    world.book.delete_person(ME, "people/c2")
    world.book.put_person(ME, person(4, "Dan Poe", ["dan@poe.dev"]))
    world.run(SYNC_JOB)

    assert "syncToken" in world.book.requests[-1]
    bob = _contact(world.session, "Bob Stone")
    assert bob.title == "Chief Rocketeer"  # edited by hand: kept
    assert bob.company == "NewCo"  # not edited: follows Google
    assert _emails(world.session, bob) == ["bob@acme.com", "bob@new.io"]
    carol = _contact(world.session, "Carol Ng")  # deleted at Google: kept in PingCRM
    assert carol.title is None
    dan = _contact(world.session, "Dan Poe")
    assert dan.source == "google_contacts"
    run = last_run(world.session)
    assert run.new_contacts == 1
    assert run.skipped == 1  # the deletion
    assert run.updated_contacts >= 1


def test_a_contact_the_user_made_is_only_filled_in(world: GoogleWorld) -> None:
    from pingcrm.contacts.schemas import ContactCreate

    mine = contacts.create_contact(
        world.session,
        world.account.user_id,
        ContactCreate(full_name="Bob S.", emails=["bob@acme.com"], company="Acme"),
    )
    world.session.commit()
    world.book.put_person(
        ME, person(1, "Bob Stone", ["bob@acme.com"], company="Other Corp", title="CTO")
    )
    world.run(SYNC_JOB)
    world.session.expire_all()
    row = world.session.get(Contact, mine.id)
    assert row is not None
    assert (row.full_name, row.company, row.title) == ("Bob S.", "Acme", "CTO")
    assert world.session.scalar(select(func.count()).select_from(Contact)) == 1


def test_expired_sync_token_starts_a_full_sync(world: GoogleWorld) -> None:
    world.book.put_person(ME, person(1, "Bob Stone", ["bob@acme.com"]))
    world.run(SYNC_JOB)
    world.book.put_person(ME, person(2, "Carol Ng", ["carol@acme.com"]))
    world.book.expire_sync_tokens(ME)
    world.book.requests.clear()
    world.run(SYNC_JOB)
    assert "syncToken" in world.book.requests[0]
    assert "syncToken" not in world.book.requests[1]
    assert last_run(world.session).status == RunStatus.SUCCESS
    assert world.session.scalar(select(func.count()).select_from(Contact)) == 2
    # The new token works again.
    world.run(SYNC_JOB)
    assert "syncToken" in world.book.requests[-1]
    assert last_run(world.session).status == RunStatus.SUCCESS


class Killed(BaseException):
    """The worker dies between two pages."""


def test_a_killed_run_resumes_from_its_last_page(
    world: GoogleWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(people_sync, "PAGE_SIZE", 3)
    for n in range(8):
        world.book.put_person(ME, person(n + 1, f"Person {n}", [f"p{n}@acme.com"]))
    with world.factory() as work:
        ctx = manual_sync_context(work, world.settings, world.account, SyncKind.CONTACTS)
        with GoogleClient.from_context(ctx) as client:
            api = PeopleApi(client)
            calls = {"n": 0}

            class DiesOnThirdPage:
                def list_connections(self, params: dict[str, str]) -> dict[str, Any]:
                    calls["n"] += 1
                    if calls["n"] == 3:
                        raise Killed
                    return api.list_connections(params)

            with pytest.raises(Killed):
                people_sync.sync_contacts(ctx, DiesOnThirdPage())
        work.rollback()
    assert world.session.scalar(select(func.count()).select_from(Contact)) == 6

    world.book.requests.clear()
    world.run(SYNC_JOB)
    assert "pageToken" in world.book.requests[0]
    assert world.session.scalar(select(func.count()).select_from(Contact)) == 8
    world.run(SYNC_JOB)
    assert world.session.scalar(select(func.count()).select_from(Contact)) == 8


def test_a_rate_limit_is_retried(world: GoogleWorld) -> None:
    world.book.put_person(ME, person(1, "Bob Stone", ["bob@acme.com"]))
    world.google.fail("connections.list", 429, retry_after=0)
    world.run(SYNC_JOB)
    assert last_run(world.session).status == RunStatus.SUCCESS
    assert _contact(world.session, "Bob Stone").source == "google_contacts"
