"""Pydantic shapes of the interactions domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from pingcrm.contacts.schemas import CleanInput
from pingcrm.kit.bounds import BoundedAwareDatetime, DbId
from pingcrm.models import Direction, InteractionKind, Platform

Subject = Annotated[str, StringConstraints(max_length=500)]
Summary = Annotated[str, StringConstraints(max_length=2000)]


class InteractionCreate(CleanInput):
    """Body of ``POST /api/v1/interactions``: an interaction logged by hand."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    contact_id: DbId
    platform: Platform = Platform.MANUAL
    kind: InteractionKind = InteractionKind.CALL
    direction: Direction = Direction.OUTBOUND
    occurred_at: BoundedAwareDatetime | None = Field(
        default=None, description="When it happened (UTC offset required); now when omitted"
    )
    subject: Subject | None = None
    summary: Summary = Field(default="", description="What was said; stored trimmed to 500")


class InteractionUpdate(CleanInput):
    """Body of ``PATCH /api/v1/interactions/{interaction_id}``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: InteractionKind | None = None
    direction: Direction | None = None
    occurred_at: BoundedAwareDatetime | None = None
    subject: Subject | None = None
    summary: Summary | None = None


class InteractionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    contact_id: int
    platform: Platform
    kind: InteractionKind
    direction: Direction
    occurred_at: datetime
    ended_at: datetime | None
    subject: str | None
    preview: str
    provider_id: str
    thread_id: str | None
    is_read: bool | None
    created_at: datetime
