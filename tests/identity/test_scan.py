"""The scan against the database: pairs stored for review, certain pairs merged, a
rejected pair never proposed again, auto-merge of probable pairs only when opted in,
and the debounced scan after an import that created contacts."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.identity import service
from pingcrm.identity.tasks import REQUESTED_JOB, SCAN_JOB
from pingcrm.models import Contact, IdentityMatch, JobRun, MatchStatus, RunStatus, User
from pingcrm.worker.context import JobCall
from pingcrm.worker.execute import execute
from tests.fixtures.builders import create_contact, create_user, import_file


def probable_pair(session: Session, user: User) -> tuple[Contact, Contact]:
    """Robert at Acme (Gmail) and Bob at Acme (LinkedIn): the same person, probably."""
    robert = create_contact(session, user, "Robert Smith", ["robert@acme.io"], company="Acme")
    bob = create_contact(session, user, "Bob Smith", linkedin="bob-smith-1a2b3c4", company="Acme")
    return robert, bob


def names(session: Session, user: User) -> list[str]:
    session.expire_all()
    return sorted(session.scalars(select(Contact.full_name).where(Contact.user_id == user.id)))


def test_probable_pair_is_queued_and_a_rejected_pair_never_comes_back(
    session: Session, settings: Settings
) -> None:
    user = create_user(session)
    probable_pair(session, user)
    create_contact(session, user, "Carla Jones", ["carla@globex.example"], company="Acme")
    result = service.run_scan(session, settings, user.id)
    session.commit()
    assert (result.tier1, result.tier2, result.auto_merged, result.queued) == (0, 1, 0, 1)
    [view] = service.review_queue(session, user.id)
    assert {view.left.full_name, view.right.full_name} == {"Robert Smith", "Bob Smith"}
    assert "Similar name" in view.signals
    assert "Same company" in view.signals
    assert any(row.label == "Name" and row.differs for row in view.rows)

    service.decide(session, user.id, view.id, "reject")
    session.commit()
    again = service.run_scan(session, settings, user.id)
    session.commit()
    assert again.rejected_kept_out == 1
    assert service.review_queue(session, user.id) == []
    assert names(session, user) == ["Bob Smith", "Carla Jones", "Robert Smith"]


def test_certain_pairs_merge_themselves(session: Session, settings: Settings) -> None:
    user = create_user(session)
    create_contact(session, user, "Jane Doe", ["jane.doe@gmail.com"])
    twin = create_contact(session, user, "jd", telegram="jd_builds")
    twin.telegram_bio = "Write to janedoe+tg@gmail.com"
    session.commit()
    result = service.run_scan(session, settings, user.id)
    session.commit()
    assert (result.tier1, result.auto_merged) == (1, 1)
    assert names(session, user) == ["Jane Doe"]
    [merge] = service.merge_history(session, user.id)
    assert merge.reason == "automatic (tier 1)"
    assert result.pairs_json()[0]["action"] == "merged"


def test_probable_pairs_merge_themselves_only_when_the_user_opted_in(
    session: Session, settings: Settings
) -> None:
    user = create_user(session)
    probable_pair(session, user)
    assert service.auto_merge_enabled(session, user.id) is False  # off by default
    service.run_scan(session, settings, user.id)
    session.commit()
    assert names(session, user) == ["Bob Smith", "Robert Smith"]

    service.set_auto_merge(session, user.id, True)
    result = service.run_scan(session, settings, user.id)
    session.commit()
    assert result.auto_merged == 1
    assert names(session, user) == ["Robert Smith"]


def test_a_name_only_pair_never_merges_itself_even_when_opted_in(
    session: Session, settings: Settings
) -> None:
    user = create_user(session)
    create_contact(session, user, "Maria Garcia")
    create_contact(session, user, "Maria Garcia")
    service.set_auto_merge(session, user.id, True)
    low = settings.model_copy(
        update={"identity_review_threshold": 0.6, "identity_auto_merge_threshold": 0.6}
    )
    result = service.run_scan(session, low, user.id)
    session.commit()
    assert (result.tier2, result.auto_merged) == (1, 0)
    assert len(service.review_queue(session, user.id)) == 1


def test_import_that_created_contacts_requests_one_debounced_scan(
    session: Session, session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    user = create_user(session)
    first = tmp_path / "gmail.csv"
    first.write_text("name;email;company\nRobert Smith;robert@acme.io;Acme\n", encoding="utf-8")
    second = tmp_path / "linkedin.csv"
    second.write_text("name;email;company\nBob Smith;bob.smith@proton.me;Acme\n", encoding="utf-8")
    import_file(session_factory, settings, user, first)
    import_file(session_factory, settings, user, second)
    with session_factory() as fresh:
        # Two imports, one pending request; no scan has run yet.
        assert service.users_awaiting_scan(fresh) == [user.id]
        assert fresh.scalars(select(JobRun).where(JobRun.job_name == SCAN_JOB)).all() == []

    engine = session_factory.kw["bind"]
    for _ in range(2):  # the second tick finds nothing left to do
        execute(
            JobCall(REQUESTED_JOB, trigger="scheduled"),
            settings=settings,
            engine=engine,
            session_factory=session_factory,
        )
    with session_factory() as fresh:
        runs = fresh.scalars(select(JobRun).where(JobRun.job_name == SCAN_JOB)).all()
        assert [(r.user_id, r.status) for r in runs] == [(user.id, RunStatus.SUCCESS)]
        assert "1 probable" in (runs[0].summary or "")
        assert service.users_awaiting_scan(fresh) == []
        statuses = fresh.scalars(select(IdentityMatch.status)).all()
        assert statuses == [MatchStatus.PENDING]
