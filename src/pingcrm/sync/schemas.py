"""API shapes of sync runs (history, progress)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from pingcrm.models import Provider, RunStatus, SyncKind, SyncTrigger


class SyncRunOut(BaseModel):
    """One run of a sync or import."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    provider: Provider
    kind: SyncKind
    trigger: SyncTrigger
    status: RunStatus
    platform_account_id: int | None
    started_at: datetime
    finished_at: datetime | None
    new_interactions: int
    new_contacts: int
    updated_contacts: int
    skipped: int
    errors: int
    error_text: str | None
    progress_done: int
    progress_total: int | None
