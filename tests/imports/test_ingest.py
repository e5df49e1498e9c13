"""The bulk upsert every import and sync uses: matching order, fill-empty-only, edited
fields kept, and a bounded number of statements per batch (never one per row)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from pingcrm.contacts.ingest import ContactInput, upsert_contacts
from pingcrm.models import Contact, ContactIdentifier, IdentifierKind, Organization
from tests.fixtures.builders import create_user

E = IdentifierKind.EMAIL
P = IdentifierKind.PHONE
L = IdentifierKind.LINKEDIN_SLUG


def test_matching_by_email_linkedin_phone_and_source_record_never_by_name(session: Session) -> None:
    user = create_user(session)
    first = upsert_contacts(
        session,
        user.id,
        [
            ContactInput("Ada Lovelace", identifiers=[(E, "Ada@Example.com", "work")]),
            ContactInput("Grace Hopper", identifiers=[(L, "linkedin.com/in/grace", None)]),
            ContactInput("Alan Turing", identifiers=[(P, "+44 20 7946 0000", None)]),
            ContactInput("Tim Berners-Lee", company="CERN"),
        ],
        source="test",
    )
    assert (first.created, first.updated) == (4, 0)
    again = upsert_contacts(
        session,
        user.id,
        [
            ContactInput(
                "A. Lovelace", title="Countess", identifiers=[(E, "ada@example.com", None)]
            ),
            ContactInput(
                "G. Hopper", identifiers=[(L, "https://www.linkedin.com/in/Grace/", None)]
            ),
            ContactInput("Turing", identifiers=[(P, "+442079460000", None)]),
            # The same record again (no identifier): recognised by its source record.
            ContactInput("Tim Berners-Lee", company="CERN"),
            # The same name and company, but another record without an identifier: a
            # name is never an ingest match (the identity scan may propose the pair).
            ContactInput("Tim Berners-Lee", company="CERN", title="Inventor"),
        ],
        source="test",
    )
    assert again.contact_ids[:4] == first.contact_ids
    assert again.contact_ids[4] not in first.contact_ids
    assert (again.created, again.updated, again.skipped) == (1, 1, 3)
    ada = session.get(Contact, first.contact_ids[0])
    assert ada is not None
    assert ada.full_name == "Ada Lovelace"  # names are never replaced
    assert ada.title == "Countess"  # an empty field is filled


def test_fields_edited_by_hand_are_never_overwritten(session: Session) -> None:
    user = create_user(session)
    [cid] = upsert_contacts(
        session, user.id, [ContactInput("Ada", identifiers=[(E, "ada@x.org", None)])], source="t"
    ).contact_ids
    contact = session.get(Contact, cid)
    assert contact is not None
    contact.company = None
    contact.edited_fields = ["company"]
    session.flush()
    result = upsert_contacts(
        session,
        user.id,
        [ContactInput("Ada", company="Acme", identifiers=[(E, "ada@x.org", None)])],
        source="t",
    )
    assert result.updated == 0
    assert contact.company is None


def test_duplicates_inside_one_batch_become_one_contact_with_all_identifiers(
    session: Session,
) -> None:
    user = create_user(session)
    result = upsert_contacts(
        session,
        user.id,
        [
            ContactInput("Bob", identifiers=[(E, "bob@x.org", None)]),
            ContactInput("Bob", identifiers=[(E, "bob@x.org", None), (P, "+14155550100", None)]),
            ContactInput("", identifiers=[(E, "not an email", None)]),
        ],
        source="t",
    )
    assert result.created == 1
    assert result.contact_ids[0] == result.contact_ids[1]
    assert result.contact_ids[2] is None
    values = set(
        session.execute(
            select(ContactIdentifier.value).where(
                ContactIdentifier.contact_id == result.contact_ids[0]
            )
        ).scalars()
    )
    assert values == {"bob@x.org", "+14155550100"}


def test_namesakes_with_different_identifiers_are_different_contacts(session: Session) -> None:
    user = create_user(session)
    first = upsert_contacts(
        session,
        user.id,
        [
            ContactInput(
                "John Smith",
                company="Acme",
                identifiers=[(L, "linkedin.com/in/john-smith-1", None)],
            )
        ],
        source="t",
    )
    second = upsert_contacts(
        session,
        user.id,
        [
            ContactInput(
                "John Smith",
                company="Acme",
                identifiers=[(L, "linkedin.com/in/john-smith-2", None)],
            ),
            ContactInput("John Smith", identifiers=[(E, "john@gmail.com", None)]),
            ContactInput("John Smith"),
            ContactInput("John Smith"),  # the same row twice in one file: one record
        ],
        source="t",
    )
    ids = [*first.contact_ids, *second.contact_ids]
    assert len(set(ids)) == 4
    assert ids[3] == ids[4]
    names = session.execute(select(Contact.full_name).where(Contact.user_id == user.id)).all()
    assert len(names) == 4


def test_a_batch_costs_a_bounded_number_of_statements(session: Session) -> None:
    user = create_user(session)
    statements: list[str] = []
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine

    def count(*_args: object) -> None:
        statements.append("x")

    rows = [
        ContactInput(
            f"Person {i}",
            company=f"Company {i % 20}",
            identifiers=[(E, f"p{i}@c{i % 20}.example", None), (L, f"linkedin.com/in/p{i}", None)],
        )
        for i in range(300)
    ]
    event.listen(engine, "before_cursor_execute", count)
    try:
        upsert_contacts(session, user.id, rows, source="t")
        first = len(statements)
        statements.clear()
        upsert_contacts(session, user.id, rows, source="t")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert first < 30, first  # 300 rows, 600 identifiers, 20 companies
    assert len(statements) < 15, len(statements)


def test_the_new_organizations_of_a_batch_are_created_together(session: Session) -> None:
    user = create_user(session)
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    # Statements the database runs: an executemany runs its statement once per row.
    inserts: list[int] = []

    def count(*args: Any) -> None:
        _conn, _cursor, statement, params, _context, many = args
        if statement.lstrip().upper().startswith("INSERT INTO ORGANIZATIONS"):
            inserts.append(len(params) if many else 1)

    rows = [
        ContactInput(
            f"Person {i}", company=f"Company {i}", identifiers=[(E, f"p{i}@x.example", None)]
        )
        for i in range(300)
    ]
    event.listen(engine, "before_cursor_execute", count)
    try:
        result = upsert_contacts(session, user.id, rows, source="t")
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert sum(inserts) == 1, sum(inserts)  # 300 companies, one INSERT
    companies = session.execute(
        select(Contact.company, Organization.name)
        .join(Organization, Organization.id == Contact.organization_id)
        .where(Contact.id.in_([cid for cid in result.contact_ids if cid]))
    ).all()
    assert len(companies) == 300
    assert all(company == name for company, name in companies)
