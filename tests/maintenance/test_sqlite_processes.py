"""SQLite shared between processes: the app, a `pingcrm` command, an MCP server, a worker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pingcrm.db import make_engine

READ_NOTES = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
print(" ".join(row[0] for row in connection.execute("SELECT body FROM notes ORDER BY rowid")))
connection.close()
"""


def _notes_seen_by_another_process(path: Path) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", READ_NOTES, str(path)], capture_output=True, text=True, check=True
    ).stdout
    return out.split()


def test_writes_stay_visible_after_another_engine_opens_and_another_process_exits(
    tmp_path: Path,
) -> None:
    path = tmp_path / "pingcrm.db"
    url = f"sqlite:///{path}"
    app_engine = make_engine(url)
    with app_engine.connect() as running:  # an open pool connection of the running app
        running.exec_driver_sql("CREATE TABLE notes (body TEXT)")
        running.exec_driver_sql("INSERT INTO notes VALUES ('before')")
        running.commit()

        # The same process opens the database again (a job runner, an in-process command)…
        make_engine(url).dispose()
        # …and another process reads it and exits, as `pingcrm mcp` or a CLI command does.
        assert _notes_seen_by_another_process(path) == ["before"]

        running.exec_driver_sql("INSERT INTO notes VALUES ('after')")
        running.commit()

        assert _notes_seen_by_another_process(path) == ["before", "after"]
    app_engine.dispose()
    assert _notes_seen_by_another_process(path) == ["before", "after"]
