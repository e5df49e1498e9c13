"""Schemathesis over the whole JSON API (``/openapi.json``), signed in with a token.

Every operation, a fixed seed and a bounded example budget: no 500, every response
matches its documented schema, and every status code is a documented one. The run's
counts are printed (``-s`` shows them) for the hardening report.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx2
from bench.live import live_server
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from tests.fixtures.builders import DEFAULT_PASSWORD, create_contact, create_user

SEED = 20261204
# Test cases per operation and phase: ~66 operations finish in about a minute on 2 cores.
MAX_EXAMPLES = 10
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def test_the_api_answers_every_generated_request_as_documented(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    user = create_user(session, "fuzz@example.com")
    for index in range(3):
        create_contact(session, user, f"Fuzz Person {index}")
    session.commit()
    with live_server(settings, tmp_path) as server:
        token = server.token("fuzz@example.com", DEFAULT_PASSWORD)
        # Built once on first request (slow on a busy machine), then cached.
        assert httpx2.get(f"{server.base_url}/openapi.json", timeout=120).status_code == 200
        result = subprocess.run(
            [
                str(SCHEMATHESIS),
                "run",
                f"{server.base_url}/openapi.json",
                "--header",
                f"Authorization: Bearer {token}",
                "--checks",
                CHECKS,
                "--seed",
                str(SEED),
                "--max-examples",
                str(MAX_EXAMPLES),
                "--phases",
                "examples,coverage,fuzzing",
                # One worker: Hypothesis' lambda descriptions parse source with ``ast``,
                # which is not thread-safe on CPython 3.11 (a rare SystemError).
                "--workers",
                "1",
                "--no-shrink",
                "--suppress-health-check",
                "all",
                "--request-timeout",
                "30",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        server_log = server.log.read_text(errors="replace")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:] + "\nserver log:\n" + server_log[-4000:]
    assert "Traceback" not in server_log, server_log[-4000:]
    selected = re.search(r"Selected: (\d+)/(\d+)", output)
    tested = re.search(r"Tested: (\d+)", output)
    cases = re.search(r"(\d+) generated, (\d+) passed", output)
    assert selected, output[-3000:]
    assert tested, output[-3000:]
    assert cases, output[-3000:]
    # Every operation of the schema was exercised, and every case passed every check.
    assert int(tested.group(1)) == int(selected.group(2)) >= 60
    assert cases.group(1) == cases.group(2)
    print(
        f"schemathesis: {tested.group(1)} operations, {cases.group(1)} cases, 0 failures "
        f"(seed {SEED}, {MAX_EXAMPLES} examples per operation and phase)"
    )
