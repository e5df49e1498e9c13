"""A Gmail sync that created contacts asks for one duplicate scan; one that created none
does not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pingcrm.identity import service as identity
from tests.google.gmail.conftest import ME, Gmail

NOW = datetime.now(UTC)


def test_a_sync_that_created_contacts_requests_a_duplicate_scan(gmail: Gmail) -> None:
    gmail.google.add_message(
        ME,
        sender="Grace Hopper <grace@navy.example>",
        to=[ME],
        subject="Compilers",
        snippet="Shall we meet?",
        at=NOW - timedelta(days=1),
    )
    assert identity.users_awaiting_scan(gmail.session) == []

    first = gmail.sync()
    assert first.new_contacts == 1
    gmail.session.expire_all()
    assert identity.users_awaiting_scan(gmail.session) == [gmail.user.id]

    # The scan ran (the request is cleared); a sync that finds only known people
    # does not ask again.
    identity.run_scan(gmail.session, gmail.settings, gmail.user.id)
    gmail.session.commit()
    gmail.google.add_message(
        ME,
        sender="Grace Hopper <grace@navy.example>",
        to=[ME],
        subject="Re: Compilers",
        snippet="Tuesday",
        at=NOW - timedelta(hours=1),
    )
    second = gmail.sync()
    assert (second.new_interactions, second.new_contacts) == (1, 0)
    gmail.session.expire_all()
    assert identity.users_awaiting_scan(gmail.session) == []
