"""Gmail email sync: a first (full) sync of a fake mailbox served over HTTP by the fake
Google (``python -m tests.fakes.google --bulk N``, its own process), through the real job
wrapper.

- 100k messages with no latency and the quota out of the way: target < 60 s.
- The per-user quota enforced by the fake (250 units/s, 429 beyond) and respected by the
  client: a smaller mailbox (so the run takes about half a minute), compared with the
  quota floor = the run's quota units / 250 (getProfile 1 + sendAs.list 1 + messages.list
  5 per page + messages.get 5 per message + history.list 2); target within 10 % of it.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from tests.fakes.google.state import ALL_SCOPES, FakeGoogle

from bench.registry import BenchContext, Row, drop_bench_user, register
from pingcrm.accounts import service as accounts
from pingcrm.config import Settings, load_settings
from pingcrm.models import Provider, SyncRun
from pingcrm.platform_accounts import service as platform_accounts
from pingcrm.worker.context import JobCall
from pingcrm.worker.execute import execute

FULL_MESSAGES = 100_000
FULL_TARGET_S = 60.0
QUOTA_MESSAGES = 1_500
QUOTA_UNITS = 250.0
QUOTA_MARGIN = 1.10
ME = "bench.mailbox@gmail.com"


@contextmanager
def _fake_google(messages: int, quota: float | None) -> Iterator[tuple[str, str]]:
    """The fake Google in its own process (so its CPU is not the sync's): its base URL
    and a refresh token of the benchmark mailbox."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    root = Path(__file__).resolve().parents[1]
    command = [sys.executable, "-m", "tests.fakes.google", "--port", str(port)]
    command += ["--bulk", str(messages), "--quota", str(quota or 0)]
    child = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        token = json.loads(child.stdout.readline())["refresh_token"]
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx2.get(f"{base}/_fake/stats", timeout=2)
                break
            except httpx2.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield base, token
    finally:
        child.terminate()
        child.wait(timeout=30)


def _floor_seconds(messages: int) -> float:
    pages = -(-messages // Settings.model_fields["gmail_page_size"].default)
    units = 1 + 1 + 5 * pages + 5 * messages + 2
    return units / QUOTA_UNITS


def measure(
    engine: Engine,
    factory: sessionmaker[Session],
    database_url: str,
    messages: int,
    quota: float | None,
) -> tuple[float, SyncRun, int]:
    """Seconds of one first sync of a fresh account; its run; 429s the fake answered."""
    email = f"bench-gmail-{uuid.uuid4().hex[:8]}@example.com"
    with factory() as session:
        user = accounts.create_user(session, email, "bench-gmail-password")
        session.commit()
        user_id = user.id
    try:
        with _fake_google(messages, quota) as (url, token), tempfile.TemporaryDirectory() as tmp:
            settings = load_settings(
                data_dir=Path(tmp),
                database_url=database_url,
                google_quota_units_per_second=quota or 1e9,
                **FakeGoogle.settings_for(url),
                google_client_id=FakeGoogle().client_id,
                google_client_secret=FakeGoogle().client_secret,
            )
            with factory() as session:
                account = platform_accounts.connect(
                    session,
                    settings,
                    user_id=user_id,
                    provider=Provider.GMAIL,
                    external_id=ME,
                    credentials={"refresh_token": token},
                    scopes=" ".join(ALL_SCOPES),
                )
                session.commit()
                account_id = account.id
            started = time.perf_counter()
            execute(
                JobCall("google.email_sync", user_id=user_id, account_id=account_id),
                settings=settings,
                engine=engine,
                session_factory=factory,
            )
            elapsed = time.perf_counter() - started
            limited = int(httpx2.get(f"{url}/_fake/stats").json()["rate_limited"])
            with factory() as session:
                run = session.query(SyncRun).filter(SyncRun.user_id == user_id).one()
                session.expunge(run)
            return elapsed, run, limited
    finally:
        drop_bench_user(engine, factory, user_id)


def _run(ctx: BenchContext, messages: int, quota: float | None) -> tuple[float, SyncRun, int]:
    return measure(ctx.engine, ctx.session_factory, ctx.dataset.database_url, messages, quota)


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


def main() -> None:
    """``python -m bench.gmail [DATABASE_URL] [MESSAGES] [QUOTA]``: one first sync of a
    fresh account against an empty database (default: a temporary SQLite file, 100k
    messages, no quota)."""
    from pingcrm.db import make_engine, make_session_factory
    from pingcrm.migrate import upgrade

    url = (sys.argv[1] if len(sys.argv) > 1 else "") or f"sqlite:///{tempfile.mkdtemp()}/g.db"
    messages = int(sys.argv[2]) if len(sys.argv) > 2 else FULL_MESSAGES
    quota = float(sys.argv[3]) if len(sys.argv) > 3 else None
    engine = make_engine(url)
    upgrade(engine)
    elapsed, run, limited = measure(engine, make_session_factory(engine), url, messages, quota)
    print(
        f"{engine.dialect.name}: {messages} messages in {elapsed:.1f} s "
        f"({run.new_interactions} interactions, {run.status.value}, {limited} answers 429)"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
