"""The sync framework around a provider: history record, batched commits with the
checkpoint, retries honouring Retry-After, the rate gate, auth errors → Error badge and a
notification, success → notification with counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.contacts.ingest import ContactInput, upsert_contacts
from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import (
    IdentifierKind,
    Notification,
    NotificationKind,
    PlatformAccount,
    Provider,
    RunStatus,
    SyncKind,
    SyncRun,
    SyncTrigger,
)
from pingcrm.platform_accounts import service as accounts
from pingcrm.sync import checkpoints
from pingcrm.sync.badges import badge_for
from pingcrm.sync.engine import run_account_sync
from pingcrm.sync.errors import ProviderAuthError, ProviderRateLimited, ProviderTransientError
from pingcrm.sync.provider import SyncContext
from pingcrm.sync.tasks import resume_deferred
from pingcrm.worker.context import JobCall, JobContext
from pingcrm.worker.execute import execute
from pingcrm.worker.registry import job
from tests.fixtures.builders import create_user
from tests.fixtures.jobs import JobsForTest

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PAGES = [["Ann", "Ben"], ["Cat"], ["Dan", "Eve"]]


class FakeProvider:
    """Three pages of contacts; a script of failures to raise along the way."""

    provider = Provider.TWITTER
    kinds = (SyncKind.DMS,)
    failures: list[Exception | None] = []
    seen_tokens: list[str] = []

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def sync(self, ctx: SyncContext, kind: SyncKind) -> None:
        FakeProvider.seen_tokens.append(ctx.credentials["token"])
        start = int(checkpoints.load(ctx.session, ctx.account.id, "page") or 0)
        for number in range(start, len(PAGES)):
            if FakeProvider.failures:
                failure = FakeProvider.failures.pop(0)
                if failure is not None:
                    raise failure
            rows = [
                ContactInput(
                    full_name=name,
                    identifiers=[(IdentifierKind.TWITTER_HANDLE, name.lower(), None)],
                )
                for name in PAGES[number]
            ]
            result = upsert_contacts(ctx.session, ctx.account.user_id, rows, source="twitter")
            ctx.counts.new_contacts += result.created
            checkpoints.save(ctx.session, ctx.account.id, "page", str(number + 1))
            ctx.commit()


@pytest.fixture
def fake_provider() -> type[FakeProvider]:
    FakeProvider.failures = []
    FakeProvider.seen_tokens = []
    return FakeProvider


@pytest.fixture
def account(session: Session, settings: Settings) -> PlatformAccount:
    user = create_user(session)
    account = accounts.connect(
        session,
        settings,
        user_id=user.id,
        provider=Provider.TWITTER,
        external_id="@ada",
        credentials={"token": "secret-token-123"},
    )
    session.commit()
    return account


def _sync(
    registry: JobsForTest,
    settings: Settings,
    engine: Engine,
    factory: sessionmaker[Session],
    account: PlatformAccount,
    sleep: Callable[[float], None],
) -> None:
    @registry.add
    @job("test.twitter_dms")
    def twitter_dms(ctx: JobContext) -> None:
        run_account_sync(ctx, SyncKind.DMS, FakeProvider, sleep=sleep)

    execute(
        JobCall("test.twitter_dms", user_id=account.user_id, account_id=account.id),
        settings=settings,
        engine=engine,
        session_factory=factory,
    )


def _run(session: Session) -> SyncRun:
    session.expire_all()
    return session.execute(select(SyncRun)).scalar_one()


def test_a_successful_sync_writes_history_checkpoint_and_notifies(
    registry: JobsForTest,
    fake_provider: type[FakeProvider],
    account: PlatformAccount,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    with use_clock(FrozenClock(NOW)):
        _sync(registry, settings, engine, session_factory, account, lambda _s: None)

    run = _run(session)
    assert (run.status, run.kind, run.trigger) == (
        RunStatus.SUCCESS,
        SyncKind.DMS,
        SyncTrigger.MANUAL,
    )
    assert run.new_contacts == 5
    assert run.finished_at == NOW
    assert checkpoints.load(session, account.id, "page") == "3"
    assert fake_provider.seen_tokens == ["secret-token-123"]
    note = session.execute(select(Notification)).scalar_one()
    assert note.kind is NotificationKind.SYNC_FINISHED
    assert note.title == "Twitter DMs sync finished"
    assert "5 new contacts" in note.body
    refreshed = session.get(PlatformAccount, account.id)
    assert refreshed is not None
    assert refreshed.last_synced_at == NOW
    assert badge_for(refreshed).label == "Connected"


def test_transient_errors_are_retried_honouring_retry_after_and_resume_from_checkpoint(
    registry: JobsForTest,
    fake_provider: type[FakeProvider],
    account: PlatformAccount,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    # Page 1 commits, then a 429 with Retry-After: 42, then a 503 without one.
    fake_provider.failures = [
        None,
        ProviderTransientError("429 Too Many Requests", retry_after=42),
        ProviderTransientError("503 Service Unavailable"),
    ]
    clock = FrozenClock(NOW)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(timedelta(seconds=seconds))

    with use_clock(clock):
        _sync(registry, settings, engine, session_factory, account, sleep)

    run = _run(session)
    assert run.status is RunStatus.SUCCESS
    assert run.new_contacts == 5  # nothing twice: later attempts resumed at the checkpoint
    # Retry-After: 42 was honoured; the 503 backed off exponentially (2 s) plus jitter.
    assert sleeps[0] == 42
    assert 2 <= sleeps[1] <= 3
    assert len(sleeps) == 2  # the gate was already open again when the retry came
    gate = session.get(PlatformAccount, account.id)
    assert gate is not None
    assert gate.rate_limited_until == NOW + timedelta(seconds=42)


def test_a_rate_limit_defers_the_run_without_sleeping_and_it_resumes_after_the_wait(
    registry: JobsForTest,
    fake_provider: type[FakeProvider],
    account: PlatformAccount,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    # Page 1 commits, then X says: no more requests for 15 minutes.
    fake_provider.failures = [None, ProviderRateLimited("X rate limit reached", retry_after=900)]
    clock = FrozenClock(NOW)
    sleeps: list[float] = []
    registry.add(resume_deferred)
    with use_clock(clock):
        _sync(registry, settings, engine, session_factory, account, sleeps.append)

        run = _run(session)
        assert sleeps == []  # no worker waited
        assert run.status is RunStatus.DEFERRED
        assert run.new_contacts == 2  # the committed page is kept
        assert run.error_text == (
            "X rate limit reached. The sync continues by itself at 09:15 UTC."
        )
        gate = session.get(PlatformAccount, account.id)
        assert gate is not None
        assert gate.rate_limited_until == NOW + timedelta(minutes=15)

        # Before the wait is over the resume job starts nothing; after it, the sync ends.
        call = JobCall("sync.resume_deferred")
        execute(call, settings=settings, engine=engine, session_factory=session_factory)
        session.expire_all()
        assert len(session.execute(select(SyncRun)).scalars().all()) == 1
        clock.advance(timedelta(minutes=15, seconds=1))
        execute(call, settings=settings, engine=engine, session_factory=session_factory)

    session.expire_all()
    runs = session.execute(select(SyncRun).order_by(SyncRun.id)).scalars().all()
    assert [r.status for r in runs] == [RunStatus.DEFERRED, RunStatus.SUCCESS]
    assert runs[1].new_contacts == 3  # resumed at the checkpoint: Cat, Dan, Eve
    assert sleeps == []


def test_an_auth_error_stops_the_run_sets_error_badge_and_notifies(
    registry: JobsForTest,
    fake_provider: type[FakeProvider],
    account: PlatformAccount,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    fake_provider.failures = [None, ProviderAuthError("The refresh token was revoked.")]
    _sync(registry, settings, engine, session_factory, account, lambda _s: None)

    run = _run(session)
    assert run.status is RunStatus.FAILED
    assert run.error_text == "The refresh token was revoked."
    refreshed = session.get(PlatformAccount, account.id)
    assert refreshed is not None
    badge = badge_for(refreshed)
    assert (badge.label, badge.error) == ("Error", "The refresh token was revoked.")
    note = session.execute(select(Notification)).scalar_one()
    assert note.kind is NotificationKind.CONNECTION_ERROR
    assert "Reconnect" in note.body


def test_credentials_are_encrypted_at_rest(
    account: PlatformAccount, session: Session, engine: Engine
) -> None:
    with engine.connect() as conn:
        stored = conn.execute(select(PlatformAccount.credentials_encrypted)).scalar_one()
    assert "secret-token-123" not in stored
    assert stored.startswith("gAAAA")  # a Fernet token
