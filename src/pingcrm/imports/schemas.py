"""API shapes of imports."""

from __future__ import annotations

from pydantic import BaseModel

from pingcrm.models import RunStatus


class ImportOut(BaseModel):
    """An import: its file, status, progress and result counts."""

    id: int
    filename: str
    format: str
    status: RunStatus
    rows_total: int | None
    rows_done: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    interactions: int
    error: str | None
    summary: str
    rejected_rows_url: str | None
