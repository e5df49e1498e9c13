"""Vocabulary shared by models, services and pages."""

from __future__ import annotations

import enum


class Priority(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    ARCHIVED = "archived"


class Platform(enum.StrEnum):
    """Where an interaction happened."""

    EMAIL = "email"
    TELEGRAM = "telegram"
    TWITTER = "twitter"
    LINKEDIN = "linkedin"
    MEETING = "meeting"
    MANUAL = "manual"


class InteractionKind(enum.StrEnum):
    MESSAGE = "message"
    EMAIL = "email"
    MENTION = "mention"
    MEETING = "meeting"
    CALL = "call"
    CONNECTION = "connection"
    NOTE = "note"


# The preview an import gives every LinkedIn connection it records.
CONNECTION_PREVIEW = "Connected on LinkedIn"
# Previews that are labels the app writes, the same for every contact, not words anybody
# wrote: they join no contact's search document (a search for "connected" or "on"
# matched every LinkedIn connection; the platform filter is how to list those). A
# connection the user logs by hand with words of their own is searched as usual.
UNSEARCHED_PREVIEWS = frozenset({CONNECTION_PREVIEW})


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    MUTUAL = "mutual"


class IdentifierKind(enum.StrEnum):
    """Kinds of normalised identifiers that point at exactly one contact of a user."""

    EMAIL = "email"
    PHONE = "phone"
    TELEGRAM_ID = "telegram_id"
    TELEGRAM_USERNAME = "telegram_username"
    TWITTER_ID = "twitter_id"
    TWITTER_HANDLE = "twitter_handle"
    LINKEDIN_ID = "linkedin_id"
    LINKEDIN_SLUG = "linkedin_slug"
    # The import/sync record a contact came from when the record had no identifier of
    # the person (provider + a stable key or fingerprint of the row): makes re-imports
    # idempotent without ever matching on a name. Not shown to the user.
    SOURCE_RECORD = "source_record"


class Provider(enum.StrEnum):
    """A connectable integration (a platform account's provider)."""

    GMAIL = "gmail"
    TELEGRAM = "telegram"
    TWITTER = "twitter"
    LINKEDIN = "linkedin"
    CSV = "csv"


class SyncKind(enum.StrEnum):
    EMAIL = "email"
    CONTACTS = "contacts"
    CALENDAR = "calendar"
    CHATS = "chats"
    DMS = "dms"
    MENTIONS = "mentions"
    EXTENSION_PUSH = "extension_push"
    CSV_IMPORT = "csv_import"


class SyncTrigger(enum.StrEnum):
    SCHEDULED = "scheduled"
    MANUAL = "manual"
    EXTENSION = "extension"


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    PARTIAL = "partial"
    FAILED = "failed"
    SKIPPED = "skipped"
    # A sync the provider asked to wait: it continues by itself when the wait is over.
    DEFERRED = "deferred"
    # An import whose CSV columns were not all understood: it waits for the user to map
    # them (web or API) and starts when they do.
    NEEDS_MAPPING = "needs_mapping"


class SuggestionStatus(enum.StrEnum):
    PENDING = "pending"
    SNOOZED = "snoozed"
    DISMISSED = "dismissed"
    DONE = "done"


class MatchStatus(enum.StrEnum):
    PENDING = "pending"
    MERGED = "merged"
    REJECTED = "rejected"
    SKIPPED = "skipped"


class NotificationKind(enum.StrEnum):
    SYNC_FINISHED = "sync_finished"
    SYNC_FAILED = "sync_failed"
    CONNECTION_ERROR = "connection_error"
    IMPORT_FINISHED = "import_finished"
    SUGGESTIONS_READY = "suggestions_ready"
    DUPLICATES_FOUND = "duplicates_found"
    MEETING_BRIEF_SENT = "meeting_brief_sent"
    SYSTEM = "system"
