"""Every ORM model; importing this package registers all tables on ``Base.metadata``."""

from pingcrm.models.base import Base
from pingcrm.models.calendar_event import CalendarEvent
from pingcrm.models.contact import HIGH_PRIORITY_LISTED_SQL, Contact
from pingcrm.models.contact_identifier import ContactIdentifier
from pingcrm.models.contact_score import (
    HIDDEN_SCORES_SQL,
    ContactScore,
    is_listed,
)
from pingcrm.models.credentials import ExtensionPairing, ExtensionToken, McpKey
from pingcrm.models.detected_event import DetectedEvent
from pingcrm.models.enums import (
    CONNECTION_PREVIEW,
    UNSEARCHED_PREVIEWS,
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
from pingcrm.models.identity import IdentityMatch, MergeRecord
from pingcrm.models.interaction import Interaction
from pingcrm.models.job import JobLease, JobRun, SchedulerHeartbeat
from pingcrm.models.linkedin_profile_fetch import LinkedinProfileFetch
from pingcrm.models.meeting_brief import MeetingBrief
from pingcrm.models.note import Note
from pingcrm.models.notification import Notification
from pingcrm.models.oauth_state import OAuthState
from pingcrm.models.organization import Organization
from pingcrm.models.platform_account import PlatformAccount
from pingcrm.models.rate_limit import RateLimit
from pingcrm.models.suggestion import Suggestion
from pingcrm.models.sync_checkpoint import SyncCheckpoint
from pingcrm.models.sync_run import SyncRun
from pingcrm.models.tag import Tag, TagCategory, contact_tags
from pingcrm.models.telegram_peer import TelegramPeer
from pingcrm.models.user import User
from pingcrm.models.user_session import UserSession
from pingcrm.models.user_settings import UserSettings

__all__ = [
    "CONNECTION_PREVIEW",
    "HIDDEN_SCORES_SQL",
    "HIGH_PRIORITY_LISTED_SQL",
    "UNSEARCHED_PREVIEWS",
    "Base",
    "CalendarEvent",
    "Contact",
    "ContactIdentifier",
    "ContactScore",
    "DetectedEvent",
    "Direction",
    "ExtensionPairing",
    "ExtensionToken",
    "IdentifierKind",
    "IdentityMatch",
    "Interaction",
    "InteractionKind",
    "JobLease",
    "JobRun",
    "LinkedinProfileFetch",
    "MatchStatus",
    "McpKey",
    "MeetingBrief",
    "MergeRecord",
    "Note",
    "Notification",
    "NotificationKind",
    "OAuthState",
    "Organization",
    "Platform",
    "PlatformAccount",
    "Priority",
    "Provider",
    "RateLimit",
    "RunStatus",
    "SchedulerHeartbeat",
    "Suggestion",
    "SuggestionStatus",
    "SyncCheckpoint",
    "SyncKind",
    "SyncRun",
    "SyncTrigger",
    "Tag",
    "TagCategory",
    "TelegramPeer",
    "User",
    "UserSession",
    "UserSettings",
    "contact_tags",
    "is_listed",
]
