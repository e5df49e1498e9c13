"""X sync: a first DM sync of 50k events and a first mention sync of 10k mentions from
5,000 people, served over HTTP by the fake X (``python -m tests.fakes.twitter
--bulk-dms N --bulk-mentions M``, its own process), through the real job wrapper.
Target: both runs together < 30 s, with a bounded number of SQL statements (no N+1).

``python -m bench.twitter [DATABASE_URL]`` runs it alone against an empty database.
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
from typing import Any

import httpx2
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from bench.registry import BenchContext, Row, drop_bench_user, register
from pingcrm.accounts import service as accounts
from pingcrm.config import load_settings
from pingcrm.models import Provider, SyncRun
from pingcrm.platform_accounts import service as platform_accounts
from pingcrm.worker.context import JobCall
from pingcrm.worker.execute import execute

DMS = 50_000
MENTIONS = 10_000
TARGET_S = 30.0
ME = "1000"


@contextmanager
def _fake_x(dms: int, mentions: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """The fake X in its own process: its base URL and tokens of the benchmark account."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    root = Path(__file__).resolve().parents[1]
    command = [sys.executable, "-m", "tests.fakes.twitter", "--port", str(port)]
    command += ["--bulk-dms", str(dms), "--bulk-mentions", str(mentions)]
    child = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        tokens = json.loads(child.stdout.readline())
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
        yield base, tokens
    finally:
        child.terminate()
        child.wait(timeout=30)


def measure(
    engine: Engine, factory: sessionmaker[Session], database_url: str, dms: int, mentions: int
) -> dict[str, Any]:
    """Seconds and SQL statements of the DM and mention runs of a fresh account."""
    email = f"bench-x-{uuid.uuid4().hex[:8]}@example.com"
    with factory() as session:
        user = accounts.create_user(session, email, "bench-x-password")
        session.commit()
        user_id = user.id
    result: dict[str, Any] = {}
    try:
        with _fake_x(dms, mentions) as (url, tokens), tempfile.TemporaryDirectory() as tmp:
            settings = load_settings(
                data_dir=Path(tmp),
                database_url=database_url,
                x_client_id="fake-x-client",
                x_auth_url=f"{url}/i/oauth2/authorize",
                x_token_url=f"{url}/2/oauth2/token",
                x_revoke_url=f"{url}/2/oauth2/revoke",
                x_api_url=url,
                x_bio_batch=0,
            )
            with factory() as session:
                account = platform_accounts.connect(
                    session,
                    settings,
                    user_id=user_id,
                    provider=Provider.TWITTER,
                    external_id=ME,
                    credentials={**tokens, "expires_at": time.time() + 7000},
                    scopes=tokens["scope"],
                )
                session.commit()
                account_id = account.id
            for kind in ("dms", "mentions"):
                statements = {"n": 0}

                def count(*_args: object, _s: dict[str, int] = statements) -> None:
                    _s["n"] += 1

                event.listen(engine, "before_cursor_execute", count)
                started, cpu = time.perf_counter(), time.process_time()
                try:
                    execute(
                        JobCall(f"twitter.{kind}_sync", user_id=user_id, account_id=account_id),
                        settings=settings,
                        engine=engine,
                        session_factory=factory,
                    )
                finally:
                    event.remove(engine, "before_cursor_execute", count)
                elapsed = time.perf_counter() - started
                cpu = time.process_time() - cpu
                with factory() as session:
                    run = (
                        session.query(SyncRun)
                        .filter(SyncRun.user_id == user_id, SyncRun.kind == kind)
                        .one()
                    )
                    result[kind] = {
                        "seconds": elapsed,
                        # CPU of this process (the sync, not the fake or the database
                        # server): on a loaded machine, closer to the unloaded time.
                        "cpu_seconds": cpu,
                        "statements": statements["n"],
                        "status": run.status.value,
                        "interactions": run.new_interactions,
                        "contacts": run.new_contacts,
                    }
    finally:
        drop_bench_user(engine, factory, user_id)
    return result


@register("x sync")
def x_sync(ctx: BenchContext) -> list[Row]:
    """First DM sync (50k events) + first mention sync (10k) of a fresh account."""
    got = measure(ctx.engine, ctx.session_factory, ctx.dataset.database_url, DMS, MENTIONS)
    total = got["dms"]["seconds"] + got["mentions"]["seconds"]
    done = got["dms"]["interactions"] == DMS and got["mentions"]["interactions"] == MENTIONS
    ok = total < TARGET_S and done
    detail = ", ".join(
        f"{k}: {v['seconds']:.1f} s, {v['statements']} SQL, {v['interactions']} interactions"
        for k, v in got.items()
    )
    return [
        Row(
            f"X first sync, {DMS // 1000}k DMs + {MENTIONS // 1000}k mentions",
            ctx.backend,
            total * 1000,
            None,
            f"< {TARGET_S:g} s",
            f"{'yes' if ok else 'no'} ({detail})",
        )
    ]


def main() -> None:
    from pingcrm.db import make_engine, make_session_factory
    from pingcrm.migrate import upgrade

    url = (sys.argv[1] if len(sys.argv) > 1 else "") or f"sqlite:///{tempfile.mkdtemp()}/x.db"
    dms = int(sys.argv[2]) if len(sys.argv) > 2 else DMS
    mentions = int(sys.argv[3]) if len(sys.argv) > 3 else MENTIONS
    engine = make_engine(url)
    upgrade(engine)
    print(json.dumps(measure(engine, make_session_factory(engine), url, dms, mentions), indent=1))
    engine.dispose()


if __name__ == "__main__":
    main()
