"""What a first sync writes for new people: each new contact row once, already with the
counters and score of its messages; and the batch lookups of addresses stay one index
probe per address on PostgreSQL whatever the statistics."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from pingcrm.contacts.ingest import ContactInput, upsert_contacts
from pingcrm.db import refresh_planner_statistics
from pingcrm.google.gmail import repository
from pingcrm.models import Contact, IdentifierKind, Interaction, RunStatus
from pingcrm.scoring.service import recompute_scores
from tests.fixtures.builders import create_user, stored_score
from tests.google.gmail.conftest import ME, Gmail

NOW = datetime.now(UTC)


def _mailbox(gmail: Gmail, messages: int) -> None:
    """``messages`` messages from three people (every third one sent by me)."""
    for i in range(messages):
        person = f"Person {i % 3} <p{i % 3}@example.org>"
        sent = i % 3 == 0
        gmail.google.add_message(
            ME,
            sender=ME if sent else person,
            to=[person] if sent else [ME],
            subject=f"Message {i}",
            at=NOW - timedelta(days=i + 1),
            labels=["SENT"] if sent else ["INBOX"],
        )


def _contact_updates(engine: Engine) -> tuple[list[str], Any]:
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE CONTACTS"):
            seen.append(statement)

    return seen, record


def _assert_counters_and_scores_are_right(gmail: Gmail) -> dict[str, int]:
    session = gmail.session
    session.expire_all()
    counts = dict(
        session.execute(
            select(Interaction.contact_id, func.count()).group_by(Interaction.contact_id)
        ).all()
    )
    shown: dict[str, int] = {}
    for contact in session.scalars(select(Contact).where(Contact.user_id == gmail.user.id)):
        assert contact.interaction_count == counts[contact.id], contact.full_name
        last = session.scalar(
            select(func.max(Interaction.occurred_at)).where(Interaction.contact_id == contact.id)
        )
        assert contact.last_interaction_at == last
        shown[contact.full_name] = stored_score(session, contact.id).score
    # What the sync stored is what a full recompute gives.
    assert recompute_scores(session, gmail.user.id).contacts_changed == 0
    return shown


def test_new_people_are_inserted_with_their_counters_and_score_not_rewritten(
    gmail: Gmail,
) -> None:
    _mailbox(gmail, 12)
    seen, record = _contact_updates(gmail.engine)
    event.listen(gmail.engine, "before_cursor_execute", record)
    try:
        run = gmail.sync()
    finally:
        event.remove(gmail.engine, "before_cursor_execute", record)

    assert run.status is RunStatus.SUCCESS
    assert (run.new_contacts, run.new_interactions) == (3, 12)
    # Written once, by the insert: the refresh had nothing left to change.
    assert seen == []
    shown = _assert_counters_and_scores_are_right(gmail)
    assert sorted(shown) == ["Person 0", "Person 1", "Person 2"]
    assert all(score > 0 for score in shown.values())


def test_people_met_again_in_later_batches_end_with_the_counters_of_all_their_mail(
    gmail: Gmail,
) -> None:
    # Two messages a page: each batch sees every person again.
    gmail.settings = gmail.settings.model_copy(update={"gmail_page_size": 2})
    _mailbox(gmail, 30)

    run = gmail.sync()

    assert run.status is RunStatus.SUCCESS
    assert (run.new_contacts, run.new_interactions) == (3, 30)
    shown = _assert_counters_and_scores_are_right(gmail)
    assert len(shown) == 3


def _plan_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [plan]
    for child in plan.get("Plans", []):
        nodes.extend(_plan_nodes(child))
    return nodes


def test_address_lookup_probes_one_index_entry_per_address_whatever_the_statistics(
    session: Session, engine: Engine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL plans")
    user = create_user(session)
    session.commit()
    # Statistics taken before this user had any address (a first sync's situation) ...
    refresh_planner_statistics(engine)
    known = [f"known{i}@example.org" for i in range(3000)]
    upsert_contacts(
        session,
        user.id,
        [
            ContactInput(full_name=f"K {i}", identifiers=[(IdentifierKind.EMAIL, a, None)])
            for i, a in enumerate(known)
        ],
        source="test",
    )
    session.commit()
    wanted = [f"new{i}@example.org" for i in range(400)] + known[:100]
    captured: list[tuple[str, Any]] = []

    def capture(_c: object, _cur: object, statement: str, parameters: Any, *_r: object) -> None:
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        found = repository.contacts_by_email(session, user.id, wanted)
    finally:
        event.remove(engine, "before_cursor_execute", capture)

    assert sorted(found) == sorted(known[:100])
    assert len(captured) == 1
    statement, parameters = captured[0]
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    with raw.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters)
        row = cursor.fetchone()
    assert row is not None
    plan = row[0] if isinstance(row[0], list) else json.loads(row[0])
    nodes = _plan_nodes(plan[0]["Plan"])
    # ... the 3,000 addresses the user has are not read to find 500: each address is an
    # index probe (no filter discarding the user's other addresses).
    assert sum(int(n.get("Rows Removed by Filter", 0)) for n in nodes) == 0
    probes = [n for n in nodes if "value" in str(n.get("Index Cond", ""))]
    assert probes, nodes
