"""Gmail email sync: a first (full) sync of a fake mailbox served over HTTP by the fake
Google (``tests/fakes/google``), through the real job wrapper.

- 100k messages with no latency and the quota out of the way: target < 60 s.
- The per-user quota enforced by the fake (250 units/s, 429 beyond) and respected by the
  client: a smaller mailbox (so the run takes about half a minute), compared with the
  quota floor = the run's quota units / 250 (getProfile 1 + sendAs.list 1 + messages.list
  5 per page + messages.get 5 per message + history.list 2); target within 10 % of it.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete
from tests.fakes.google.state import ALL_SCOPES, FakeGoogle
from tests.fakes.server import serve_asgi

from bench.registry import BenchContext, Row, register
from pingcrm.accounts import service as accounts
from pingcrm.config import Settings, load_settings
from pingcrm.models import Provider, SyncRun, User
from pingcrm.platform_accounts import service as platform_accounts
from pingcrm.worker.context import JobCall
from pingcrm.worker.execute import execute

FULL_MESSAGES = 100_000
FULL_TARGET_S = 60.0
QUOTA_MESSAGES = 1_500
QUOTA_UNITS = 250.0
QUOTA_MARGIN = 1.10
ME = "bench.mailbox@gmail.com"


def _mailbox(messages: int) -> FakeGoogle:
    """A mailbox of ``messages`` over the last year from 5,000 people, a third sent."""
    google = FakeGoogle()
    google.add_account(ME)
    now = datetime.now(UTC)
    for i in range(messages):
        person = f"Person {i % 5000} <person{i % 5000}@example{i % 97}.org>"
        sent = i % 3 == 0
        google.add_message(
            ME,
            sender=ME if sent else person,
            to=[person] if sent else [ME],
            subject=f"Subject {i}",
            snippet="A short snippet of the message body",
            at=now - timedelta(minutes=5 * i + 1),
            labels=["SENT"] if sent else ["INBOX"],
        )
    return google


def _floor_seconds(messages: int) -> float:
    pages = -(-messages // Settings.model_fields["gmail_page_size"].default)
    units = 1 + 1 + 5 * pages + 5 * messages + 2
    return units / QUOTA_UNITS


def _run(ctx: BenchContext, messages: int, quota: float | None) -> tuple[float, SyncRun, int]:
    """Seconds of one first sync of a fresh account; its run; 429s the fake answered."""
    google = _mailbox(messages)
    if quota is not None:
        google.enforce_quota(quota)
    email = f"bench-gmail-{uuid.uuid4().hex[:8]}@example.com"
    with ctx.session_factory() as session:
        user = accounts.create_user(session, email, "bench-gmail-password")
        session.commit()
        user_id = user.id
    try:
        with serve_asgi(_app(google)) as url, tempfile.TemporaryDirectory() as tmp:
            settings = load_settings(
                data_dir=Path(tmp),
                database_url=ctx.dataset.database_url,
                google_quota_units_per_second=quota or 1e9,
                **google.client_settings(url),
            )
            tokens = google.issue_tokens(ME, list(ALL_SCOPES), refresh=True)
            with ctx.session_factory() as session:
                account = platform_accounts.connect(
                    session,
                    settings,
                    user_id=user_id,
                    provider=Provider.GMAIL,
                    external_id=ME,
                    credentials={"refresh_token": tokens["refresh_token"]},
                    scopes=" ".join(ALL_SCOPES),
                )
                session.commit()
                account_id = account.id
            started = time.perf_counter()
            execute(
                JobCall("google.email_sync", user_id=user_id, account_id=account_id),
                settings=settings,
                engine=ctx.engine,
                session_factory=ctx.session_factory,
            )
            elapsed = time.perf_counter() - started
            with ctx.session_factory() as session:
                run = session.query(SyncRun).filter(SyncRun.user_id == user_id).one()
                session.expunge(run)
            return elapsed, run, google.rate_limited
    finally:
        with ctx.session_factory() as session:
            session.execute(delete(User).where(User.id == user_id))
            session.commit()


def _app(google: FakeGoogle):  # type: ignore[no-untyped-def]
    from tests.fakes.google.app import build_app

    return build_app(google)


@register("gmail sync")
def gmail_email_sync(ctx: BenchContext) -> list[Row]:
    """First sync of 100k messages (no quota), and of a smaller mailbox under the quota."""
    rows: list[Row] = []
    workload = f"Gmail first sync, {FULL_MESSAGES // 1000}k messages, no latency"
    target = f"< {FULL_TARGET_S:g} s"
    elapsed, run, _ = _run(ctx, FULL_MESSAGES, None)
    done = run.new_interactions == FULL_MESSAGES and run.status.value == "success"
    ok = elapsed < FULL_TARGET_S and done
    rows.append(
        Row(
            workload,
            ctx.backend,
            elapsed * 1000,
            None,
            target,
            f"{'yes' if ok else 'no'} ({elapsed:.1f} s, {FULL_MESSAGES / elapsed:,.0f} msg/s, "
            f"{run.new_interactions} interactions, {run.status.value})",
        )
    )
    floor = _floor_seconds(QUOTA_MESSAGES)
    workload = f"Gmail first sync, {QUOTA_MESSAGES:,} messages, quota {QUOTA_UNITS:g} units/s"
    target = f"< {QUOTA_MARGIN:.2f} x floor ({floor:.1f} s)"
    elapsed, run, limited = _run(ctx, QUOTA_MESSAGES, QUOTA_UNITS)
    done = run.new_interactions == QUOTA_MESSAGES and run.status.value == "success"
    ok = elapsed < QUOTA_MARGIN * floor and done
    rows.append(
        Row(
            workload,
            ctx.backend,
            elapsed * 1000,
            None,
            target,
            f"{'yes' if ok else 'no'} ({elapsed:.1f} s = {elapsed / floor:.2f} x floor, "
            f"{limited} answers 429)",
        )
    )
    return rows
