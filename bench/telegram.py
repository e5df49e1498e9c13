"""Telegram chat sync: 200 chats / 100k messages through the fake gateway, via the real
job wrapper; prints the time and the SQL statements sent.

``python -m bench.telegram [DATABASE_URL]`` (default: a temporary SQLite file). Target:
< 60 s, and statements growing with batches, not with messages.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, event
from tests.fakes.telegram import FakeTelegram, use_world, user

from pingcrm.accounts import service as accounts
from pingcrm.config import load_settings
from pingcrm.db import make_engine, make_session_factory
from pingcrm.migrate import upgrade
from pingcrm.models import Provider
from pingcrm.platform_accounts import service as platform_accounts
from pingcrm.worker.context import JobCall
from pingcrm.worker.execute import execute

CHATS = int(__import__("os").environ.get("TG_BENCH_CHATS", "200"))
PER_CHAT = 500
PHONE = "+447700900123"


def main(url: str | None) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="tg-bench-"))
    if url and url.startswith("postgresql"):
        base = url.rsplit("/", 1)[0]
        name = f"tg_bench_{int(time.time())}"
        admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        admin.dispose()
        url = f"{base}/{name}"
    admin_url = None
    if url and url.startswith("postgresql"):
        admin_url = f"{url.rsplit('/', 1)[0]}/postgres"
    database_url = url or f"sqlite:///{data_dir / 'bench.db'}"
    settings = load_settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key="bench-secret-key-" + "x" * 32,
        encryption_keys="u1yI1C7l8m3rhSn6bxk6mQ6jU6QlfvI9ovwlN8QZ2pA=",
        mcp_hmac_secret="bench-mcp-secret-" + "y" * 32,
        telegram_api_id=1,
        telegram_api_hash="fake",
        telegram_gateway="tests.fakes.telegram:FakeGateway",
    )
    engine = make_engine(database_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    world = FakeTelegram()
    world.add_account(PHONE, 1000)
    for i in range(CHATS):
        peer = user(10_000 + i, f"Person{i}", username=f"person{i}", phone=f"4477009{i:05d}")
        world.add_chat(PHONE, peer, read_outbox_max_id=PER_CHAT // 2)
        world.add_messages(PHONE, peer.id, PER_CHAT)
        world.accounts[PHONE].bios[peer.id] = f"Engineer number {i}"
    with factory() as session:
        owner = accounts.create_user(session, "bench@example.com", "bench-password-123")
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

    event.listen(engine, "before_cursor_execute", count)
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
            elapsed = time.perf_counter() - started
            # CPU of this process (the sync and the fake gateway, not the database
            # server): on a loaded machine, closer to the unloaded time than the wall.
            cpu = time.process_time() - cpu
            print(
                f"{engine.dialect.name} {label}: {CHATS} chats / {CHATS * PER_CHAT} messages "
                f"in {elapsed:.1f} s ({cpu:.1f} s CPU), {statements} SQL statements, "
                f"{world.count('messages')} message fetches so far"
            )
    engine.dispose()
    if admin_url:  # the benchmark's own database goes away again
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE {database_url.rsplit('/', 1)[1]}")
        admin.dispose()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
