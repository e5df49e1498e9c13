"""The Google tests' world (see ``tests/fixtures/google_world.py``) with the account they
sync: Ada's Gmail account, connected while time is frozen at :data:`NOW`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.kit.clock import FrozenClock
from pingcrm.models import PlatformAccount
from tests.fakes.google.state import FakeGoogle
from tests.fixtures.builders import create_user
from tests.google.fake_account import connect

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ME = "ada@gmail.com"


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def account(
    session: Session, gsettings: Settings, google: FakeGoogle, clock: FrozenClock
) -> PlatformAccount:
    user = create_user(session)
    return connect(session, gsettings, google, user.id, ME)
