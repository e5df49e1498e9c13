"""Job pages and fragments: a running sync's progress bar, the Sync History dialog of a
platform, and the Settings → Background jobs panel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from pingcrm.errors import NotFound
from pingcrm.kit.bounds import DbId
from pingcrm.kit.pagination import PageRequest
from pingcrm.models import Provider, RunStatus
from pingcrm.sync import history
from pingcrm.sync.runs import duration_seconds, get_run, percent
from pingcrm.web.deps import PageUser, SessionDep, verify_csrf
from pingcrm.web.ui.responses import templates
from pingcrm.worker.status import jobs_status, scheduler_stale

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def scheduler_banner(request: Request) -> bool:
    """True when a page must show the red "scheduler not running" banner: this app
    relies on a scheduler (embedded or Celery) and none has ticked for 15 minutes."""
    runner = getattr(request.app.state, "runner", None)
    if runner is None or runner.name == "inline":
        return False
    with request.app.state.session_factory() as session:
        return scheduler_stale(session)


templates.env.globals["scheduler_banner"] = scheduler_banner

PROVIDER_TITLES = {
    Provider.GMAIL: "Gmail",
    Provider.TELEGRAM: "Telegram",
    Provider.TWITTER: "Twitter / X",
    Provider.LINKEDIN: "LinkedIn",
    Provider.CSV: "CSV import",
}


def _provider(value: str) -> Provider:
    try:
        return Provider(value)
    except ValueError as exc:
        raise NotFound("There is no such integration.") from exc


@router.get("/jobs/runs/{run_id}/progress")
def run_progress(run_id: DbId, request: Request, session: SessionDep, user: PageUser) -> Response:
    """A run's progress bar ("Syncing… N new"), polled while it runs."""
    run = get_run(session, user.id, run_id)
    return templates.TemplateResponse(
        request,
        "jobs/_progress.html",
        {
            "request": request,
            "run": run,
            "running": run.status in (RunStatus.QUEUED, RunStatus.RUNNING),
            "percent": percent(run),
        },
    )


@router.get("/settings/sync-history/{provider}")
def sync_history(
    provider: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """The Sync History dialog of one platform: runs newest first, paginated."""
    which = _provider(provider)
    result = history.list_history(session, user.id, which, PageRequest.build(10, page))
    return templates.TemplateResponse(
        request,
        "jobs/_history.html",
        {
            "request": request,
            "provider": which,
            "title": PROVIDER_TITLES[which],
            "history": result,
            "durations": [duration_seconds(r) for r in result.items],
        },
    )


@router.get("/settings/background-jobs")
def background_jobs(request: Request, session: SessionDep, user: PageUser) -> Response:
    """The Background jobs panel: runner, last tick, each job's last and next run."""
    status = jobs_status(session, user.id, request.app.state.runner.name)
    return templates.TemplateResponse(
        request, "jobs/_panel.html", {"request": request, "status": status}
    )
