"""Telegram chat sync: 200 chats / 100k messages through the fake gateway, via the real
job wrapper, then a re-run (nothing new); the time and the SQL statements sent. Target:
< 60 s, and statements growing with batches, not with messages.

A row of ``make bench`` (``BENCH_ONLY="telegram sync"``); ``python -m bench.telegram
[DATABASE_URL]`` runs it alone (default: a temporary SQLite file; a PostgreSQL URL gets a
database of its own, dropped afterwards).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from tests.fakes.telegram import FakeTelegram, use_world, user

from bench.registry import BenchContext, Row, bench_settings, drop_bench_user, register
from pingcrm.accounts import service as accounts
from pingcrm.db import make_engine, make_session_factory
from pingcrm.migrate import upgrade
from pingcrm.models import Provider
from pingcrm.platform_accounts import service as platform_accounts
from pingcrm.worker.context import JobCall
from pingcrm.worker.execute import execute

CHATS = int(os.environ.get("TG_BENCH_CHATS", "200"))
PER_CHAT = 500
PHONE = "+447700900123"
TARGET_S = 60.0


def measure(
    engine: Engine, factory: sessionmaker[Session], database_url: str, data_dir: Path
) -> dict[str, dict[str, Any]]:
    """Seconds, CPU seconds and SQL statements of a first sync and a re-run of a fresh
    account (deleted afterwards)."""
    settings = bench_settings(
        data_dir,
        database_url,
        telegram_api_id=1,
        telegram_api_hash="fake",
        telegram_gateway="tests.fakes.telegram:FakeGateway",
    )
    world = FakeTelegram()
    world.add_account(PHONE, 1000)
    for i in range(CHATS):
        peer = user(10_000 + i, f"Person{i}", username=f"person{i}", phone=f"4477009{i:05d}")
        world.add_chat(PHONE, peer, read_outbox_max_id=PER_CHAT // 2)
        world.add_messages(PHONE, peer.id, PER_CHAT)
        world.accounts[PHONE].bios[peer.id] = f"Engineer number {i}"
    with factory() as session:
        owner = accounts.create_user(
            session, f"bench-tg-{uuid.uuid4().hex[:8]}@example.com", "bench-password-123"
        )
        account = platform_accounts.connect(
            session,
            settings,
            user_id=owner.id,
            provider=Provider.TELEGRAM,
            external_id=PHONE,
            credentials={"session": world.session_for(PHONE), "me_id": 1000},
        )
        session.commit()
        user_id, account_id = owner.id, account.id
    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    result: dict[str, dict[str, Any]] = {}
    event.listen(engine, "before_cursor_execute", count)
    try:
        with use_world(world):
            for label in ("first sync", "re-run"):
                statements = 0
                started, cpu = time.perf_counter(), time.process_time()
                execute(
                    JobCall("telegram.chats_sync", user_id=user_id, account_id=account_id),
                    settings=settings,
                    engine=engine,
                    session_factory=factory,
                )
                result[label] = {
                    "seconds": time.perf_counter() - started,
                    # CPU of this process (the sync and the fake gateway, not the database
                    # server): on a loaded machine, closer to the unloaded time.
                    "cpu_seconds": time.process_time() - cpu,
                    "statements": statements,
                    "fetches": world.count("messages"),
                }
    finally:
        event.remove(engine, "before_cursor_execute", count)
        drop_bench_user(engine, factory, user_id)
    return result


@register("telegram sync")
def telegram_sync(ctx: BenchContext) -> list[Row]:
    """First sync of 200 chats / 100k messages and a re-run, on the benchmark database."""
    with tempfile.TemporaryDirectory(prefix="pingcrm-tg-") as tmp:
        got = measure(ctx.engine, ctx.session_factory, ctx.dataset.database_url, Path(tmp))
    first = got["first sync"]
    detail = "; ".join(
        f"{label}: {v['seconds']:.1f} s ({v['cpu_seconds']:.1f} s CPU), {v['statements']} SQL"
        for label, v in got.items()
    )
    ok = first["seconds"] < TARGET_S
    return [
        Row(
            f"Telegram first sync, {CHATS} chats / {CHATS * PER_CHAT // 1000}k messages",
            ctx.backend,
            first["seconds"] * 1000,
            None,
            f"< {TARGET_S:g} s",
            f"{'yes' if ok else 'no'} ({detail})",
        )
    ]


def main(url: str | None) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="tg-bench-"))
    admin_url = None
    if url and url.startswith("postgresql"):
        base = url.rsplit("/", 1)[0]
        admin_url = f"{base}/postgres"
        name = f"tg_bench_{int(time.time())}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        admin.dispose()
        url = f"{base}/{name}"
    database_url = url or f"sqlite:///{data_dir / 'bench.db'}"
    engine = make_engine(database_url)
    upgrade(engine)
    try:
        got = measure(engine, make_session_factory(engine), database_url, data_dir)
        for label, v in got.items():
            print(
                f"{engine.dialect.name} {label}: {CHATS} chats / {CHATS * PER_CHAT} messages "
                f"in {v['seconds']:.1f} s ({v['cpu_seconds']:.1f} s CPU), {v['statements']} "
                f"SQL statements, {v['fetches']} message fetches so far"
            )
    finally:
        engine.dispose()
        if admin_url:  # the benchmark's own database goes away again
            admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE {database_url.rsplit('/', 1)[1]}")
            admin.dispose()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
