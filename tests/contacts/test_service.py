"""The contacts service: validation, identifiers, organization, search text, listing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pingcrm.contacts import service
from pingcrm.contacts.schemas import ContactCreate, ContactListQuery, ContactUpdate
from pingcrm.errors import Conflict, NotFound, ValidationFailed
from pingcrm.kit.clock import utcnow
from pingcrm.kit.pagination import PageRequest
from pingcrm.models import Contact, ContactIdentifier, IdentifierKind, Organization, Priority
from tests.fixtures.builders import create_contact, create_user


def test_create_stores_normalised_identifiers_tags_organization_and_search_text(
    session: Session,
) -> None:
    user = create_user(session)
    contact = create_contact(
        session,
        user,
        "  Ada   Lovelace ",
        emails=["Ada.Lovelace@Analytical.io", "a.d.a+crm@gmail.com"],
        phones=["+44 20 7946 0958"],
        company="Analytical Engines Ltd.",
        title="Mathematician",
        telegram="@AdaL",
        twitter="ada_l",
        linkedin="https://www.linkedin.com/in/Ada-Lovelace/",
        tags=["Investor", "investor", "London"],
    )
    loaded = service.get_contact(session, user.id, contact.id)
    assert loaded.full_name == "Ada Lovelace"
    assert loaded.sort_name == "ada lovelace"
    assert len(loaded.bcc_hash) == 10
    values = {(i.kind, i.value, i.display_value) for i in loaded.identifiers}
    assert (
        IdentifierKind.EMAIL,
        "ada.lovelace@analytical.io",
        "Ada.Lovelace@Analytical.io",
    ) in values
    assert (IdentifierKind.EMAIL, "ada@gmail.com", "a.d.a+crm@gmail.com") in values
    assert (IdentifierKind.PHONE, "+442079460958", "+44 20 7946 0958") in values
    assert (IdentifierKind.TELEGRAM_USERNAME, "adal", "AdaL") in values
    assert (IdentifierKind.LINKEDIN_SLUG, "ada-lovelace", "ada-lovelace") in values
    assert [t.name for t in loaded.tags] == ["Investor", "London"]
    assert loaded.organization is not None
    assert loaded.organization.name == "Analytical Engines Ltd."
    assert "#investor" in loaded.search_text
    assert "analytical.io" in loaded.search_text
    assert "full_name" in loaded.edited_fields
    assert "emails" in loaded.edited_fields


def test_organization_comes_from_a_company_email_domain_but_not_from_webmail(
    session: Session,
) -> None:
    user = create_user(session)
    a = create_contact(session, user, "A One", emails=["a@acme.io"])
    b = create_contact(session, user, "B Two", emails=["b@acme.io"])
    c = create_contact(session, user, "C Three", emails=["c@gmail.com"])
    assert a.organization_id is not None
    assert a.organization_id == b.organization_id
    assert c.organization_id is None
    orgs = session.scalars(select(Organization).where(Organization.user_id == user.id)).all()
    assert [o.domain for o in orgs] == ["acme.io"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"full_name": "   "}, "full_name", "Enter a name."),
        ({"full_name": "x" * 300 + " y"}, "full_name", "longer than 300"),
        ({"emails": ["ada@"]}, "emails", "“ada@” is not a valid email address."),
        ({"phones": ["12"]}, "phones", "“12” is not a valid phone number"),
        ({"twitter": "not a handle!"}, "twitter", "not a valid X handle"),
    ],
)
def test_create_refuses_bad_values_with_a_message_per_field(
    session: Session, fields: dict[str, object], field: str, message: str
) -> None:
    user = create_user(session)
    data = {"full_name": "Ada Lovelace", **fields}
    with pytest.raises(ValidationFailed) as caught:
        service.create_contact(session, user.id, ContactCreate.model_construct(**data))
    assert message in caught.value.details["errors"][field]
    session.rollback()
    assert session.scalars(select(Contact)).all() == []


def test_birthday_in_the_future_is_refused(session: Session) -> None:
    user = create_user(session)
    tomorrow = utcnow().date() + timedelta(days=1)
    with pytest.raises(ValidationFailed, match="cannot be in the future"):
        service.create_contact(session, user.id, ContactCreate(full_name="Ada", birthday=tomorrow))


def test_an_identifier_owned_by_another_contact_is_a_conflict_naming_that_contact(
    session: Session,
) -> None:
    user = create_user(session)
    create_contact(session, user, "Ada Lovelace", emails=["ada@example.com"])
    other = create_contact(session, user, "Charles Babbage")
    with pytest.raises(Conflict, match="already belongs to Ada Lovelace"):
        service.update_contact(
            session, user.id, other.id, ContactUpdate(emails=["ADA@example.com"])
        )
    # Another user may have the same address.
    someone = create_user(session, "someone@example.com")
    create_contact(session, someone, "Ada Elsewhere", emails=["ada@example.com"])


def test_update_changes_fields_records_edits_and_replaces_identifiers(session: Session) -> None:
    user = create_user(session)
    contact = create_contact(session, user, "Ada", emails=["ada@old.io"], tags=["a"])
    session.execute(
        Contact.__table__.update().where(Contact.id == contact.id).values(edited_fields=[])
    )
    updated = service.update_contact(
        session,
        user.id,
        contact.id,
        ContactUpdate(
            full_name="Ada King",
            title="Countess",
            emails=["ada@new.io"],
            birthday=date(1815, 12, 10),
            tags=["b"],
        ),
    )
    session.commit()
    assert updated.full_name == "Ada King"
    assert updated.sort_name == "ada king"
    assert sorted(updated.edited_fields) == ["birthday", "emails", "full_name", "title"]
    assert [i.value for i in updated.identifiers] == ["ada@new.io"]
    assert [t.name for t in updated.tags] == ["b"]
    assert "ada@new.io" in updated.search_text
    assert "#b" in updated.search_text
    assert "ada@old.io" not in updated.search_text
    assert updated.organization is not None
    assert updated.organization.domain == "new.io"
    rows = session.scalars(select(ContactIdentifier)).all()
    assert [r.value for r in rows] == ["ada@new.io"]


def test_another_users_contact_is_not_found(session: Session) -> None:
    owner = create_user(session)
    stranger = create_user(session, "stranger@example.com")
    contact = create_contact(session, owner, "Ada")
    with pytest.raises(NotFound):
        service.get_contact(session, stranger.id, contact.id)
    with pytest.raises(NotFound):
        service.update_contact(session, stranger.id, contact.id, ContactUpdate(title="x"))
    with pytest.raises(NotFound):
        service.delete_contact(session, stranger.id, contact.id)
    assert service.bulk_action(session, stranger.id, [contact.id], "archive") == 0
    assert service.bulk_action(session, stranger.id, [contact.id], "delete") == 0
    session.commit()
    assert service.get_contact(session, owner.id, contact.id).priority == Priority.MEDIUM


def test_list_defaults_hide_second_tier_and_archived(session: Session) -> None:
    user = create_user(session)
    create_contact(session, user, "Bea")
    create_contact(session, user, "Al", is_second_tier=True)
    create_contact(session, user, "Cy", priority=Priority.ARCHIVED)
    page = service.list_contacts(session, user.id, ContactListQuery(), PageRequest(limit=10))
    assert [c.full_name for c in page.items] == ["Bea"]
    everything = service.list_contacts(
        session,
        user.id,
        ContactListQuery(show_second_tier=True, show_archived=True),
        PageRequest(limit=10),
    )
    assert [c.full_name for c in everything.items] == ["Al", "Bea", "Cy"]
    assert everything.total == 3
