"""The Sync History dialog and the progress bars: runs listed newest first."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pingcrm.kit.pagination import Page, PageRequest
from pingcrm.models import Provider, SyncRun
from pingcrm.sync import repository


def list_history(
    session: Session, user_id: int, provider: Provider | None, request: PageRequest
) -> Page[SyncRun]:
    """A page of the user's runs (of ``provider``), newest first."""
    items, total = repository.list_runs(session, user_id, provider, request.limit, request.offset)
    return Page(items=items, total=total, request=request)


def active(session: Session, user_id: int, provider: Provider | None = None) -> list[SyncRun]:
    """Runs of the user that are queued or running (their cards show a progress bar)."""
    return repository.active_runs(session, user_id, provider)
