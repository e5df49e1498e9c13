"""A running PingCRM (web app with ``/mcp``) and two users with their own data and keys."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pingcrm.app import create_app
from pingcrm.config import Settings
from pingcrm.kit.clock import utcnow
from pingcrm.mcp.keys import generate_key
from pingcrm.models import Direction, Priority, Suggestion, User
from pingcrm.notifications.service import notify
from tests.fakes.server import serve_asgi
from tests.fixtures.builders import create_contact, create_interaction, create_user


@dataclass
class Person:
    user: User
    key: str
    read_only_key_owner: bool
    contact_id: int
    suggestion_id: int
    marker: str


@pytest.fixture
def live_url(settings: Settings, engine: Engine) -> Iterator[str]:
    """The whole app on a free loopback port (lifespan on: the MCP session manager runs)."""
    with serve_asgi(create_app(settings, engine=engine), lifespan=True) as url:
        yield url


def seed(
    session: Session, settings: Settings, email: str, marker: str, *, allow_changes: bool
) -> Person:
    """A user with a contact (tagged, with interactions), a pending suggestion, a
    notification and an MCP key; every name carries ``marker``."""
    user = create_user(session, email=email)
    contact = create_contact(
        session,
        user,
        f"{marker} Lovelace",
        [f"{marker.lower()}@ex.com"],
        company=f"{marker} Engines",
        title="Founder",
        priority=Priority.HIGH,
        tags=[f"{marker.lower()}-tag"],
    )
    for days, direction in ((3, Direction.INBOUND), (5, Direction.OUTBOUND)):
        create_interaction(
            session,
            user,
            contact,
            direction=direction,
            occurred_at=utcnow() - timedelta(days=days),
            subject=f"{marker} plans",
            preview=f"{marker} plans — lunch?",
        )
    suggestion = Suggestion(
        user_id=user.id,
        contact_id=contact.id,
        trigger="time_based",
        reason=f"No contact for 40 days ({marker}).",
        message=f"Hi {marker}!",
        channel="email",
    )
    session.add(suggestion)
    notify(session, user.id, "system", f"{marker} import finished", "12 contacts")
    key = generate_key(session, settings, user.id, allow_changes=allow_changes)
    session.commit()
    return Person(user, key, not allow_changes, contact.id, suggestion.id, marker)


@pytest.fixture
def ada(session: Session, settings: Settings) -> Person:
    return seed(session, settings, "ada@example.com", "Adamarker", allow_changes=True)


@pytest.fixture
def eve(session: Session, settings: Settings) -> Person:
    return seed(session, settings, "eve@example.com", "Evemarker", allow_changes=False)
