"""Helpers for tests of the Google syncs: the fake Google served over HTTP, settings
pointing at it, and a connected Gmail account whose refresh token the fake issued."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.models import PlatformAccount, Provider, SyncKind, SyncRun, SyncTrigger
from pingcrm.platform_accounts import service as accounts
from pingcrm.sync.provider import SyncContext
from pingcrm.sync.runs import start_run
from pingcrm.worker.context import JobCall
from pingcrm.worker.execute import execute
from tests.fakes.google.app import build_app
from tests.fakes.google.state import ALL_SCOPES, FakeGoogle
from tests.fakes.server import serve_asgi


@contextmanager
def served(google: FakeGoogle) -> Iterator[str]:
    """The fake Google on a free port; yields its base URL."""
    with serve_asgi(build_app(google)) as url:
        yield url


def google_settings(settings: Settings, google: FakeGoogle, url: str, **extra: Any) -> Settings:
    """``settings`` with every Google URL and the OAuth client pointing at the fake."""
    return settings.model_copy(update={**google.client_settings(url), **extra})


def connect(
    session: Session,
    settings: Settings,
    google: FakeGoogle,
    user_id: int,
    email: str,
    scopes: tuple[str, ...] = ALL_SCOPES,
) -> PlatformAccount:
    """A Gmail account connected as the OAuth callback would (tokens from the fake)."""
    if email not in google.mailboxes:
        google.add_account(email, scopes=scopes)
    tokens = google.issue_tokens(email, list(scopes), refresh=True)
    account = accounts.connect(
        session,
        settings,
        user_id=user_id,
        provider=Provider.GMAIL,
        external_id=email,
        credentials={
            "refresh_token": tokens["refresh_token"],
            "access_token": "",
            "expires_at": 0,
            "scope": " ".join(scopes),
        },
        scopes=" ".join(scopes),
    )
    session.commit()
    return account


def run_job(
    name: str,
    settings: Settings,
    engine: Engine,
    factory: sessionmaker[Session],
    account: PlatformAccount,
) -> None:
    """Run a per-account job through the real job wrapper (lease, run row, commit)."""
    execute(
        JobCall(name, user_id=account.user_id, account_id=account.id),
        settings=settings,
        engine=engine,
        session_factory=factory,
    )


def last_run(session: Session) -> SyncRun:
    from sqlalchemy import select

    session.expire_all()
    return session.scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(1)).one()


def manual_sync_context(
    work: Session, settings: Settings, account: PlatformAccount, kind: SyncKind
) -> SyncContext:
    """A committed manual run of ``kind`` and its context in ``work``, for tests that drive
    a sync function directly (to kill it between pages)."""
    acct = accounts.get_account(work, account.user_id, account.id)
    run = start_run(
        work,
        user_id=acct.user_id,
        provider=acct.provider,
        kind=kind,
        trigger=SyncTrigger.MANUAL,
        platform_account_id=acct.id,
    )
    work.commit()
    return SyncContext(
        work, settings, acct, run, accounts.read_credentials(settings, acct), work.commit
    )
