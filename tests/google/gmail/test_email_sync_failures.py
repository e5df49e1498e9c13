"""Email sync when things go wrong: expired tokens, revoked grants, rate limits, a run
killed half-way, the per-user quota; and the DB round-trips of a big mailbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, func, select

from pingcrm.google.gmail.sync import PAGES_PER_BATCH
from pingcrm.models import Interaction, Notification, NotificationKind, PlatformAccount, RunStatus
from pingcrm.platform_accounts import service as accounts
from pingcrm.sync.badges import badge_for
from tests.google.gmail.conftest import ME, Gmail

NOW = datetime.now(UTC)


def _count(gmail: Gmail) -> int:
    gmail.session.expire_all()
    return gmail.session.scalar(select(func.count()).select_from(Interaction)) or 0


def _fill(gmail: Gmail, n: int, senders: int = 50) -> None:
    for i in range(n):
        gmail.google.add_message(
            ME,
            sender=f"Person {i % senders} <p{i % senders}@example.org>",
            to=[ME],
            subject=f"Message {i}",
            snippet="hello",
            at=NOW - timedelta(minutes=i + 1),
        )


def test_an_expired_access_token_is_refreshed_and_the_new_one_stored(gmail: Gmail) -> None:
    _fill(gmail, 2)
    gmail.sync()
    gmail.session.refresh(gmail.account)
    first = accounts.read_credentials(gmail.settings, gmail.account)["access_token"]
    gmail.google.expire_access_tokens()
    _fill(gmail, 1)

    run = gmail.sync()

    assert run.status is RunStatus.SUCCESS
    gmail.session.refresh(gmail.account)
    second = accounts.read_credentials(gmail.settings, gmail.account)["access_token"]
    assert second != first
    assert second in gmail.google.access_tokens
    assert second not in (gmail.account.credentials_encrypted or "")


def test_invalid_grant_sets_the_error_badge_and_notifies(gmail: Gmail) -> None:
    _fill(gmail, 1)
    gmail.google.invalidate_grants(ME)

    run = gmail.sync()

    assert run.status is RunStatus.FAILED
    account = gmail.session.get(PlatformAccount, gmail.account.id)
    assert account is not None
    gmail.session.refresh(account)
    badge = badge_for(account)
    assert badge.label == "Error"
    assert "7 days" in (badge.error or "")
    note = gmail.session.scalars(select(Notification)).one()
    assert note.kind is NotificationKind.CONNECTION_ERROR
    assert "Reconnect" in note.body
    assert _count(gmail) == 0


def test_rate_limits_are_retried_with_backoff(gmail: Gmail) -> None:
    _fill(gmail, 30)
    g = gmail.google
    g.fail("messages.list", 429, retry_after=0, times=2)
    g.fail("messages.get", 403, reason="userRateLimitExceeded", retry_after=0, times=5)
    g.fail("profile", 503, retry_after=0)

    run = gmail.sync()

    assert run.status is RunStatus.SUCCESS
    assert run.new_interactions == 30
    assert g.calls["messages.list"] >= 1


def test_a_run_killed_half_way_resumes_without_loss_or_duplicates(gmail: Gmail) -> None:
    page = 2
    gmail.settings = gmail.settings.model_copy(update={"gmail_page_size": page})
    _fill(gmail, 35)
    # Batches 1-2 commit, then the third batch's listing fails for good (a crash).
    fail_at = 2 * PAGES_PER_BATCH + 1
    committed = 2 * PAGES_PER_BATCH * page
    gmail.google.fail("messages.list", 400, times=1)
    gmail.google.calls.clear()
    original = gmail.google.take_failure
    pages = {"n": 0}

    def fail_on_third_batch(endpoint: str):  # type: ignore[no-untyped-def]
        if endpoint == "messages.list":
            pages["n"] += 1
            return original(endpoint) if pages["n"] == fail_at else None
        return original(endpoint)

    gmail.google.take_failure = fail_on_third_batch  # type: ignore[method-assign]

    killed = gmail.sync()

    assert killed.status is RunStatus.FAILED
    assert _count(gmail) == committed
    fetched_before = gmail.google.calls["messages.get"]
    assert fetched_before == committed

    resumed = gmail.sync()

    assert resumed.status is RunStatus.SUCCESS
    assert resumed.new_interactions == 35 - committed
    assert _count(gmail) == 35
    # The resumed run fetched only what the killed run had not.
    assert gmail.google.calls["messages.get"] - fetched_before == 35 - committed


def test_the_client_stays_under_the_per_user_quota(gmail: Gmail) -> None:
    quota = 2500.0
    gmail.settings = gmail.settings.model_copy(update={"google_quota_units_per_second": quota})
    gmail.google.enforce_quota(quota)
    _fill(gmail, 300)

    run = gmail.sync()

    assert run.status is RunStatus.SUCCESS
    assert run.new_interactions == 300
    assert gmail.google.rate_limited == 0
    assert gmail.google.units_used[ME] >= 300 * 5


def test_a_10k_mailbox_syncs_with_a_bounded_number_of_statements(gmail: Gmail) -> None:
    # Quota out of the way: this measures the database side.
    gmail.settings = gmail.settings.model_copy(update={"google_quota_units_per_second": 1e9})
    _fill(gmail, 10_000, senders=2_000)
    statements = {"n": 0}

    def count(*_args: object) -> None:
        statements["n"] += 1

    event.listen(gmail.engine, "before_cursor_execute", count)
    try:
        run = gmail.sync()
    finally:
        event.remove(gmail.engine, "before_cursor_execute", count)

    assert run.status is RunStatus.SUCCESS
    assert run.new_interactions == 10_000
    assert run.new_contacts == 2_000
    pages = 10_000 // gmail.settings.gmail_page_size
    # A fixed number per page (contacts, interactions, counters, checkpoint, run), never
    # one per message: 10,000 messages in about 300 statements (measured 291).
    assert statements["n"] < 20 * pages + 60, statements["n"]
