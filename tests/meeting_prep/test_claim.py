"""The once-per-event claim under real concurrency: two scans claiming the same meeting
at the same moment, in two threads and two database sessions; exactly one wins."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.meeting_prep import repository
from pingcrm.models import MeetingBrief
from tests.fixtures.builders import create_user

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
START = datetime(2026, 11, 2, 9, 35, tzinfo=UTC)


def test_two_concurrent_claims_one_winner(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    user = create_user(session)
    barrier = threading.Barrier(2)
    results: list[int | None] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def scan() -> None:
        try:
            with session_factory() as mine:
                barrier.wait(timeout=30)
                claimed = repository.claim_new(mine, user.id, "evt-1", START, NOW)
                mine.commit()
                with lock:
                    results.append(claimed)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(results) == 2
    assert sum(1 for r in results if r is not None) == 1
    rows = session.scalars(select(MeetingBrief)).all()
    assert [(r.event_id, r.status, r.attempts) for r in rows] == [("evt-1", "sending", 1)]


def test_a_failed_brief_is_retried_by_one_scan_only(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    user = create_user(session)
    brief_id = repository.claim_new(session, user.id, "evt-2", START, NOW)
    assert brief_id is not None
    repository.finish(session, brief_id, repository.FAILED, NOW, "Google answered 500")
    session.commit()
    with session_factory() as first, session_factory() as second:
        assert repository.claim_retry(first, brief_id, NOW) is True
        first.commit()
        assert repository.claim_retry(second, brief_id, NOW) is False
        second.commit()
    session.expire_all()
    row = session.get(MeetingBrief, brief_id)
    assert row is not None
    assert (row.status, row.attempts) == ("sending", 2)
