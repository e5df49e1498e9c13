"""``/api/v1/imports``: upload a CSV/vCard file, follow the import, fetch rejected rows."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response

from pingcrm.errors import NotFound, ValidationFailed
from pingcrm.imports import service
from pingcrm.imports.schemas import ImportOut
from pingcrm.imports.tasks import import_call
from pingcrm.kit.bounds import DbId, PageNumber
from pingcrm.kit.pagination import PageRequest
from pingcrm.web.api.envelope import Envelope, ListEnvelope, many, one
from pingcrm.web.deps import ApiUser, SessionDep, SettingsDep
from pingcrm.worker.runner import submit_after_commit

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])


@router.post("", status_code=202, summary="Upload a file to import")
def create_import(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: ApiUser,
    file: Annotated[
        UploadFile, File(description="CSV (LinkedIn, Google, Outlook, generic) or vCard")
    ],
) -> Envelope[ImportOut]:
    """Store the file and start the import in the background (202). Poll
    ``GET /api/v1/imports/{id}`` until ``status`` is success, partial or failed. An unknown
    format answers 422 listing the accepted formats; a file over the limit, 413."""
    if not file.filename:
        raise ValidationFailed("Choose a file to import.", details={"field": "file"})
    path = service.save_upload(settings, file.file, file.filename)
    run = service.create_import(session, settings, user.id, path, file.filename)
    submit_after_commit(session, request.app.state.runner, import_call(user.id, run.id))
    return one(service.to_out(run))


@router.get("", summary="List imports")
def list_imports(
    session: SessionDep,
    user: ApiUser,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    page: Annotated[PageNumber | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> ListEnvelope[ImportOut]:
    """The caller's imports, newest first."""
    result = service.list_imports(session, user.id, PageRequest.build(limit, page, cursor))
    return many([service.to_out(r) for r in result.items], result)


@router.get("/{import_id}", summary="Get an import")
def get_import(import_id: DbId, session: SessionDep, user: ApiUser) -> Envelope[ImportOut]:
    """An import's status, progress and counts."""
    return one(service.to_out(service.get_import(session, user.id, import_id)))


@router.get(
    "/{import_id}/rejected",
    summary="Download rejected rows",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def rejected_rows(
    import_id: DbId, session: SessionDep, settings: SettingsDep, user: ApiUser
) -> Response:
    """The rows the import rejected, with the reason, as CSV (404 when there are none)."""
    run = service.get_import(session, user.id, import_id)
    path = service.rejected_path(settings, run)
    if not run.errors or not path.is_file():
        raise NotFound("This import rejected no rows.")
    return FileResponse(
        path, media_type="text/csv; charset=utf-8", filename=f"rejected-rows-import-{run.id}.csv"
    )
