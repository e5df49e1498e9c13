"""Telethon (about 25 MB) is imported only when Telegram is used: a web process whose
users never connect Telegram does without it, and Telegram's errors still map once met."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
from fastapi.testclient import TestClient
from pingcrm.app import create_app
from pingcrm.config import load_settings
from pingcrm.db import make_engine
from pingcrm.migrate import upgrade

settings = load_settings(data_dir=sys.argv[1])
upgrade(make_engine(settings.resolved_database_url))
with TestClient(create_app(settings)) as client:
    assert client.get("/login", follow_redirects=False).status_code in (200, 303)
print("after a page:", "telethon" in sys.modules)

from pingcrm.telegram.errors import sync_error
from pingcrm.telegram.gateway import rpc_errors
error = sync_error(rpc_errors.AuthKeyUnregisteredError(request=None))
print("after an error:", "telethon" in sys.modules, type(error).__name__)
"""


def test_telethon_is_imported_on_first_use(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines() == [
        "after a page: False",
        "after an error: True ProviderAuthError",
    ]
