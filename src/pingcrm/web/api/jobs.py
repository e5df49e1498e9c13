"""``/api/v1/sync-runs`` (sync history and progress) and ``/api/v1/jobs`` (the
Background jobs panel as JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from pingcrm.kit.bounds import DbId, PageNumber
from pingcrm.kit.pagination import PageRequest
from pingcrm.models import Provider, RunStatus
from pingcrm.sync import history
from pingcrm.sync.runs import get_run
from pingcrm.sync.schemas import SyncRunOut
from pingcrm.web.api.envelope import Envelope, ListEnvelope, many, one
from pingcrm.web.deps import ApiUser, SessionDep
from pingcrm.worker.status import jobs_status

router = APIRouter(prefix="/api/v1", tags=["jobs"])


class JobOut(BaseModel):
    name: str
    description: str
    schedule: str
    last_run_at: datetime | None
    last_status: RunStatus | None
    last_error: str | None
    next_run_at: datetime | None


class JobsOut(BaseModel):
    runner: str
    last_tick_at: datetime | None
    scheduler_stale: bool
    jobs: list[JobOut]


@router.get("/sync-runs", summary="Sync history")
def list_sync_runs(
    session: SessionDep,
    user: ApiUser,
    provider: Provider | None = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    page: Annotated[PageNumber | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> ListEnvelope[SyncRunOut]:
    """The caller's sync and import runs (of one provider), newest first."""
    result = history.list_history(
        session, user.id, provider, PageRequest.build(limit, page, cursor)
    )
    return many([SyncRunOut.model_validate(r) for r in result.items], result)


@router.get("/sync-runs/{run_id}", summary="One sync run (progress)")
def get_sync_run(run_id: DbId, session: SessionDep, user: ApiUser) -> Envelope[SyncRunOut]:
    """A run's status, counts and progress (``progress_done`` of ``progress_total``)."""
    return one(SyncRunOut.model_validate(get_run(session, user.id, run_id)))


@router.get("/jobs", summary="Background jobs status")
def get_jobs(request: Request, session: SessionDep, user: ApiUser) -> Envelope[JobsOut]:
    """Which runner is active, when the scheduler last ticked, and each job's last run
    (the caller's or global) and next run."""
    status = jobs_status(session, user.id, request.app.state.runner.name)
    return one(
        JobsOut(
            runner=status.runner,
            last_tick_at=status.last_tick,
            scheduler_stale=status.stale,
            jobs=[
                JobOut(
                    name=j.name,
                    description=j.description,
                    schedule=j.schedule,
                    last_run_at=j.last_run.started_at if j.last_run else None,
                    last_status=j.last_run.status if j.last_run else None,
                    last_error=j.last_run.error if j.last_run else None,
                    next_run_at=j.next_run,
                )
                for j in status.jobs
            ],
        )
    )
