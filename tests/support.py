"""Test-environment switches: what is available, and whether missing things may skip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/lib/chromium/chromium")


def strict() -> bool:
    """Under CI (``CI=true``) or ``PINGCRM_TEST_STRICT=1`` nothing may be skipped for lack
    of a service or a browser: the test fails instead."""
    return (
        os.environ.get("CI", "").lower() == "true" or os.environ.get("PINGCRM_TEST_STRICT") == "1"
    )


def require(condition: bool, reason: str) -> None:
    """Skip (locally) or fail (CI) when ``condition`` is false."""
    if condition:
        return
    if strict():
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


def postgres_url() -> str | None:
    """The PostgreSQL server to test against, e.g.
    ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``."""
    return os.environ.get("PINGCRM_TEST_DATABASE_URL") or None
