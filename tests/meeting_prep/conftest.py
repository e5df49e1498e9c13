"""Meeting prep runs in the shared Google world, at the Google tests' moment, with a
public base URL (the briefs link back to the app)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.google.conftest import NOW


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def google_options() -> dict[str, Any]:
    return {"base_url": "https://crm.example.com"}
