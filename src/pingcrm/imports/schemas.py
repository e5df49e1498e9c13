"""API shapes of imports."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

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
    # While status is needs_mapping: GET it for the proposed mapping and a preview, POST
    # the mapping to start the import.
    mapping_url: str | None = None
    # "saved" (the mapping remembered for this header) or "chosen"; null when the
    # columns were read by their names.
    mapping_source: str | None = None


class FieldOut(BaseModel):
    """A contact field a column can be mapped to."""

    id: str
    label: str
    single_valued: bool


class ColumnOut(BaseModel):
    """A column of the file and the field proposed for it."""

    index: int
    header: str
    field: str
    recognised: bool
    examples: list[str]


class MappingProposalOut(BaseModel):
    """The mapping step of an import: proposed field per column, first rows, fields."""

    import_id: int
    source: str
    columns: list[ColumnOut]
    preview: list[list[str]]
    fields: list[FieldOut]


class SavedColumnOut(BaseModel):
    """One column of a remembered mapping."""

    column: str
    field: str
    label: str


class SavedMappingOut(BaseModel):
    """A column mapping remembered for files with one header (``key`` identifies it)."""

    key: str
    columns: list[SavedColumnOut]
    saved_at: str


class ForgottenMappingOut(BaseModel):
    """The key of the mapping forgotten."""

    key: str


class MappingIn(BaseModel):
    """The columns' fields: a list with one field id per column (``ignore`` to skip one),
    or ``{"column header": "field id"}`` changing only those columns of the proposal
    (a column may be named ``#3``, its position)."""

    mapping: (
        list[Annotated[str, Field(max_length=100)]]
        | dict[Annotated[str, Field(max_length=300)], Annotated[str, Field(max_length=100)]]
    ) = Field(max_length=1000)
