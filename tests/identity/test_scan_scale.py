"""The scan at scale: oversized blocks are split (a pair inside a big common-name block
is still found), the chunked, streaming scan finds what scoring every pair finds, it
reports its progress, and with a broker configured "Scan now" only enqueues the scan for
the worker (the web process never runs it)."""

from __future__ import annotations

import os
from itertools import combinations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.app import create_app
from pingcrm.config import Settings
from pingcrm.identity import blocking, repository, service
from pingcrm.identity.features import build
from pingcrm.identity.model import BookStats
from pingcrm.identity.scan import find_pairs, scan_chunks
from pingcrm.identity.signals import score_pair
from pingcrm.identity.tasks import SCAN_JOB
from pingcrm.models import Contact, JobRun, User
from pingcrm.worker.celery_app import RUN_TASK, CeleryRunner
from tests.fixtures.builders import api_token, create_contact, create_user, login
from tests.support import require

COMPANIES = ("Globex", "Umbrella", "Hooli", "Vandelay", "Initrode", "Soylent", "Stark")


def namesakes(session: Session, user: User) -> tuple[Contact, Contact]:
    """Seven John Smiths at seven companies, and two more who are one person (both in
    the Telegram group "Rust Berlin", no company): a block of nine "John Smith"."""
    for company in COMPANIES:
        create_contact(session, user, "John Smith", company=company, commit=False)
    one = create_contact(session, user, "John Smith", telegram="jsmith_rs", commit=False)
    two = create_contact(session, user, "John Smith", ["john.smith@gmail.com"], commit=False)
    one.common_groups = ["Rust Berlin"]
    two.common_groups = ["Rust Berlin", "Climbing"]
    session.commit()
    return one, two


def test_a_pair_inside_an_oversized_name_block_is_still_compared(
    session: Session, settings: Settings
) -> None:
    user = create_user(session)
    one, two = namesakes(session, user)
    # Nine records of one full name and a shared group are weak evidence (the full name
    # is common in this book): a low review threshold shows the pair once compared.
    small = settings.model_copy(
        update={"identity_max_block_size": 5, "identity_review_threshold": 0.01}
    )
    result = service.run_scan(session, small, user.id)
    session.commit()
    # The nine John Smiths are not all compared (36 pairs): the block is split by what
    # else they share, and the two in one group meet.
    assert result.candidates < 36
    assert (min(one.id, two.id), max(one.id, two.id)) in {(p.a, p.b) for p in result.pairs}
    [view] = service.review_queue(session, user.id)
    assert {view.left.id, view.right.id} == {one.id, two.id}
    assert "Shared groups" in view.signals


def test_blocking_splits_an_oversized_block_by_company_and_counts_what_stays_too_big(
    session: Session,
) -> None:
    user = create_user(session)
    for _ in range(4):
        create_contact(session, user, "Maria Garcia", company="Acme", commit=False)
    for company in COMPANIES:
        create_contact(session, user, "Maria Garcia", company=company, commit=False)
    session.commit()
    rows, identifiers = repository.scan_rows(session, user.id)
    features = [build(row, identifiers.get(row.id, ())) for row in rows]
    acme = {f.id for f in features if f.company == "acme"}
    blocks = blocking.candidate_pairs(features, max_block=5)
    # The four at Acme are compared with one another, not with the other seven.
    assert blocks.pairs == set(combinations(sorted(acme), 2))
    assert blocks.split > 0
    assert blocks.oversized == 0
    tight = blocking.candidate_pairs(features, max_block=3)
    assert tight.pairs == set()
    assert tight.oversized > 0
    assert tight.oversized_contacts >= 4


def small_book(session: Session, user: User) -> None:
    """Duplicates of several shapes among unrelated people."""
    people = [
        ("Robert Smith", ["robert@acme.io"], {"company": "Acme"}),
        ("Bob Smith", [], {"linkedin": "bob-smith-1a2b3c4", "company": "Acme"}),
        ("Katarzyna Wiśniewska", [], {"company": "Brightloop"}),
        ("Katarzyna Wisniewksa", ["kasia@brightloop.pl"], {"company": "Brightloop"}),
        ("Дмитрий Соколов", [], {"telegram": "dsokolov"}),
        ("Dmitry Sokolov", ["dmitry.sokolov@gmail.com"], {}),
        ("Jane Doe", ["jane.doe@gmail.com"], {}),
        ("jd", [], {"telegram": "jd_builds"}),
        ("Carla Jones", ["carla@globex.example"], {"company": "Globex"}),
        ("Wojciech Zielinski", [], {"company": "Hooli"}),
        ("Wojciech Zieliński", ["wojtek@gmail.com"], {}),
        ("Ada Lovelace", ["ada@analytical.example"], {}),
    ]
    for name, emails, fields in people:
        contact = create_contact(session, user, name, emails, commit=False, **fields)
        if name == "jd":  # a bio that names the other's address: a certain pair
            contact.telegram_bio = "Write to janedoe+tg@gmail.com"
    session.commit()


def test_the_streamed_scan_finds_what_scoring_every_pair_finds(
    session: Session, settings: Settings
) -> None:
    user = create_user(session)
    small_book(session, user)
    limits = service.thresholds(settings)
    rows, identifiers = repository.scan_rows(session, user.id)
    # Reference: every pair of the book scored, no blocking, all features at once.
    features = {row.id: build(row, identifiers.get(row.id, ())) for row in rows}
    stats = BookStats.of(features.values())
    everything = {}
    for a, b in combinations(sorted(features), 2):
        verdict = score_pair(features[a], features[b], limits, stats)
        if verdict.tier:
            everything[(a, b)] = (verdict.tier, verdict.score)
    assert len(everything) >= 4
    # Streamed: read three contacts at a time; and the one-chunk entry point.
    streamed = scan_chunks(repository.scan_chunks(session, user.id, size=3), limits, 100)
    whole = find_pairs(rows, identifiers, limits, 100)
    for result in (streamed, whole):
        assert {(p.a, p.b): (p.verdict.tier, p.verdict.score) for p in result.pairs} == everything
        assert result.contacts == len(rows)
    assert streamed.people == whole.people
    assert streamed.candidates == whole.candidates


def test_the_scan_reports_its_progress(session: Session, settings: Settings) -> None:
    user = create_user(session)
    small_book(session, user)
    seen: list[tuple[int, int]] = []
    result = service.run_scan(session, settings, user.id, progress=lambda d, t: seen.append((d, t)))
    assert seen
    assert seen[0] == (0, result.candidates)
    assert all(total == result.candidates for _, total in seen)
    done = [d for d, _ in seen]
    assert done == sorted(done)
    assert done[-1] < result.candidates


def test_with_a_broker_scan_now_only_enqueues_the_scan_for_the_worker(
    settings: Settings, session: Session, session_factory: sessionmaker[Session]
) -> None:
    url = os.environ.get("PINGCRM_TEST_REDIS_URL")
    require(bool(url), "Celery tests need PINGCRM_TEST_REDIS_URL=redis://127.0.0.1:6379/15")
    broker = settings.model_copy(update={"broker_url": url})
    runner = CeleryRunner(broker)
    runner.app.control.purge()
    user = create_user(session)
    small_book(session, user)
    app = create_app(broker, engine=session_factory.kw["bind"])
    with TestClient(app, base_url="http://testserver") as client:
        response = client.post("/api/v1/identity/scan", headers=api_token(client))
        assert response.status_code == 202
        token = login(client)
        page = client.post("/identity/scan", data={"csrf_token": token})
        assert "Scan started" in page.text
    # Nothing ran here: no job run, no pair; two scan messages wait for the worker.
    session.expire_all()
    assert session.scalars(select(JobRun).where(JobRun.job_name == SCAN_JOB)).all() == []
    assert service.queue_counts(session, user.id) == (0, 0)
    messages = []
    with runner.app.connection_for_read() as connection:
        queue = connection.SimpleQueue("celery")
        try:
            while True:
                try:
                    message = queue.get(block=False)
                except queue.Empty:
                    break
                messages.append((message.headers["task"], message.payload[0][0]))
                message.ack()
        finally:
            queue.close()
    assert [(task, body["name"], body["user_id"]) for task, body in messages] == [
        (RUN_TASK, SCAN_JOB, user.id),
        (RUN_TASK, SCAN_JOB, user.id),
    ]
