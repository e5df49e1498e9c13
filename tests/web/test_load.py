"""Smoke load test: 50 concurrent API clients (Locust, headless, loopback) reading and
writing against a real server for a few seconds get no error at all (no pool timeout,
no "database is locked", no frozen event loop). The full 1/10/50 table is ``make bench``."""

from __future__ import annotations

from pathlib import Path

from bench.live import live_server
from bench.load import run_locust
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from tests.fixtures.builders import DEFAULT_PASSWORD, create_contact, create_user

CLIENTS = 50
SECONDS = 12


def test_fifty_concurrent_clients_get_no_errors(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    user = create_user(session, "load@example.com")
    for index in range(20):
        create_contact(session, user, f"Ada Loadtest {index}")
    with live_server(settings, tmp_path) as server:
        token = server.token("load@example.com", DEFAULT_PASSWORD)
        result = run_locust(server.base_url, token, CLIENTS, SECONDS, tmp_path)
        server_log = server.log.read_text(errors="replace")
    print(result.line())
    assert result.requests > CLIENTS, result.line()
    assert result.failures == 0, "\n".join(result.failure_lines) + "\n" + server_log[-3000:]
    assert "Traceback" not in server_log, server_log[-3000:]
