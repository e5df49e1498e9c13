"""A Telegram sync killed with SIGKILL mid-run and restarted ends with exactly the data
of an uninterrupted run (the child process runs the real CLI against the fake gateway)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import Contact, ContactIdentifier, IdentifierKind, Interaction
from tests.fakes.telegram import FakeTelegram, use_world
from tests.fixtures.builders import create_user
from tests.telegram.fake_account import GATEWAY, PHONE, connect, run_sync, telegram_settings

CHATS = [
    {"id": 2000 + i, "first": f"Person{i}", "username": f"p{i}", "messages": 30 + i * 7, "read": 40}
    for i in range(8)
]


def _snapshot(session: Session, user_id: int) -> dict[str, Any]:
    session.expire_all()
    ids = dict(
        session.execute(
            select(ContactIdentifier.contact_id, ContactIdentifier.value).where(
                ContactIdentifier.user_id == user_id,
                ContactIdentifier.kind == IdentifierKind.TELEGRAM_ID,
            )
        ).all()
    )
    interactions = sorted(
        (r.provider_id, ids[r.contact_id], r.direction.value, r.preview, r.is_read, r.occurred_at)
        for r in session.scalars(select(Interaction).where(Interaction.user_id == user_id))
    )
    contacts = sorted(
        (ids[c.id], c.full_name, c.interaction_count, c.last_interaction_at)
        for c in session.scalars(select(Contact).where(Contact.user_id == user_id))
    )
    return {"interactions": interactions, "contacts": contacts}


def _unblock_when_done(child: subprocess.Popen[bytes], fifo: Path) -> None:
    child.wait()
    with contextlib.suppress(OSError), open(fifo, "w"):
        pass


def test_a_sync_killed_with_sigkill_resumes_to_the_same_data(
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
    tmp_path: Path,
) -> None:
    configured = telegram_settings(settings, telegram_batch_size=25)
    fifo = tmp_path / "paused"
    os.mkfifo(fifo)
    spec = tmp_path / "world.json"
    spec.write_text(
        json.dumps(
            {
                "phone": PHONE,
                "chats": CHATS,
                "pause": {"method": "messages", "nth": 6, "fifo": str(fifo)},
            }
        )
    )
    world = FakeTelegram.from_spec(str(spec))
    world.pause = None
    killed_user = create_user(session, "killed@example.com")
    twin_user = create_user(session, "twin@example.com")
    with use_world(world):
        killed = connect(session, configured, world, killed_user.id)
        twin = connect(session, configured, world, twin_user.id)
    env = {
        **os.environ,
        "PINGCRM_DATABASE_URL": configured.resolved_database_url,
        "PINGCRM_DATA_DIR": str(configured.data_dir),
        "PINGCRM_SECRET_KEY": configured.secret_key,
        "PINGCRM_ENCRYPTION_KEYS": configured.encryption_keys,
        "PINGCRM_MCP_HMAC_SECRET": configured.mcp_hmac_secret,
        "PINGCRM_TELEGRAM_API_ID": "12345",
        "PINGCRM_TELEGRAM_API_HASH": "0123456789abcdef0123456789abcdef",
        "PINGCRM_TELEGRAM_GATEWAY": GATEWAY,
        "PINGCRM_TELEGRAM_BATCH_SIZE": "25",
        "PINGCRM_TELEGRAM_FAKE_WORLD": str(spec),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    pingcrm = str(Path(sys.executable).parent / "pingcrm")
    child = subprocess.Popen(
        [pingcrm, "sync", "telegram", "--user", "killed@example.com"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    # Should the child end before it pauses, open the FIFO's other end so the read below
    # returns at once (empty) instead of waiting forever.
    watchdog = threading.Thread(target=_unblock_when_done, args=(child, fifo), daemon=True)
    watchdog.start()
    try:
        with open(fifo) as pipe:  # blocks until the child reaches the 6th page
            line = pipe.readline()
        assert line == "paused\n", child.communicate()[0].decode()
    finally:
        child.kill()  # SIGKILL mid-run
        output = child.communicate()[0].decode()

    partial = _snapshot(session, killed_user.id)
    total = sum(c["messages"] for c in CHATS)
    assert 0 < len(partial["interactions"]) < total, output

    later = FrozenClock(datetime.now(UTC) + timedelta(hours=2))
    with use_world(world), use_clock(later):
        run_sync(configured, engine, session_factory, killed)
        run_sync(configured, engine, session_factory, twin)
        again = run_sync(configured, engine, session_factory, killed)

    resumed = _snapshot(session, killed_user.id)
    assert resumed == _snapshot(session, twin_user.id)
    assert len(resumed["interactions"]) == total
    assert again.new_interactions == 0
