"""X test fixtures: the fake X served over HTTP and a user with a connected X account."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.models import Contact, Interaction, PlatformAccount, Provider, SyncRun, User
from pingcrm.platform_accounts import service as accounts
from pingcrm.worker.context import JobCall
from pingcrm.worker.execute import execute
from tests.fakes.server import serve_asgi
from tests.fakes.twitter.app import build_app
from tests.fakes.twitter.state import ALL_SCOPES, FakeX
from tests.fixtures.builders import create_user

ME = "1000"


def connect_x(
    session: Session, settings: Settings, x: FakeX, user_id: int, owner: str = ME, **token: Any
) -> PlatformAccount:
    """An X account connected as the OAuth callback would (tokens from the fake)."""
    tokens = x.issue_tokens(owner, list(ALL_SCOPES), **token)
    account = accounts.connect(
        session,
        settings,
        user_id=user_id,
        provider=Provider.TWITTER,
        external_id=owner,
        credentials={
            "access_token": tokens["access_token"],
            "refresh_token": tokens["refresh_token"],
            "expires_at": 0,  # refreshed on first use
            "scope": tokens["scope"],
        },
        display_name="@" + x.users[owner]["username"],
        scopes=tokens["scope"],
    )
    session.commit()
    return account


@dataclass
class XWorld:
    """A user with a connected X account on a served fake X."""

    x: FakeX
    url: str
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    session: Session
    user: User
    account: PlatformAccount

    def run(self, job: str, account: PlatformAccount | None = None) -> SyncRun:
        """Run ``twitter.<job>`` through the real job wrapper; the history record."""
        target = account or self.account
        execute(
            JobCall(f"twitter.{job}", user_id=target.user_id, account_id=target.id),
            settings=self.settings,
            engine=self.engine,
            session_factory=self.factory,
        )
        self.session.expire_all()
        return self.session.scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(1)).one()

    def interactions(self, user_id: int | None = None) -> list[Interaction]:
        self.session.expire_all()
        return list(
            self.session.scalars(
                select(Interaction)
                .where(Interaction.user_id == (user_id or self.user.id))
                .order_by(Interaction.provider_id)
            )
        )

    def contacts(self, user_id: int | None = None) -> dict[str, Contact]:
        self.session.expire_all()
        return {
            c.full_name: c
            for c in self.session.scalars(
                select(Contact).where(Contact.user_id == (user_id or self.user.id))
            )
        }


def x_settings(settings: Settings, x: FakeX, url: str, **extra: Any) -> Settings:
    return settings.model_copy(update={**x.client_settings(url), **extra})


@pytest.fixture
def fake_x() -> FakeX:
    x = FakeX()
    x.add_user(ME, "me_on_x", "Me Myself", "My own bio")
    x.consent_user = ME
    return x


@pytest.fixture
def world(
    fake_x: FakeX,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> Iterator[XWorld]:
    with serve_asgi(build_app(fake_x)) as url:
        configured = x_settings(settings, fake_x, url)
        user = create_user(session)
        account = connect_x(session, configured, fake_x, user.id)
        yield XWorld(fake_x, url, configured, engine, session_factory, session, user, account)
