"""Pydantic shapes of the contacts domain (API bodies and responses, form input)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from pingcrm.models import IdentifierKind, Platform, Priority

Name = Annotated[str, StringConstraints(max_length=300)]
ShortText = Annotated[str, StringConstraints(max_length=300)]
EmailText = Annotated[str, StringConstraints(max_length=320)]
PhoneText = Annotated[str, StringConstraints(max_length=64)]
HandleText = Annotated[str, StringConstraints(max_length=320)]
TagText = Annotated[str, StringConstraints(max_length=100)]
Tier = Literal["strong", "warm", "cold"]
BulkAction = Literal["add_tag", "remove_tag", "set_priority", "archive", "delete"]

SORT_KEYS = ("name", "score", "last_interaction", "interaction_count")
SortParam = Literal[
    "name",
    "-name",
    "score",
    "-score",
    "last_interaction",
    "-last_interaction",
    "interaction_count",
    "-interaction_count",
]


def strip_nul(value: Any) -> Any:
    """Remove NUL characters (PostgreSQL refuses them in text) from strings and lists."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [strip_nul(item) for item in value]
    return value


class CleanInput(BaseModel):
    """Base of request bodies: NUL characters are dropped from every string."""

    @field_validator("*", mode="before")
    @classmethod
    def _drop_nul(cls, value: Any) -> Any:
        return strip_nul(value)


class ContactFields(CleanInput):
    """Fields a person can type about a contact."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    company: ShortText | None = Field(default=None, description="Employer or organization")
    title: ShortText | None = Field(default=None, description="Job title")
    location: ShortText | None = None
    birthday: date | None = Field(default=None, description="Not in the future")
    priority: Priority = Priority.MEDIUM
    emails: list[EmailText] = Field(default_factory=list, max_length=20)
    phones: list[PhoneText] = Field(default_factory=list, max_length=20)
    telegram: HandleText | None = Field(default=None, description="Telegram username")
    twitter: HandleText | None = Field(default=None, description="X (Twitter) handle")
    linkedin: HandleText | None = Field(default=None, description="LinkedIn profile URL or slug")
    avatar_url: Annotated[str, StringConstraints(max_length=2000)] | None = None


class ContactCreate(ContactFields):
    """Body of ``POST /api/v1/contacts``."""

    full_name: Name = Field(description="Required, at most 300 characters")
    tags: list[TagText] = Field(default_factory=list, max_length=50)


class ContactUpdate(CleanInput):
    """Body of ``PATCH /api/v1/contacts/{contact_id}``: only the fields sent change.
    ``emails``/``phones`` replace the whole list."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    full_name: Name | None = None
    company: ShortText | None = None
    title: ShortText | None = None
    location: ShortText | None = None
    birthday: date | None = None
    priority: Priority | None = None
    emails: list[EmailText] | None = Field(default=None, max_length=20)
    phones: list[PhoneText] | None = Field(default=None, max_length=20)
    telegram: HandleText | None = None
    twitter: HandleText | None = None
    linkedin: HandleText | None = None
    avatar_url: Annotated[str, StringConstraints(max_length=2000)] | None = None
    tags: list[TagText] | None = Field(default=None, max_length=50)


class IdentifierOut(BaseModel):
    kind: IdentifierKind
    value: str = Field(description="Normalised form used for matching")
    display_value: str
    url: str | None = None


class OrganizationRef(BaseModel):
    id: int
    name: str


class ContactOut(BaseModel):
    """A contact as the API returns it."""

    id: int
    full_name: str
    company: str | None
    title: str | None
    location: str | None
    avatar_url: str | None
    birthday: date | None
    priority: Priority
    is_second_tier: bool
    score: int
    tier: Tier
    score_parts: dict[str, Any]
    last_interaction_at: datetime | None
    interaction_count: int
    bcc_hash: str
    organization: OrganizationRef | None
    emails: list[str]
    phones: list[str]
    identifiers: list[IdentifierOut]
    tags: list[str]
    edited_fields: list[str]
    source: str
    created_at: datetime
    updated_at: datetime


class BulkRequest(CleanInput):
    """Body of ``POST /api/v1/contacts/bulk``."""

    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] = Field(min_length=1, max_length=5000)
    action: BulkAction
    value: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        default=None, description="The tag name (add_tag/remove_tag) or priority (set_priority)"
    )


class BulkResult(BaseModel):
    action: BulkAction
    affected: int = Field(description="How many of the given contacts were changed")


class Deleted(BaseModel):
    id: int
    deleted: bool = True


class ContactListQuery(CleanInput):
    """What the contacts list shows: search, filters and order (pages, API, MCP)."""

    q: Annotated[str, StringConstraints(max_length=200)] | None = None
    tag: TagText | None = None
    priority: Priority | None = None
    tier: Tier | None = None
    platform: Platform | None = None
    organization_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    has_suggestion: bool = False
    show_second_tier: bool = False
    show_archived: bool = False
    sort: SortParam = "name"
