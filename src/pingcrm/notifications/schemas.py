"""Pydantic shapes of notifications."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from pingcrm.models import NotificationKind


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: NotificationKind
    title: str
    body: str
    link: str | None
    is_read: bool
    created_at: datetime


class MarkedOut(BaseModel):
    """How many notifications a bulk action marked read."""

    marked: int
    unread: int
