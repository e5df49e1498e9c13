"""Pydantic shapes of organizations."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from pingcrm.kit.bounds import DbId

OrgSort = Literal[
    "name",
    "-name",
    "contacts",
    "-contacts",
    "interactions",
    "-interactions",
    "score",
    "-score",
]


class OrganizationOut(BaseModel):
    """An organization with its aggregates."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    domain: str | None
    contact_count: int
    interaction_count: int
    average_score: float | None


class PersonOut(BaseModel):
    """A contact as listed on an organization."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    full_name: str
    title: str | None
    score: int
    last_interaction_at: datetime | None


class OrganizationDetailOut(OrganizationOut):
    """An organization, its aggregates and one page of its people (``meta`` pages them)."""

    people: list[PersonOut]


class MergeRequest(BaseModel):
    """Body of ``POST /api/v1/organizations/{organization_id}/merge``."""

    other_id: DbId
