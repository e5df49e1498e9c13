"""Tags: case-insensitive get-or-create, unique per user, add/remove in bulk."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pingcrm.errors import ValidationFailed
from pingcrm.models import Tag, contact_tags
from pingcrm.tags import service
from tests.fixtures.builders import create_contact, create_user


def test_get_or_create_is_case_insensitive_and_per_user(session: Session) -> None:
    ada = create_user(session)
    bob = create_user(session, "bob@example.com")
    first = service.get_or_create_tags(session, ada.id, ["Investor", " #investor ", "Deep  Tech"])
    assert [t.name for t in first] == ["Investor", "Deep Tech"]
    again = service.get_or_create_tags(session, ada.id, ["INVESTOR"])
    assert again[0].id == first[0].id
    theirs = service.get_or_create_tags(session, bob.id, ["investor"])
    assert theirs[0].id != first[0].id
    assert theirs[0].name == "investor"
    session.commit()
    assert session.scalar(select(func.count()).select_from(Tag)) == 3
    with pytest.raises(ValidationFailed, match="longer than 100"):
        service.get_or_create_tags(session, ada.id, ["x" * 101])


def test_add_and_remove_in_bulk_touch_only_the_given_contacts(session: Session) -> None:
    user = create_user(session)
    people = [create_contact(session, user, f"P{i}") for i in range(4)]
    ids = [p.id for p in people[:3]]
    service.add_tags(session, user.id, ids, ["vip", "Friends"])
    service.add_tags(session, user.id, ids, ["VIP"])  # linking twice keeps one link
    session.commit()
    assert session.scalar(select(func.count()).select_from(contact_tags)) == 6
    names = service.tag_names_by_contact(session, [p.id for p in people])
    assert names[people[0].id] == ["Friends", "vip"]
    assert names[people[3].id] == []
    assert service.remove_tags(session, user.id, ids[:2], ["FRIENDS"]) == 2
    assert service.remove_tags(session, user.id, ids, ["unknown"]) == 0
    names = service.tag_names_by_contact(session, ids)
    assert [names[i] for i in ids] == [["vip"], ["vip"], ["Friends", "vip"]]
