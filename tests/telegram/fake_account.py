"""Helpers for Telegram tests: settings selecting the fake gateway, a connected account
whose session the fake world knows, and running the chat sync through the job wrapper."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.models import Contact, PlatformAccount, Provider, SyncRun
from pingcrm.platform_accounts import service as accounts
from pingcrm.worker.context import JobCall
from pingcrm.worker.execute import execute
from tests.fakes.telegram import FakeTelegram

PHONE = "+447700900123"
GATEWAY = "tests.fakes.telegram:FakeGateway"


def telegram_settings(settings: Settings, **extra: Any) -> Settings:
    return settings.model_copy(
        update={
            "telegram_api_id": 12345,
            "telegram_api_hash": "0123456789abcdef0123456789abcdef",
            "telegram_gateway": GATEWAY,
            **extra,
        }
    )


def connect(
    session: Session,
    settings: Settings,
    world: FakeTelegram,
    user_id: int,
    phone: str = PHONE,
    **sync_settings: Any,
) -> PlatformAccount:
    """A Telegram account connected as a finished login leaves it."""
    account = world.accounts[phone]
    created = accounts.connect(
        session,
        settings,
        user_id=user_id,
        provider=Provider.TELEGRAM,
        external_id=phone,
        credentials={"session": world.session_for(phone), "me_id": account.me.id},
        display_name="Me",
    )
    created.sync_settings = {**(created.sync_settings or {}), **sync_settings}
    session.commit()
    return created


def run_sync(
    settings: Settings,
    engine: Engine,
    factory: sessionmaker[Session],
    account: PlatformAccount,
    trigger: str = "manual",
) -> SyncRun:
    execute(
        JobCall(
            "telegram.chats_sync", user_id=account.user_id, account_id=account.id, trigger=trigger
        ),
        settings=settings,
        engine=engine,
        session_factory=factory,
    )
    with factory() as session:
        return session.scalars(
            select(SyncRun)
            .where(SyncRun.platform_account_id == account.id)
            .order_by(SyncRun.id.desc())
            .limit(1)
        ).one()


def contacts_by_name(session: Session, user_id: int) -> dict[str, Contact]:
    """The user's contacts by full name, read afresh."""
    session.expire_all()
    return {
        c.full_name: c for c in session.scalars(select(Contact).where(Contact.user_id == user_id))
    }
