"""Gmail test fixtures: the fake Google served over HTTP and a connected account."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.models import PlatformAccount, SyncRun, User
from tests.fakes.google.state import FakeGoogle
from tests.fixtures.builders import create_user
from tests.google.fake_account import connect, google_settings, last_run, run_job, served

ME = "me@gmail.com"


@dataclass
class Gmail:
    """A user with a connected Gmail account on a served fake Google."""

    google: FakeGoogle
    url: str
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    session: Session
    user: User
    account: PlatformAccount

    def sync(self) -> SyncRun:
        """Run the email job through the real job wrapper; the run's history record."""
        run_job("google.email_sync", self.settings, self.engine, self.factory, self.account)
        return last_run(self.session)


@pytest.fixture
def gmail(
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> Iterator[Gmail]:
    google = FakeGoogle()
    google.add_account(ME, aliases=["me@work.example"])
    with served(google) as url:
        configured = google_settings(settings, google, url, gmail_batch_concurrency=2)
        user = create_user(session)
        account = connect(session, configured, google, user.id, ME)
        yield Gmail(google, url, configured, engine, session_factory, session, user, account)
