"""Meeting prep runs in the shared Google world, at the Google tests' moment, with a
public base URL (the briefs link back to the app)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.google.calendar.tasks import SYNC_JOB
from pingcrm.kit.clock import FrozenClock
from pingcrm.models import PlatformAccount, User
from tests.fakes.google.calendar import FakeCalendarState
from tests.fakes.google.state import FakeGoogle
from tests.fixtures.builders import create_user
from tests.google.conftest import ME, NOW
from tests.google.fake_account import connect, run_job

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


@dataclass
class Prep:
    """Ada's connected Gmail account on the fake Google, and the two jobs of meeting prep."""

    session: Session
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    google: FakeGoogle
    cal: FakeCalendarState
    user: User
    account: PlatformAccount
    clock: FrozenClock

    def sync(self, account: PlatformAccount) -> None:
        """The calendar sync job (the daily one)."""
        run_job(SYNC_JOB, self.settings, self.engine, self.factory, account)

    def scan(self, account: PlatformAccount) -> None:
        """The meeting-prep scan job."""
        run_job(SCAN, self.settings, self.engine, self.factory, account)


@pytest.fixture
def prep(
    session: Session,
    gsettings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    google: FakeGoogle,
    cal: FakeCalendarState,
    user: User,
    clock: FrozenClock,
) -> Prep:
    account = connect(session, gsettings, google, user.id, ME)
    return Prep(session, gsettings, engine, session_factory, google, cal, user, account, clock)
