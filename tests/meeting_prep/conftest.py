"""Meeting prep runs in the shared Google world, at the Google tests' moment, with a
public base URL (the briefs link back to the app)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.google.calendar.tasks import SYNC_JOB
from pingcrm.kit.clock import FrozenClock
from pingcrm.models import PlatformAccount, User
from tests.fakes.google.state import FakeGoogle
from tests.fixtures.builders import create_user
from tests.fixtures.google_world import GoogleWorld
from tests.google.conftest import ME, NOW
from tests.google.fake_account import connect

SCAN = "meeting_prep.scan"


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def google_options() -> dict[str, Any]:
    return {"base_url": "https://crm.example.com"}


@pytest.fixture
def user(session: Session, clock: FrozenClock) -> User:
    return create_user(session)


@pytest.fixture
def account(
    session: Session, gsettings: Settings, google: FakeGoogle, user: User
) -> PlatformAccount:
    return connect(session, gsettings, google, user.id, ME)


@dataclass
class Prep(GoogleWorld):
    """The shared Google world with Ada, and the two jobs of meeting prep."""

    user: User

    def sync(self, account: PlatformAccount) -> None:
        """The calendar sync job (the daily one)."""
        self.run(SYNC_JOB, account)

    def scan(self, account: PlatformAccount) -> None:
        """The meeting-prep scan job."""
        self.run(SCAN, account)


@pytest.fixture
def prep(world: GoogleWorld, user: User) -> Prep:
    return Prep(**vars(world), user=user)
