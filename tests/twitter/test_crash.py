"""A DM sync killed with SIGKILL half-way (after the token rotation was stored) and
restarted ends with exactly the data of an uninterrupted run, and the account is not
locked out by X's rotating refresh token."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import (
    Contact,
    ContactIdentifier,
    IdentifierKind,
    Interaction,
    PlatformAccount,
    RunStatus,
)
from pingcrm.platform_accounts import service as accounts
from pingcrm.worker.context import JobCall
from pingcrm.worker.execute import execute
from tests.fakes.server import serve_asgi
from tests.fakes.twitter.app import build_app
from tests.fakes.twitter.state import FakeX
from tests.fixtures.builders import create_user
from tests.twitter.conftest import ME, connect_x, x_settings

EVENTS = 45


def _account(x: FakeX) -> None:
    x.add_user(ME, "me_on_x", "Me")
    now = datetime.now(UTC)
    for p in range(12):
        x.add_user(str(2000 + p), f"p{p}", f"Person {p}", f"Bio {p}")
    for i in range(EVENTS):
        other = str(2000 + i % 12)
        if i % 3 == 0:
            x.add_dm(ME, ME, f"sent {i}", now - timedelta(hours=i + 1), to=other)
        else:
            x.add_dm(ME, other, f"got {i}", now - timedelta(hours=i + 1))


def _snapshot(session: Session, user_id: int) -> dict[str, Any]:
    session.expire_all()
    x_ids = dict(
        session.execute(
            select(ContactIdentifier.contact_id, ContactIdentifier.value).where(
                ContactIdentifier.user_id == user_id,
                ContactIdentifier.kind == IdentifierKind.TWITTER_ID,
            )
        ).all()
    )
    interactions = sorted(
        (
            row.provider_id.split(":")[1],
            x_ids[row.contact_id],
            row.direction.value,
            row.preview,
            row.thread_id,
            row.occurred_at,
        )
        for row in session.scalars(select(Interaction).where(Interaction.user_id == user_id))
    )
    contacts = {
        (x_ids[c.id], c.full_name, c.twitter_bio, c.interaction_count, c.last_interaction_at)
        for c in session.scalars(select(Contact).where(Contact.user_id == user_id))
    }
    return {"interactions": interactions, "contacts": contacts}


def test_a_dm_sync_killed_with_sigkill_resumes_to_the_same_data(
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    x = FakeX()
    _account(x)
    with serve_asgi(build_app(x)) as url:
        configured = x_settings(settings, x, url, x_page_size=4)
        killed_user = create_user(session, "killed@example.com")
        twin_user = create_user(session, "twin@example.com")
        killed = connect_x(session, configured, x, killed_user.id)
        twin = connect_x(session, configured, x, twin_user.id)
        before = accounts.read_credentials(configured, killed)["refresh_token"]
        reached, release = x.pause_at("dm_events", 8)
        env = {
            **os.environ,
            "PINGCRM_DATABASE_URL": configured.resolved_database_url,
            "PINGCRM_DATA_DIR": str(configured.data_dir),
            "PINGCRM_SECRET_KEY": configured.secret_key,
            "PINGCRM_ENCRYPTION_KEYS": configured.encryption_keys,
            "PINGCRM_MCP_HMAC_SECRET": configured.mcp_hmac_secret,
            "PINGCRM_X_PAGE_SIZE": "4",
            **{f"PINGCRM_{k.upper()}": str(v) for k, v in x.client_settings(url).items()},
        }
        pingcrm = str(Path(sys.executable).parent / "pingcrm")
        child = subprocess.Popen(
            [pingcrm, "sync", "twitter", "--user", "killed@example.com", "--kind", "dms"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            if not reached.wait(timeout=60):
                child.kill()
                raise AssertionError(child.communicate()[0].decode())
            child.kill()  # SIGKILL while it waits for a page of the second batch
            child.wait()
        finally:
            release.set()

        partial = _snapshot(session, killed_user.id)
        assert 0 < len(partial["interactions"]) < EVENTS
        # The dead process had rotated the refresh token: the new one was stored at once.
        session.expire_all()
        stored = accounts.read_credentials(configured, session.get(PlatformAccount, killed.id))  # type: ignore[arg-type]
        assert stored["refresh_token"] != before
        assert stored["refresh_token"] in x.refresh_tokens

        later = FrozenClock(datetime.now(UTC) + timedelta(hours=1))
        with use_clock(later):
            for account in (killed, twin):
                execute(
                    JobCall("twitter.dms_sync", user_id=account.user_id, account_id=account.id),
                    settings=configured,
                    engine=engine,
                    session_factory=session_factory,
                )

    resumed = _snapshot(session, killed_user.id)
    uninterrupted = _snapshot(session, twin_user.id)
    assert len(uninterrupted["interactions"]) == EVENTS
    assert resumed == uninterrupted
    from pingcrm.models import SyncRun

    last = session.scalars(
        select(SyncRun).where(SyncRun.platform_account_id == killed.id).order_by(SyncRun.id.desc())
    ).first()
    assert last is not None
    assert last.status is RunStatus.SUCCESS
