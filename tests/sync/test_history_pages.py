"""The Sync History dialog, the progress fragment and the Background jobs panel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import Provider, RunStatus, SyncKind, SyncTrigger
from pingcrm.sync.runs import finish_run, mark_running, note_error, start_run
from pingcrm.worker import repository
from tests.fixtures.builders import create_user, login

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _history(session: Session, user_id: int, count: int) -> list[int]:
    ids = []
    clock = FrozenClock(START)
    with use_clock(clock):
        for n in range(count):
            run = start_run(
                session,
                user_id=user_id,
                provider=Provider.GMAIL,
                kind=SyncKind.EMAIL,
                trigger=SyncTrigger.SCHEDULED,
            )
            run.new_interactions = n
            clock.advance(timedelta(seconds=90))
            if n == 3:
                finish_run(run, RunStatus.FAILED, "Gmail answered 500 three times.")
            else:
                finish_run(run, RunStatus.SUCCESS)
            clock.advance(timedelta(hours=6))
            ids.append(run.id)
    session.commit()
    return ids


def test_sync_history_lists_runs_newest_first_with_counts_errors_duration(
    client: TestClient, session: Session
) -> None:
    user = create_user(session)
    _history(session, user.id, 12)
    login(client)

    first = client.get("/settings/sync-history/gmail", headers={"HX-Request": "true"})
    assert first.status_code == 200
    text = first.text
    assert "Gmail sync history" in text
    assert text.index('">11 new interactions') < text.index('">10 new interactions')
    assert '">2 new interactions' in text
    assert '">1 new interactions' not in text  # 10 per page
    assert "Page 1 of 2" in text
    assert "1.5 min" not in text
    assert "1 min 30 s" in text

    second = client.get("/settings/sync-history/gmail?page=2")
    assert "Gmail answered 500 three times." not in second.text
    assert '">0 new interactions' in second.text
    assert '">1 new interactions' in second.text
    # The failed run (n=3) is on page 1 with its error.
    assert "Gmail answered 500 three times." in text
    assert client.get("/settings/sync-history/telegram").text.count("No syncs yet.") == 1
    assert client.get("/settings/sync-history/nope").status_code == 404


def test_another_users_history_and_progress_are_invisible(
    client: TestClient, session: Session
) -> None:
    ada = create_user(session, "ada@example.com")
    create_user(session, "bob@example.com")
    [run_id] = _history(session, ada.id, 1)
    login(client, "bob@example.com")
    assert "No syncs yet." in client.get("/settings/sync-history/gmail").text
    assert client.get(f"/jobs/runs/{run_id}/progress").status_code == 404


def test_progress_fragment_polls_while_running(client: TestClient, session: Session) -> None:
    user = create_user(session)
    run = start_run(
        session,
        user_id=user.id,
        provider=Provider.GMAIL,
        kind=SyncKind.EMAIL,
        trigger=SyncTrigger.MANUAL,
    )
    run.new_interactions = 17
    run.progress_total = 200
    run.progress_done = 50
    session.commit()
    login(client)
    running = client.get(f"/jobs/runs/{run.id}/progress")
    assert "Syncing… 17 new interactions" in running.text
    assert 'value="25"' in running.text
    assert "every 2s" in running.text
    finish_run(run, RunStatus.SUCCESS)
    session.commit()
    done = client.get(f"/jobs/runs/{run.id}/progress")
    assert "every 2s" not in done.text
    assert "17 new interactions" in done.text


def test_background_jobs_panel_shows_last_tick_and_job_results(
    client: TestClient, session: Session, engine: object
) -> None:
    create_user(session)
    login(client)
    now = datetime.now(UTC)
    repository.beat(engine, "embedded", "embedded", now - timedelta(minutes=3))  # type: ignore[arg-type]
    panel = client.get("/settings/background-jobs").text
    assert "3 minutes ago" in panel
    assert "has not run" not in panel
    repository.beat(engine, "embedded", "embedded", now - timedelta(minutes=20))  # type: ignore[arg-type]
    stale = client.get("/settings/background-jobs").text
    assert "The scheduler has not run since" in stale
    api = client.get("/api/v1/jobs").json()["data"]
    assert api["runner"] == "inline"
    assert api["scheduler_stale"] is True
    assert "imports.run" in {job["name"] for job in api["jobs"]}


def test_a_red_banner_shows_on_every_page_when_the_scheduler_stopped(
    client: TestClient, session: Session, engine: object, settings: object
) -> None:
    from pingcrm.worker.embedded import EmbeddedRunner

    create_user(session)
    login(client)
    assert "Background jobs are not running" not in client.get("/settings").text  # inline
    app = client.app
    app.state.runner = EmbeddedRunner(  # type: ignore[attr-defined]
        settings,  # type: ignore[arg-type]
        engine,  # type: ignore[arg-type]
        app.state.session_factory,  # type: ignore[attr-defined]
    )
    try:
        repository.beat(engine, "embedded", "embedded", datetime.now(UTC))  # type: ignore[arg-type]
        assert "Background jobs are not running" not in client.get("/imports").text
        repository.beat(  # type: ignore[arg-type]
            engine, "embedded", "embedded", datetime.now(UTC) - timedelta(minutes=16)
        )
        for path in ("/imports", "/settings", "/notifications"):
            assert "Background jobs are not running" in client.get(path).text, path
    finally:
        app.state.runner.shutdown()  # type: ignore[attr-defined]


def test_a_partial_run_keeps_its_error_visible_in_sync_history(
    client: TestClient, session: Session
) -> None:
    """What went wrong in a run that still finished (partial) stays on it; a successful
    run, or one resumed, carries no old error."""
    user = create_user(session)
    with use_clock(FrozenClock(START)):
        partial = start_run(
            session,
            user_id=user.id,
            provider=Provider.GMAIL,
            kind=SyncKind.EMAIL,
            trigger=SyncTrigger.MANUAL,
        )
        partial.errors = 2
        note_error(partial, "2 messages could not be read.")
        note_error(partial, "2 messages could not be read.")  # said once
        finish_run(partial, RunStatus.PARTIAL)
        clean = start_run(
            session,
            user_id=user.id,
            provider=Provider.GMAIL,
            kind=SyncKind.CONTACTS,
            trigger=SyncTrigger.MANUAL,
        )
        note_error(clean, "A page was retried.")
        finish_run(clean, RunStatus.SUCCESS)
        resumed = start_run(
            session,
            user_id=user.id,
            provider=Provider.GMAIL,
            kind=SyncKind.CALENDAR,
            trigger=SyncTrigger.MANUAL,
        )
        finish_run(resumed, RunStatus.DEFERRED, "Waiting for Google. Continues at 09:00 UTC.")
        mark_running(resumed)
        finish_run(resumed, RunStatus.PARTIAL)
    session.commit()
    assert partial.error_text == "2 messages could not be read."
    assert clean.error_text is None
    assert resumed.error_text is None
    login(client)
    page = client.get("/settings/sync-history/gmail", headers={"HX-Request": "true"}).text
    assert page.count(">Partial</span>") == 2
    assert page.count("2 messages could not be read.") == 1
    assert "A page was retried." not in page
    assert "Continues at 09:00 UTC." not in page
