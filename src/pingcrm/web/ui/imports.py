"""Contacts → Import and the Settings drop zone: upload, progress, result, rejected rows.

Uploads live under ``/imports`` so that the upload body limit (``max_upload_bytes``)
applies to them and an oversized file is refused with 413 before it is read.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response

from pingcrm.errors import NotFound, ValidationFailed
from pingcrm.imports import service
from pingcrm.imports.detect import ACCEPTED_FORMATS
from pingcrm.imports.mapping import FIELD_LABELS, MappingInvalid
from pingcrm.imports.tasks import import_call
from pingcrm.kit.bounds import DbId
from pingcrm.kit.pagination import PageRequest
from pingcrm.models import RunStatus, SyncRun
from pingcrm.sync.runs import percent
from pingcrm.web.deps import PageUser, SessionDep, SettingsDep, verify_csrf
from pingcrm.web.ui.responses import is_htmx, redirect, render, templates
from pingcrm.worker.runner import submit_after_commit

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


def status_context(run: SyncRun) -> dict[str, object]:
    """What ``imports/_status.html`` shows for ``run``."""
    return {
        "run": run,
        "summary": service.summarize(run),
        "running": run.status in ACTIVE,
        "percent": percent(run) or 0,
    }


@router.get("/imports")
def imports_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """Contacts → Import: the drop zone and the past imports."""
    history = service.list_imports(session, user.id, PageRequest.build(20, page))
    return render(
        request,
        "imports/index.html",
        {
            "history": history,
            "summaries": [service.summarize(r) for r in history.items],
            "accepted": ACCEPTED_FORMATS,
            "import_error": None,
        },
        session=session,
        user=user,
    )


@router.post("/imports")
def upload(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    file: Annotated[UploadFile | None, File()] = None,
    choose_columns: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Store the upload and queue the import job, showing its progress; or, when the
    file's columns are not all understood (or the user asked to choose them), go to the
    mapping step."""
    try:
        if file is None or not file.filename:
            raise ValidationFailed("Choose a file to import.", details={"field": "file"})
        path = service.save_upload(settings, file.file, file.filename)
        run = service.create_import(
            session,
            settings,
            user.id,
            path,
            file.filename,
            ask=True,
            choose=bool(choose_columns),
        )
    except ValidationFailed as exc:
        ctx = {"accepted": ACCEPTED_FORMATS, "import_error": exc.message}
        if is_htmx(request):
            return templates.TemplateResponse(
                request, "imports/_dropzone.html", {"request": request, **ctx}, status_code=422
            )
        history = service.list_imports(session, user.id, PageRequest.build(20, 1))
        return render(
            request,
            "imports/index.html",
            {**ctx, "history": history, "summaries": [service.summarize(r) for r in history.items]},
            session=session,
            user=user,
            status_code=422,
        )
    if run.status is RunStatus.NEEDS_MAPPING:
        return redirect(request, f"/imports/{run.id}/mapping")
    submit_after_commit(session, request.app.state.runner, import_call(user.id, run.id))
    if is_htmx(request):
        return templates.TemplateResponse(
            request,
            "imports/_dropzone.html",
            {
                "request": request,
                "accepted": ACCEPTED_FORMATS,
                "import_error": None,
                **status_context(run),
            },
            status_code=202,
        )
    return redirect(request, f"/imports/{run.id}")


def _mapping_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    run: SyncRun,
    *,
    chosen: list[str] | None = None,
    error: str | None = None,
) -> Response:
    proposal = service.mapping_proposal(session, settings, user.id, run.id)
    fields = chosen if chosen and len(chosen) == len(proposal.columns) else None
    return render(
        request,
        "imports/mapping.html",
        {
            "run": run,
            "summary": service.summarize(run),
            "proposal": proposal,
            "fields": fields or [c.field for c in proposal.columns],
            "field_labels": FIELD_LABELS,
            "mapping_error": error,
        },
        session=session,
        user=user,
        status_code=422 if error else 200,
    )


@router.get("/imports/{run_id}/mapping")
def mapping_page(
    run_id: DbId, request: Request, session: SessionDep, settings: SettingsDep, user: PageUser
) -> Response:
    """The mapping step: each column → a contact field or ignore, with the first rows."""
    run = service.get_import(session, user.id, run_id)
    if run.status is not RunStatus.NEEDS_MAPPING:
        return redirect(request, f"/imports/{run.id}")
    return _mapping_page(request, session, settings, user, run)


@router.post("/imports/{run_id}/mapping")
def submit_mapping(
    run_id: DbId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    field: Annotated[list[str] | None, Form(max_length=1000)] = None,
) -> Response:
    """Import with the chosen mapping (remembered for this header); a bad mapping
    shows the step again with what is wrong."""
    run = service.get_import(session, user.id, run_id)
    chosen = [f[:100] for f in field or []]
    try:
        run = service.apply_mapping(session, user.id, run.id, chosen)
    except MappingInvalid as exc:
        return _mapping_page(
            request, session, settings, user, run, chosen=chosen, error=exc.message
        )
    submit_after_commit(session, request.app.state.runner, import_call(user.id, run.id))
    return redirect(request, f"/imports/{run.id}")


@router.post("/imports/{run_id}/cancel")
def cancel_import(
    run_id: DbId, request: Request, session: SessionDep, settings: SettingsDep, user: PageUser
) -> Response:
    """Drop an upload waiting for its mapping."""
    service.cancel_import(session, settings, user.id, run_id)
    return redirect(request, "/imports", toast="Import cancelled; the file was deleted.")


@router.post("/imports/mappings/forget")
def forget_mapping(
    request: Request,
    session: SessionDep,
    user: PageUser,
    key: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Forget a saved column mapping (Settings → CSV import)."""
    service.forget_mapping(session, user.id, key)
    return redirect(
        request,
        "/settings/csv-import",
        toast="Mapping forgotten: the next file with these columns will ask again.",
    )


@router.get("/imports/{run_id}")
def import_page(run_id: DbId, request: Request, session: SessionDep, user: PageUser) -> Response:
    """One import: its progress while it runs, then its summary."""
    run = service.get_import(session, user.id, run_id)
    return render(request, "imports/detail.html", status_context(run), session=session, user=user)


@router.get("/imports/{run_id}/status")
def import_status(run_id: DbId, request: Request, session: SessionDep, user: PageUser) -> Response:
    """The progress fragment (polled every second while the import runs)."""
    run = service.get_import(session, user.id, run_id)
    return templates.TemplateResponse(
        request, "imports/_status.html", {"request": request, **status_context(run)}
    )


@router.get("/imports/{run_id}/rejected.csv")
def rejected_rows(
    run_id: DbId, session: SessionDep, settings: SettingsDep, user: PageUser
) -> Response:
    """The rows the import rejected, with the reason, as CSV."""
    run = service.get_import(session, user.id, run_id)
    path = service.rejected_path(settings, run)
    if not run.errors or not path.is_file():
        raise NotFound("This import rejected no rows.")
    return FileResponse(
        path,
        media_type="text/csv; charset=utf-8",
        filename=f"rejected-rows-import-{run.id}.csv",
    )
