"""A push of 500 conversations / 5,000 messages: a bounded number of SQL statements
(no query per message or per person), and the server time it takes (printed; the
target is under 2 s on SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import Contact, Interaction
from tests.fixtures.builders import create_user
from tests.linkedin.helpers import contact, message, pair_extension

CONVERSATIONS = 500
PER_CONVERSATION = 10
# Fixed per push, whatever its size (chunks of 400-1000 rows each add a few).
MAX_STATEMENTS = 120


def _body(offset: int = 0) -> dict[str, Any]:
    people = [
        contact(f"ACoAAM{n:05d}", "Person", f"Number{n}", headline=f"Role {n}")
        for n in range(CONVERSATIONS)
    ]
    messages = [
        message(
            f"ACoAAM{n:05d}", n * 100 + k + offset, direction="outbound" if k % 3 else "inbound"
        )
        for n in range(CONVERSATIONS)
        for k in range(PER_CONVERSATION)
    ]
    return {"contacts": people, "messages": messages}


def test_a_push_of_5000_messages_is_batched(
    client: TestClient, session: Session, engine: Engine
) -> None:
    create_user(session)
    with use_clock(FrozenClock(datetime(2026, 12, 1, tzinfo=UTC))):
        extension = pair_extension(client)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    body = _body()
    event.listen(engine, "before_cursor_execute", count)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        first = client.post("/api/v1/linkedin/push", json=body, headers=extension)
        first_seconds = time.perf_counter() - started
        first_cpu = time.process_time() - cpu
        first_statements = len(statements)
        statements.clear()
        started = time.perf_counter()
        again = client.post("/api/v1/linkedin/push", json=body, headers=extension)
        again_seconds = time.perf_counter() - started
        again_statements = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert first.status_code == 200, first.text[:500]
    data = first.json()["data"]
    assert (data["new_contacts"], data["new_messages"]) == (CONVERSATIONS, 5000)
    assert len(data["backfill"]) == 10
    redo = again.json()["data"]
    assert (redo["new_contacts"], redo["new_messages"], redo["duplicate_messages"]) == (0, 0, 5000)
    session.expire_all()
    assert session.execute(select(func.count()).select_from(Contact)).scalar_one() == CONVERSATIONS
    assert session.execute(select(func.count()).select_from(Interaction)).scalar_one() == 5000
    print(
        f"\nlinkedin push {engine.dialect.name}: 500 conversations / 5,000 messages "
        f"first {first_seconds:.2f} s ({first_cpu:.2f} s CPU, {first_statements} statements), "
        f"again {again_seconds:.2f} s ({again_statements} statements)"
    )
    assert first_statements <= MAX_STATEMENTS, first_statements
    assert again_statements <= MAX_STATEMENTS, again_statements
