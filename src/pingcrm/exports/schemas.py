"""The account export document (``format_version`` 1): what ``pingcrm export`` writes and
``pingcrm import-json`` reads back.

Rows that belong to a contact are nested inside it, and cross references use names
(organization, tags, platform account ``provider:external_id``, a contact's ``bcc_hash``),
so a document restores into any account without id bookkeeping. ``id`` fields are the ids
in the exporting database, for reference only.
Secrets never appear: no password hash, tokens, encrypted credentials or key digests.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pingcrm.models import (
    Direction,
    IdentifierKind,
    InteractionKind,
    MatchStatus,
    NotificationKind,
    Platform,
    Priority,
    Provider,
    RunStatus,
    SuggestionStatus,
    SyncKind,
    SyncTrigger,
)

FORMAT_VERSION = 1


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExportSettings(_Doc):
    followup_high_days: int = 30
    followup_medium_days: int = 60
    followup_low_days: int = 180
    daily_suggestion_budget: int = 5
    ai_provider: str = "none"
    ai_model: str = ""
    ai_base_url: str = ""
    identity_auto_merge_probable: bool = False
    # "provider:external_id" of the primary Gmail account, if one is chosen.
    primary_gmail_account: str | None = None


class ExportAccount(_Doc):
    email: str
    created_at: datetime | None = None
    settings: ExportSettings = Field(default_factory=ExportSettings)


class ExportPlatformAccount(_Doc):
    """A connection without its credentials: it restores as disconnected."""

    ref: str
    provider: Provider
    external_id: str = Field(max_length=320)
    display_name: str | None = None
    scopes: str = ""
    sync_settings: dict[str, Any] = Field(default_factory=dict)
    last_synced_at: datetime | None = None


class ExportTagCategory(_Doc):
    name: str = Field(max_length=100)
    position: int = 0
    tags: list[str] = Field(default_factory=list)


class ExportOrganization(_Doc):
    id: int | None = None
    name: str = Field(max_length=300)
    normalized_name: str = Field(max_length=300)
    domain: str | None = None


class ExportIdentifier(_Doc):
    kind: IdentifierKind
    value: str = Field(max_length=320)
    display_value: str = Field(max_length=320)
    label: str | None = None


class ExportNote(_Doc):
    id: int | None = None
    body: str
    created_at: datetime
    updated_at: datetime


class ExportInteraction(_Doc):
    id: int | None = None
    platform: Platform
    kind: InteractionKind
    direction: Direction
    occurred_at: datetime
    ended_at: datetime | None = None
    subject: str | None = Field(default=None, max_length=500)
    preview: str = Field(default="", max_length=500)
    provider_id: str = Field(max_length=255)
    thread_id: str | None = None
    platform_account: str | None = None
    is_read: bool | None = None
    extra: dict[str, Any] | None = None
    created_at: datetime


class ExportSuggestion(_Doc):
    id: int | None = None
    trigger: str
    reason: str
    why: dict[str, Any] = Field(default_factory=dict)
    message: str = ""
    channel: str
    status: SuggestionStatus
    snoozed_until: datetime | None = None
    acted_at: datetime | None = None
    llm_model: str | None = None
    llm_prompt: str | None = None
    created_at: datetime


class ExportDetectedEvent(_Doc):
    id: int | None = None
    kind: str
    summary: str
    confidence: float = 1.0
    source: str
    occurred_at: datetime


class ExportContact(_Doc):
    id: int | None = None
    full_name: str = Field(max_length=300)
    given_name: str | None = None
    family_name: str | None = None
    company: str | None = None
    title: str | None = None
    location: str | None = None
    avatar_url: str | None = None
    birthday: date | None = None
    twitter_bio: str | None = None
    linkedin_headline: str | None = None
    telegram_bio: str | None = None
    priority: Priority = Priority.MEDIUM
    is_second_tier: bool = False
    score: int = 0
    score_parts: dict[str, Any] = Field(default_factory=dict)
    last_interaction_at: datetime | None = None
    interaction_count: int = 0
    bcc_hash: str = Field(max_length=24)
    organization: str | None = None
    edited_fields: list[str] = Field(default_factory=list)
    common_groups: list[str] = Field(default_factory=list)
    source: str = "manual"
    created_at: datetime
    updated_at: datetime
    identifiers: list[ExportIdentifier] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    notes: list[ExportNote] = Field(default_factory=list)
    interactions: list[ExportInteraction] = Field(default_factory=list)
    suggestions: list[ExportSuggestion] = Field(default_factory=list)
    detected_events: list[ExportDetectedEvent] = Field(default_factory=list)


class ExportNotification(_Doc):
    kind: NotificationKind
    title: str
    body: str = ""
    link: str | None = None
    is_read: bool = False
    created_at: datetime


class ExportIdentityMatch(_Doc):
    """A duplicate candidate (pending, rejected, …) between two contacts (``bcc_hash``)."""

    id: int | None = None
    contact_a: str
    contact_b: str
    score: float
    tier: int
    signals: dict[str, Any] = Field(default_factory=dict)
    status: MatchStatus = MatchStatus.PENDING
    decided_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class ExportMergeRecord(_Doc):
    """A merge of the history. Its snapshot names rows of the exporting database, so a
    restored merge is history only: it cannot be undone."""

    id: int | None = None
    survivor: str | None = None
    absorbed_contact_id: int
    snapshot: dict[str, Any] = Field(default_factory=dict)
    undone_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class ExportCalendarEvent(_Doc):
    """A synced meeting; each attendee's ``contact`` is a contact's ``bcc_hash``."""

    id: int | None = None
    platform_account: str
    event_id: str = Field(max_length=255)
    title: str = Field(default="", max_length=500)
    starts_at: datetime
    ends_at: datetime | None = None
    all_day: bool = False
    time_zone: str | None = Field(default=None, max_length=64)
    attendees: list[dict[str, Any]] = Field(default_factory=list)
    html_link: str | None = None
    created_at: datetime
    updated_at: datetime


class ExportSyncRun(_Doc):
    """One run of the sync history."""

    id: int | None = None
    platform_account: str | None = None
    provider: Provider
    kind: SyncKind
    trigger: SyncTrigger
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None = None
    new_interactions: int = 0
    new_contacts: int = 0
    updated_contacts: int = 0
    skipped: int = 0
    errors: int = 0
    error_text: str | None = None
    progress_done: int = 0
    progress_total: int | None = None
    details: dict[str, Any] | None = None


class ExportDocument(_Doc):
    """The whole account."""

    format_version: int
    exported_at: datetime
    account: ExportAccount
    platform_accounts: list[ExportPlatformAccount] = Field(default_factory=list)
    tag_categories: list[ExportTagCategory] = Field(default_factory=list)
    uncategorized_tags: list[str] = Field(default_factory=list)
    organizations: list[ExportOrganization] = Field(default_factory=list)
    contacts: list[ExportContact] = Field(default_factory=list)
    notifications: list[ExportNotification] = Field(default_factory=list)
    identity_matches: list[ExportIdentityMatch] = Field(default_factory=list)
    merge_records: list[ExportMergeRecord] = Field(default_factory=list)
    calendar_events: list[ExportCalendarEvent] = Field(default_factory=list)
    sync_runs: list[ExportSyncRun] = Field(default_factory=list)
