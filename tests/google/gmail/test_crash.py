"""A first sync killed with SIGKILL half-way and restarted ends with exactly the data of
an uninterrupted run (quality.md, crash safety)."""

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
from pingcrm.google.gmail.sync import PAGES_PER_BATCH
from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import Contact, ContactIdentifier, IdentifierKind, Interaction
from tests.fakes.google.state import FakeGoogle
from tests.fixtures.builders import create_user
from tests.google.fake_account import connect, google_settings, run_job, served

ME = "me@gmail.com"
MESSAGES = 45
PAGE_SIZE = 2
# The look-ahead thread lists the third batch only once the first one is committed: the
# kill then lands after some but not all of the mailbox was written.
PAUSE_AT_LIST_CALL = 2 * PAGES_PER_BATCH + 1


def _mailbox(google: FakeGoogle) -> None:
    now = datetime.now(UTC)
    google.add_account(ME, aliases=["me@work.example"])
    for i in range(MESSAGES):
        person = f"Person {i % 12} <p{i % 12}@example.org>"
        outbound = i % 3 == 0
        google.add_message(
            ME,
            sender="me@work.example" if outbound else person,
            to=[person, "q@example.org"] if outbound else [ME],
            subject=f"Subject {i}",
            snippet=f"snippet {i}",
            at=now - timedelta(hours=i + 1),
            thread_id=f"t{i // 4}",
        )
    google.add_message(ME, sender="noreply@shop.example", to=[ME], subject="Receipt")


def _snapshot(session: Session, user_id: int) -> dict[str, Any]:
    session.expire_all()
    emails = dict(
        session.execute(
            select(ContactIdentifier.contact_id, ContactIdentifier.value).where(
                ContactIdentifier.user_id == user_id,
                ContactIdentifier.kind == IdentifierKind.EMAIL,
            )
        ).all()
    )
    interactions = sorted(
        (
            row.provider_id.split(":")[0],
            emails[row.contact_id],
            row.direction.value,
            row.subject,
            row.preview,
            row.thread_id,
            row.occurred_at,
        )
        for row in session.scalars(select(Interaction).where(Interaction.user_id == user_id))
    )
    contacts = {
        (emails[c.id], c.full_name, c.interaction_count, c.last_interaction_at)
        for c in session.scalars(select(Contact).where(Contact.user_id == user_id))
    }
    return {"interactions": interactions, "contacts": contacts}


def test_a_sync_killed_with_sigkill_resumes_to_the_same_data_as_an_uninterrupted_run(
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    google = FakeGoogle()
    _mailbox(google)
    with served(google) as url:
        configured = google_settings(settings, google, url, gmail_page_size=PAGE_SIZE)
        killed_user = create_user(session, "killed@example.com")
        twin_user = create_user(session, "twin@example.com")
        killed = connect(session, configured, google, killed_user.id, ME)
        twin = connect(session, configured, google, twin_user.id, ME)
        reached, release = google.pause_at("messages.list", PAUSE_AT_LIST_CALL)
        env = {
            **os.environ,
            "PINGCRM_DATABASE_URL": configured.resolved_database_url,
            "PINGCRM_DATA_DIR": str(configured.data_dir),
            "PINGCRM_SECRET_KEY": configured.secret_key,
            "PINGCRM_ENCRYPTION_KEYS": configured.encryption_keys,
            "PINGCRM_MCP_HMAC_SECRET": configured.mcp_hmac_secret,
            "PINGCRM_GMAIL_PAGE_SIZE": str(PAGE_SIZE),
            **{f"PINGCRM_{k.upper()}": v for k, v in google.client_settings(url).items()},
        }
        pingcrm = str(Path(sys.executable).parent / "pingcrm")
        child = subprocess.Popen(
            [pingcrm, "sync", "gmail", "--user", "killed@example.com"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            if not reached.wait(timeout=60):
                child.kill()
                raise AssertionError(child.communicate()[0].decode())
            child.kill()  # SIGKILL while it waits for a page of the third batch
            child.wait()
        finally:
            release.set()

        partial = _snapshot(session, killed_user.id)
        assert 0 < len(partial["interactions"]) < MESSAGES

        # Restarted later (the dead process's job lease has expired by then).
        later = FrozenClock(datetime.now(UTC) + timedelta(hours=1))
        with use_clock(later):
            run_job("google.email_sync", configured, engine, session_factory, killed)
            run_job("google.email_sync", configured, engine, session_factory, twin)

    resumed = _snapshot(session, killed_user.id)
    uninterrupted = _snapshot(session, twin_user.id)
    assert len(uninterrupted["interactions"]) >= MESSAGES
    assert resumed == uninterrupted
