"""Rotating refresh tokens (stored in their own transaction the moment X issues them, so
a failed or killed run cannot lock the user out), 401 → one refresh, revoked grants →
Error + notification, and X's rate limits (429 and the remaining-calls header) end the run
for a later resume instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import Notification, NotificationKind, PlatformAccount, RunStatus
from pingcrm.platform_accounts import service as accounts
from pingcrm.sync.badges import badge_for
from tests.twitter.conftest import ME, XWorld

NOW = datetime.now(UTC)


def _stored(world: XWorld) -> dict[str, object]:
    with world.factory() as fresh:  # what a new process would read
        account = fresh.get(PlatformAccount, world.account.id)
        assert account is not None
        return accounts.read_credentials(world.settings, account)


def _dms(world: XWorld, count: int) -> None:
    world.x.add_user("2001", "grace", "Grace Hopper")
    for i in range(count):
        world.x.add_dm(ME, "2001", f"m{i}", NOW - timedelta(hours=count - i))


def test_the_refresh_token_rotates_and_the_new_one_is_stored(world: XWorld) -> None:
    original = _stored(world)["refresh_token"]
    _dms(world, 1)

    assert world.run("dms_sync").status is RunStatus.SUCCESS

    refreshes = [r for r in world.x.token_requests if r.get("grant_type") == "refresh_token"]
    assert [r["refresh_token"] for r in refreshes] == [original]
    stored = _stored(world)
    assert stored["refresh_token"] != original
    assert stored["refresh_token"] in world.x.refresh_tokens  # the live one
    assert original in world.x.used_refresh_tokens  # X no longer accepts it
    assert float(stored["expires_at"]) > datetime.now(UTC).timestamp() + 3600
    # Encrypted at rest: the token is nowhere in the row's stored text.
    raw = world.session.execute(
        select(PlatformAccount.credentials_encrypted).where(PlatformAccount.id == world.account.id)
    ).scalar_one()
    assert str(stored["refresh_token"]) not in raw


def test_a_run_failing_after_the_refresh_keeps_the_new_tokens(world: XWorld) -> None:
    _dms(world, 2)
    world.x.fail_next(
        "dm_events",
        400,
        {
            "title": "Invalid Request",
            "detail": "boom",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        },
    )

    failed = world.run("dms_sync")

    assert failed.status is RunStatus.FAILED
    # The run's transaction rolled back, the rotated pair had been committed on its own.
    assert _stored(world)["refresh_token"] in world.x.refresh_tokens
    retried = world.run("dms_sync")
    assert retried.status is RunStatus.SUCCESS
    assert retried.new_interactions == 2


def test_a_401_refreshes_once_and_retries(world: XWorld) -> None:
    _dms(world, 1)
    world.run("dms_sync")  # tokens fresh now
    world.x.expire_access_tokens()  # X retired the access token early
    world.x.add_dm(ME, "2001", "after expiry", NOW)

    run = world.run("dms_sync")

    assert run.status is RunStatus.SUCCESS
    assert run.new_interactions == 1
    assert len([r for r in world.x.token_requests if r["grant_type"] == "refresh_token"]) == 2


def test_a_revoked_grant_sets_error_and_notifies(world: XWorld) -> None:
    world.x.refresh_tokens.clear()  # the user revoked PingCRM at X

    run = world.run("mentions_sync")

    assert run.status is RunStatus.FAILED
    world.session.refresh(world.account)
    badge = badge_for(world.account)
    assert badge.state == "error"
    assert "Reconnect" in (badge.error or "")
    notes = world.session.scalars(select(Notification)).all()
    assert [n.kind for n in notes] == [NotificationKind.CONNECTION_ERROR]


def test_a_429_ends_the_run_and_closes_the_gate_until_the_reset(world: XWorld) -> None:
    world.settings = world.settings.model_copy(update={"x_page_size": 2})
    _dms(world, 5)
    reset = int(datetime.now(UTC).timestamp()) + 600  # the test's own time, not import time
    world.x.fail_next(
        "dm_events",
        429,
        {
            "title": "Too Many Requests",
            "detail": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
        },
        **{
            "x-rate-limit-limit": "15",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(reset),
        },
    )

    run = world.run("dms_sync")

    assert run.status is RunStatus.DEFERRED
    assert "rate limit" in (run.error_text or "")
    assert "continues by itself" in (run.error_text or "")
    assert world.x.calls["dm_events"] == 1  # no blind retries
    world.session.refresh(world.account)
    gate = world.account.rate_limited_until
    assert gate is not None
    assert abs(gate.replace(tzinfo=UTC).timestamp() - reset) < 5

    with use_clock(FrozenClock(datetime.fromtimestamp(reset + 1, UTC))):
        resumed = world.run("dms_sync")
    assert resumed.status is RunStatus.SUCCESS
    assert resumed.new_interactions == 5


def test_the_loop_stops_before_the_window_is_used_up_and_resumes_there(world: XWorld) -> None:
    world.settings = world.settings.model_copy(update={"x_page_size": 2})
    _dms(world, 7)
    world.x.limit("dm_events", 2)  # the reserve is 1 call: stop after the first page

    first = world.run("dms_sync")

    assert first.status is RunStatus.DEFERRED
    assert first.new_interactions == 2
    assert "rate limit" in (first.error_text or "")
    assert world.x.calls["dm_events"] == 1  # stopped with one call left, never hit 429
    world.session.refresh(world.account)
    assert world.account.rate_limited_until is not None

    world.x.reset_windows()
    world.x.limit("dm_events", 100)
    later = datetime.now(UTC) + timedelta(minutes=16)
    with use_clock(FrozenClock(later)):
        second = world.run("dms_sync")
    assert second.status is RunStatus.SUCCESS
    assert second.new_interactions == 5
    tokens = [q.get("pagination_token") for e, q in world.x.api_requests if e == "dm_events"]
    assert tokens[1]  # resumed at the committed page token, not from the top
    assert len(world.interactions()) == 7
