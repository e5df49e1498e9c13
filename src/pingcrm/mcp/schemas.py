"""Shapes of the MCP key API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class KeyRequest(BaseModel):
    allow_changes: bool = Field(default=False, description="Let AI clients change the CRM")


class NewKey(BaseModel):
    key: str = Field(description="Shown once: store it in your MCP client now")
    allow_changes: bool


class KeyStatusOut(BaseModel):
    active: bool
    allow_changes: bool
    created_at: datetime | None
    last_used_at: datetime | None
