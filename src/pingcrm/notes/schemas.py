"""Pydantic shapes of the notes domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from pingcrm.contacts.schemas import CleanInput

MAX_NOTE_LENGTH = 10_000

NoteBody = Annotated[str, StringConstraints(max_length=MAX_NOTE_LENGTH)]


class NoteIn(CleanInput):
    """Body of ``POST /api/v1/contacts/{contact_id}/notes`` and
    ``PATCH /api/v1/notes/{note_id}``."""

    model_config = ConfigDict(extra="forbid")

    body: NoteBody


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    contact_id: int
    body: str
    created_at: datetime
    updated_at: datetime
