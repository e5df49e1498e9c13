"""PostgreSQL keeps planning searches and lists for their own values.

psycopg prepares a statement after five executions and PostgreSQL may then switch to a
generic plan for good; with statistics the generic plan of a search nests a loop over
every contact (29 s at 100k). Every connection plans each execution with its values
(``plan_cache_mode = force_custom_plan``): after ten runs of the search and of the list
with fresh statistics, no prepared statement has a generic plan."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from pingcrm.contacts import ingest, repository
from pingcrm.contacts import service as contacts
from pingcrm.contacts.ingest import ContactInput, upsert_contacts
from pingcrm.contacts.schemas import ContactListQuery
from pingcrm.db import refresh_planner_statistics
from pingcrm.demo.service import generate_demo
from pingcrm.kit.pagination import PageRequest
from pingcrm.models import IdentifierKind
from tests.fixtures.builders import create_contact, create_interaction, create_user


def test_search_and_list_keep_custom_plans_after_many_runs(
    session: Session, engine: Engine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("generic plans of prepared statements are PostgreSQL's")
    user = create_user(session)
    for index in range(60):
        person = create_contact(session, user, f"Person{index} Smith{index % 3}")
        if index % 4 == 0:
            create_interaction(session, user, person, preview=f"lunch with smith {index}")
    session.commit()
    refresh_planner_statistics(engine)
    connection = session.connection()

    search = ContactListQuery(q="smith1")
    plain = ContactListQuery()
    for _ in range(12):
        found = contacts.list_contacts(session, user.id, search, PageRequest(limit=10))
        listed = contacts.list_contacts(session, user.id, plain, PageRequest(limit=10))
        session.expunge_all()
    # What a user sees stays right on every run: 20 names contain "smith1" plus the
    # contacts whose lunch preview mentions "smith 1..." (none: previews say "smith 4…").
    assert found.total == 20
    assert all("Smith1" in c.full_name for c in found.items)
    assert listed.total == 60
    assert len(listed.items) == 10

    prepared = connection.execute(
        text(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE '%FROM contacts%'"
        )
    ).all()
    # psycopg did prepare the search and the list (run more than five times) ...
    assert prepared, "no statement was prepared: the check below would prove nothing"
    assert any(row.custom_plans >= 6 for row in prepared)
    # ... and the server planned every execution for its values.
    assert [row.statement for row in prepared if row.generic_plans] == []
    assert connection.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"


def test_search_and_list_plans_use_the_search_indexes_after_many_runs(
    session: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With fresh statistics and after the fifth execution (psycopg prepares), a search
    for a selective word finds names through the trigram index and preview words through
    the documents' GIN index; a broad word walks the ordered name index and reads each
    contact's document by primary key; neither reads the interactions; the list walks
    the ordered name index."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL plans")
    user = create_user(session)
    generate_demo(session, user, contacts=1500, interactions=15_000, seed=7)
    session.commit()
    refresh_planner_statistics(engine)
    # "review" is in about a tenth of these 1,500 contacts' documents: broad here.
    monkeypatch.setattr(repository, "BROAD_WORDS", 50)
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM contacts" in statement and "ORDER BY" in statement:
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        for _ in range(12):
            for q in ("review", "smith", None):
                page = contacts.list_contacts(
                    session, user.id, ContactListQuery(q=q), PageRequest(limit=50)
                )
                assert page.items, q
                session.expunge_all()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    connection = session.connection()
    plans = [
        "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql, parameters))
        for sql, parameters in captured[-3:]
    ]
    broad, name, listed = (_page_plan(plan) for plan in plans)
    assert "ix_contact_words" in name
    assert "ix_contacts_search_trgm" in name
    assert "Seq Scan" not in name
    assert "ix_contacts_user_name" in broad
    assert "contact_words_pkey" in broad
    assert "Seq Scan" not in broad
    for search in plans[:2]:
        assert "interactions" not in search
    assert "ix_contacts_user_name" in listed
    assert "Seq Scan" not in listed


def _page_plan(plan: str) -> str:
    """The part of ``plan`` that chooses the page (its ``Limit`` node and what is under
    it). The 50 contacts chosen are then joined to their rows, organizations and scores
    by whatever the table sizes make cheapest: with this book's 1,500 contacts, a scan
    of them all and a hash; at 100k, a primary-key probe each."""
    lines = plan.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip(" ->").startswith("Limit"))
    depth = len(lines[start]) - len(lines[start].lstrip())
    below = lines[start + 1 :]
    end = next(
        (i for i, line in enumerate(below) if len(line) - len(line.lstrip()) <= depth),
        len(below),
    )
    return "\n".join(lines[start : start + 1 + end])


def test_identifier_lookup_of_a_user_the_statistics_never_saw_probes_the_unique_index(
    session: Session, engine: Engine
) -> None:
    """Statistics taken before a user's first import say the user owns no identifiers.
    The batch's keys must still be looked up through the unique (user_id, kind, value)
    index, one probe each: a plan through a user_id-only index filters every identifier
    the user has gained so far for each key (an import of 100k rows went quadratic)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL plans")
    veteran = create_user(session)
    rows = [
        ContactInput(f"Person {i}", identifiers=[(IdentifierKind.EMAIL, f"p{i}@example.com", None)])
        for i in range(3000)
    ]
    upsert_contacts(session, veteran.id, rows, source="import:test")
    newcomer = create_user(session, "newcomer@example.com")
    session.commit()
    refresh_planner_statistics(engine)
    # The newcomer's first import, batch after batch: each batch finds the earlier ones.
    first = upsert_contacts(session, newcomer.id, rows[:1000], source="import:test")
    again = upsert_contacts(session, newcomer.id, rows[:1000], source="import:test")
    assert again.contact_ids == first.contact_ids  # found, not created twice

    connection = session.connection()
    connection.exec_driver_sql(ingest._KEYS_DDL)
    connection.exec_driver_sql("INSERT INTO pingcrm_lookup_keys VALUES ('email', 'p1@example.com')")
    plan = "\n".join(
        row[0]
        for row in connection.exec_driver_sql(
            f"EXPLAIN {ingest._KEYS_JOIN_POSTGRESQL}", (newcomer.id,)
        )
    )
    assert "uq_contact_identifiers_user_id_kind_value" in plan, plan
    assert "Filter" not in plan, plan
