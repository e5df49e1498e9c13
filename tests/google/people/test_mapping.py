"""People API ``Person`` edge cases: primary entries, canonical phones, partial birthdays,
default photos, deleted people, people with nothing usable."""

from __future__ import annotations

from datetime import date

from pingcrm.google.people.mapping import map_person
from pingcrm.models import IdentifierKind


def test_primary_values_and_canonical_phones() -> None:
    change = map_person(
        {
            "resourceName": "people/c9",
            "names": [
                {"givenName": "Robert", "familyName": "Stone"},
                {
                    "metadata": {"primary": True},
                    "displayName": "Bob Stone",
                    "givenName": "Bob",
                    "familyName": "Stone",
                },
            ],
            "emailAddresses": [{"value": "bob@acme.com", "type": "work"}],
            "phoneNumbers": [{"value": "(020) 7946 0958", "canonicalForm": "+442079460958"}],
            "organizations": [
                {"name": "Old Co"},
                {"metadata": {"primary": True}, "name": "Acme", "title": "CTO"},
            ],
            "birthdays": [{"text": "spring"}, {"date": {"year": 1985, "month": 4, "day": 12}}],
            "photos": [{"url": "https://lh3.googleusercontent.com/d", "default": True}],
            "biographies": [{"value": "  Met at  RocketConf "}],
        }
    )
    contact = change.contact
    assert contact is not None
    assert (contact.full_name, contact.given_name, contact.company, contact.title) == (
        "Bob Stone",
        "Bob",
        "Acme",
        "CTO",
    )
    assert contact.birthday == date(1985, 4, 12)
    assert contact.avatar_url is None  # Google's default silhouette is not a photo
    assert (IdentifierKind.PHONE, "+442079460958", None) in contact.identifiers
    assert (IdentifierKind.EMAIL, "bob@acme.com", "work") in contact.identifiers
    assert change.biography == "Met at RocketConf"


def test_deleted_and_unusable_people() -> None:
    deleted = map_person({"resourceName": "people/c1", "metadata": {"deleted": True}})
    assert deleted.deleted is True
    assert deleted.contact is None
    assert map_person({"resourceName": "people/c2"}).contact is None
    only_email = map_person({"resourceName": "people/c3", "emailAddresses": [{"value": "x@y.org"}]})
    assert only_email.contact is not None
    assert only_email.contact.full_name == ""  # the ingest names them after the address
