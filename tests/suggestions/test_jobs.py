"""The scoring and suggestion jobs in the registry, run through the real job wrapper."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import Direction, Priority, Suggestion, SuggestionStatus
from pingcrm.worker.context import JobCall
from pingcrm.worker.execute import Outcome, execute
from pingcrm.worker.registry import Cron, Fanout, get_job
from tests.fixtures.builders import create_contact, create_interaction, create_user, stored_score

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def test_the_daily_and_hourly_jobs_are_scheduled() -> None:
    scores, generate, reactivate = (
        get_job(name)
        for name in ("scores.recompute", "suggestions.generate", "suggestions.reactivate")
    )
    assert (scores.schedule, scores.fanout) == (Cron(hour=3, minute=0), Fanout.USER)
    assert (generate.schedule, generate.fanout) == (Cron(hour=6, minute=0), Fanout.USER)
    assert reactivate.schedule == Cron(hour=None, minute=5)
    assert reactivate.schedule.describe() == "hourly at :05"


def test_jobs_score_then_suggest_then_reactivate(
    session: Session,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
) -> None:
    with use_clock(FrozenClock(NOW)) as clock:
        user = create_user(session)
        ada = create_contact(
            session, user, "Ada Lovelace", ["ada@example.com"], priority=Priority.HIGH
        )
        for days, direction in ((40, Direction.INBOUND), (41, Direction.OUTBOUND)):
            create_interaction(
                session, user, ada, direction=direction, occurred_at=NOW - timedelta(days=days)
            )

        def run(name: str) -> None:
            result = execute(
                JobCall(name, user_id=user.id, trigger="scheduled"),
                settings=settings,
                engine=engine,
                session_factory=session_factory,
            )
            assert result.outcome is Outcome.SUCCESS, result.error

        run("scores.recompute")
        run("suggestions.generate")
        session.expire_all()
        assert stored_score(session, ada.id).score > 0
        suggestion = session.execute(select(Suggestion)).scalar_one()
        assert suggestion.trigger == "time_based"

        suggestion.status = SuggestionStatus.SNOOZED
        suggestion.snoozed_until = NOW + timedelta(hours=2)
        session.commit()
        clock.advance(timedelta(hours=3))
        run("suggestions.reactivate")
        session.expire_all()
        assert session.execute(select(Suggestion.status)).scalar_one() == (SuggestionStatus.PENDING)
