"""Fresh planner statistics after bulk writes.

An import or a sync that adds a large share of a table leaves the planner with
statistics of a much smaller table: SQLite then scans every contact for a name lookup and
PostgreSQL picks nested loops over "tiny" tables. So a bulk run ends (once, not per
batch) with ``ANALYZE`` of the tables it grew, when it added more than ``BULK_ROWS`` rows
or more than ``BULK_FRACTION`` of what the planner last counted. The daily ``db.analyze``
job covers the slow drift of many small runs.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from pingcrm.db import planner_row_count, refresh_planner_statistics
from pingcrm.models import SyncRun

log = logging.getLogger("pingcrm.worker")

BULK_ROWS = 5000
BULK_FRACTION = 0.2

# New contacts bring their identifiers and organizations with them.
CONTACT_TABLES = ("contacts", "contact_scores", "contact_identifiers", "organizations")
INTERACTION_TABLES = ("interactions",)


def is_bulk(new_rows: int, known_rows: int | None) -> bool:
    """True when ``new_rows`` make the planner's count of ``known_rows`` stale."""
    if new_rows <= 0:
        return False
    if new_rows > BULK_ROWS or not known_rows:
        return True
    return new_rows > BULK_FRACTION * known_rows


def refresh_after_bulk_write(engine: Engine, new_rows: dict[str, int]) -> list[str]:
    """``ANALYZE`` the tables of ``new_rows`` (table → rows the run added) that grew by a
    bulk amount; returns the tables analyzed."""
    try:
        stale = [
            table
            for table, count in new_rows.items()
            if is_bulk(count, planner_row_count(engine, table))
        ]
        if stale:
            refresh_planner_statistics(engine, stale)
            log.info("statistics.refreshed tables=%s", ",".join(stale))
    except SQLAlchemyError:
        # The run's data is committed; the daily db.analyze refreshes what this missed.
        log.exception("statistics.refresh_failed tables=%s", ",".join(new_rows))
        return []
    return stale


def refresh_after_run(engine: Engine, run: SyncRun) -> list[str]:
    """The refresh at the end of an import or sync run (committed rows only)."""
    new_rows: dict[str, int] = {}
    for table in CONTACT_TABLES:
        new_rows[table] = run.new_contacts or 0
    for table in INTERACTION_TABLES:
        new_rows[table] = run.new_interactions or 0
    return refresh_after_bulk_write(engine, new_rows)
