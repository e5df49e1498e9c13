"""``/api/v1/imports``: upload a CSV/vCard file, follow the import, fetch rejected rows."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response

from pingcrm.errors import NotFound, ValidationFailed
from pingcrm.imports import service
from pingcrm.imports.mapping import FIELD_LABELS, SINGLE_VALUED, MappingInvalid
from pingcrm.imports.schemas import (
    ColumnOut,
    FieldOut,
    ForgottenMappingOut,
    ImportOut,
    MappingIn,
    MappingProposalOut,
    SavedColumnOut,
    SavedMappingOut,
)
from pingcrm.imports.tasks import import_call
from pingcrm.kit.bounds import DbId, PageNumber
from pingcrm.kit.pagination import PageRequest
from pingcrm.models import RunStatus
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
    mapping: Annotated[
        str | None,
        Form(
            max_length=100_000,
            description=(
                "JSON: a list with one field id per column, or an object "
                '{"column header": "field id"} changing the proposed mapping. Remembered '
                "for files with the same header."
            ),
        ),
    ] = None,
    choose_columns: Annotated[
        bool,
        Form(description="Wait for a mapping even when every column is understood."),
    ] = False,
) -> Envelope[ImportOut]:
    """Store the file and start the import in the background (202). Poll
    ``GET /api/v1/imports/{id}`` until ``status`` is success, partial or failed. When the
    CSV's columns are not all understood (and no mapping was given or saved for its
    header), ``status`` is ``needs_mapping``: ``GET mapping_url`` for the proposed mapping
    and the first rows, ``POST`` it a mapping to start. A binary or empty file answers
    422; a file over the limit, 413; a bad mapping, 422 saying what is wrong."""
    if not file.filename:
        raise ValidationFailed("Choose a file to import.", details={"field": "file"})
    explicit = _parse_mapping(mapping) if mapping else None
    path = service.save_upload(settings, file.file, file.filename)
    run = service.create_import(
        session,
        settings,
        user.id,
        path,
        file.filename,
        ask=True,
        choose=choose_columns,
        mapping=explicit,
    )
    if run.status is not RunStatus.NEEDS_MAPPING:
        submit_after_commit(session, request.app.state.runner, import_call(user.id, run.id))
    return one(service.to_out(run))


def _parse_mapping(text: str) -> list[str] | dict[str, str]:
    """The ``mapping`` form field (JSON) as a list or an object of strings."""
    try:
        return MappingIn.model_validate({"mapping": json.loads(text)}).mapping
    except ValueError as exc:  # JSON or shape errors
        raise MappingInvalid(
            'mapping must be JSON: a list of field ids, or {"column": "field id"}.'
        ) from exc


@router.get("/mappings", summary="List the saved column mappings")
def list_saved_mappings(session: SessionDep, user: ApiUser) -> Envelope[list[SavedMappingOut]]:
    """The column mappings remembered for CSV headers (newest first): a file with one of
    these headers imports at once with its mapping."""
    return one(
        [
            SavedMappingOut(
                key=saved.key,
                columns=[
                    SavedColumnOut(column=column, field=field, label=label)
                    for (column, label), field in zip(saved.columns, saved.fields, strict=False)
                ],
                saved_at=saved.saved_at,
            )
            for saved in service.saved_mappings(session, user.id)
        ]
    )


@router.delete("/mappings/{key}", summary="Forget a saved column mapping")
def forget_saved_mapping(
    key: Annotated[str, Path(max_length=100)], session: SessionDep, user: ApiUser
) -> Envelope[ForgottenMappingOut]:
    """Forget one saved mapping: the next file with its header asks for a mapping
    again. 404 for a key the caller has not saved."""
    service.forget_mapping(session, user.id, key)
    return one(ForgottenMappingOut(key=key))


@router.get("/{import_id}/mapping", summary="Get the proposed column mapping")
def get_mapping(
    import_id: DbId, session: SessionDep, settings: SettingsDep, user: ApiUser
) -> Envelope[MappingProposalOut]:
    """For an import waiting for its mapping (``needs_mapping``): each column with the
    proposed field (the mapping saved for this header, else what the column's name says),
    the first 5 rows, and every field a column can hold. 409 once the import started."""
    proposal = service.mapping_proposal(session, settings, user.id, import_id)
    return one(
        MappingProposalOut(
            import_id=import_id,
            source=proposal.source,
            columns=[
                ColumnOut(
                    index=c.index,
                    header=c.header,
                    field=c.field,
                    recognised=c.recognised,
                    examples=c.examples,
                )
                for c in proposal.columns
            ],
            preview=proposal.rows,
            fields=[
                FieldOut(id=k, label=v, single_valued=k in SINGLE_VALUED)
                for k, v in FIELD_LABELS.items()
            ],
        )
    )


@router.post("/{import_id}/mapping", status_code=202, summary="Import with a column mapping")
def post_mapping(
    import_id: DbId,
    body: MappingIn,
    request: Request,
    session: SessionDep,
    user: ApiUser,
) -> Envelope[ImportOut]:
    """Start an import waiting for its mapping with ``mapping`` (remembered for files with
    the same header). 422 for a bad mapping (two columns for a one-value field, no name,
    email or phone column), 409 once the import started."""
    run = service.apply_mapping(session, user.id, import_id, body.mapping)
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
