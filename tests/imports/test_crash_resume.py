"""A worker killed with SIGKILL in the middle of an import, then re-run, ends with
exactly the data of an uninterrupted run (contacts, identifiers, interactions, counts,
rejected rows)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.db import transaction
from pingcrm.imports import service as imports
from pingcrm.imports.tasks import import_call
from pingcrm.kit.clock import FrozenClock, use_clock, utcnow
from pingcrm.models import Contact, ContactIdentifier, Interaction, JobLease, RunStatus, SyncRun
from pingcrm.worker.execute import Outcome, execute
from tests.fixtures.builders import create_user, import_file

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pingcrm.config import load_settings
    from pingcrm.db import make_engine, make_session_factory
    from pingcrm.imports import service
    from pingcrm.imports.tasks import import_call
    from pingcrm.worker.execute import execute

    settings = load_settings()
    engine = make_engine(settings.resolved_database_url)
    service.BATCH_SIZE = 50
    service.COMMIT_BATCHES = 2
    original = service.upsert_contacts
    calls = 0

    def upsert_then_die(*args, **kwargs):
        global calls
        result = original(*args, **kwargs)
        calls += 1
        if calls == 3:  # batches commit in twos: the third is flushed, not committed
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    service.upsert_contacts = upsert_then_die
    execute(import_call(int(sys.argv[1]), int(sys.argv[2])), settings=settings,
            engine=engine, session_factory=make_session_factory(engine))
    """
)


def _write_connections(path: Path) -> None:
    lines = [
        "Notes:",
        '"Exported from LinkedIn"',
        "",
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
    ]
    for i in range(230):
        if i % 37 == 5:
            lines.append(",,,,,,")  # blank row
        elif i % 41 == 7:
            lines.append("Broken,Row,x,y,z,w,v,extra,fields")
        else:
            n = i % 180  # duplicates later in the file
            email = f"person{n}@corp{n % 7}.example" if n % 3 else ""
            lines.append(
                f"Person,Number{n},https://www.linkedin.com/in/person-{n},{email},"
                f"Corp {n % 7},Role {n % 5},{(n % 27) + 1:02d} Mar 2022"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _snapshot(session: Session, user_id: int) -> dict[str, Any]:
    contacts = session.execute(
        select(
            Contact.id, Contact.full_name, Contact.company, Contact.title, Contact.user_id
        ).where(Contact.user_id == user_id)
    ).all()
    idents = session.execute(
        select(ContactIdentifier.contact_id, ContactIdentifier.kind, ContactIdentifier.value).where(
            ContactIdentifier.user_id == user_id
        )
    ).all()
    by_contact: dict[int, set[tuple[str, str]]] = {}
    for contact_id, kind, value in idents:
        by_contact.setdefault(contact_id, set()).add((str(kind), value))
    people = sorted(
        (name, company or "", title or "", tuple(sorted(by_contact.get(cid, set()))))
        for cid, name, company, title, _u in contacts
    )
    interactions = sorted(
        (p, str(o))
        for p, o in session.execute(
            select(Interaction.provider_id, Interaction.occurred_at).where(
                Interaction.user_id == user_id
            )
        ).all()
    )
    return {"people": people, "interactions": interactions}


def _counts(run: SyncRun) -> tuple[int, ...]:
    return (run.new_contacts, run.updated_contacts, run.skipped, run.errors, run.new_interactions)


def test_sigkill_mid_import_then_rerun_matches_an_uninterrupted_run(
    session: Session,
    session_factory: sessionmaker[Session],
    engine: Engine,
    settings: Settings,
    database_url: str,
    tmp_path: Path,
) -> None:
    source = tmp_path / "Connections.csv"
    _write_connections(source)
    crashed_user = create_user(session, "crash@example.com")
    clean_user = create_user(session, "clean@example.com")

    with source.open("rb") as handle:
        path = imports.save_upload(settings, handle, "Connections.csv")
    with transaction(session_factory) as tx:
        run_id = imports.create_import(tx, settings, crashed_user.id, path, "Connections.csv").id

    env = {
        **os.environ,
        "PINGCRM_DATABASE_URL": database_url,
        "PINGCRM_DATA_DIR": str(settings.data_dir),
        "PINGCRM_SECRET_KEY": settings.secret_key,
        "PINGCRM_ENCRYPTION_KEYS": settings.encryption_keys,
        "PINGCRM_MCP_HMAC_SECRET": settings.mcp_hmac_secret,
    }
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(crashed_user.id), str(run_id)],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert child.returncode == -9, child.stderr.decode()[-2000:]

    # Two batches were committed with their checkpoint; the third is gone entirely.
    with session_factory() as check:
        crashed = check.get(SyncRun, run_id)
        assert crashed is not None
        assert crashed.status is RunStatus.RUNNING
        assert crashed.progress_done == 100
        assert (crashed.details or {})["rows_done"] == 100
        lease = check.execute(select(JobLease)).scalar_one()

    # A re-run while the dead worker's lease is unexpired is skipped…
    again = execute(
        import_call(crashed_user.id, run_id),
        settings=settings,
        engine=engine,
        session_factory=session_factory,
    )
    assert again.outcome is Outcome.SKIPPED
    # …and once the lease has expired it resumes and finishes.
    with use_clock(FrozenClock(lease.expires_at + timedelta(seconds=1))):
        assert utcnow() > lease.expires_at
        resumed = execute(
            import_call(crashed_user.id, run_id),
            settings=settings,
            engine=engine,
            session_factory=session_factory,
        )
    assert resumed.outcome is Outcome.SUCCESS

    clean = import_file(session_factory, settings, clean_user, source, batch_size=50)
    with session_factory() as check:
        finished = imports.get_import(check, crashed_user.id, run_id)
        assert finished.status is RunStatus.PARTIAL
        assert _counts(finished) == _counts(clean)
        assert _snapshot(check, crashed_user.id) == _snapshot(check, clean_user.id)
        expected_people = {i % 180 for i in range(230) if i % 37 != 5 and i % 41 != 7}
        assert len(_snapshot(check, crashed_user.id)["people"]) == len(expected_people)
    crashed_rejects = imports.rejected_path(settings, finished).read_text(encoding="utf-8")
    clean_rejects = imports.rejected_path(settings, clean).read_text(encoding="utf-8")
    assert crashed_rejects == clean_rejects
    assert crashed_rejects.count("has 9 fields but the header has 7") == clean.errors
