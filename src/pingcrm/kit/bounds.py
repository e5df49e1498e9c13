"""Bounded numbers for every id, page, limit and offset a request carries.

One annotated type per kind, used in path and query parameters and in JSON bodies, so a
number beyond what the database column holds is a 422 with the usual error shape before
any query runs (never an overflow deep in the driver). ``MAX_DB_ID`` is PostgreSQL's
``integer`` maximum (ids are 32-bit there).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import annotated_types as at
from pydantic import AfterValidator, AwareDatetime

MAX_DB_ID = 2_147_483_647
MAX_PAGE = 1_000_000
MAX_OFFSET = 100_000_000
MAX_LIMIT = 1000

# A row id (path, query or body).
DbId = Annotated[int, at.Ge(1), at.Le(MAX_DB_ID)]
# A 1-based page number.
PageNumber = Annotated[int, at.Ge(1), at.Le(MAX_PAGE)]
# Items per page (each route may lower the maximum with its own Query(le=...)).
PageLimit = Annotated[int, at.Ge(1), at.Le(MAX_LIMIT)]
# Rows to skip.
RowOffset = Annotated[int, at.Ge(0), at.Le(MAX_OFFSET)]

# Datetimes a user can send: years 1900-2200, so that converting to UTC (from +14:00 or
# -12:00) and date arithmetic never overflow.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _in_range(value: datetime) -> datetime:
    if (
        not EARLIEST.replace(tzinfo=None)
        <= value.replace(tzinfo=None)
        <= LATEST.replace(tzinfo=None)
    ):
        raise ValueError(f"must be between {EARLIEST.year} and {LATEST.year}")
    return value


BoundedDatetime = Annotated[datetime, AfterValidator(_in_range)]

# An id or 0 ("none yet", e.g. the last run seen before starting a job).
DbIdOrZero = Annotated[int, at.Ge(0), at.Le(MAX_DB_ID)]
# The same, with a UTC offset required.
BoundedAwareDatetime = Annotated[AwareDatetime, AfterValidator(_in_range)]
