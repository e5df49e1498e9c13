"""A Telegram account's Sync settings (kept in ``platform_accounts.sync_settings``):
how often the scheduled sync runs, 2nd-tier contacts from groups, the group size limit.
"Sync automatically" is the shared ``auto_sync`` switch of every platform account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pingcrm.errors import ValidationFailed
from pingcrm.kit.clock import utcnow
from pingcrm.models import PlatformAccount

SCHEDULES: dict[str, tuple[str, timedelta]] = {
    "6h": ("Every 6 hours", timedelta(hours=6)),
    "12h": ("Every 12 hours", timedelta(hours=12)),
    "daily": ("Daily", timedelta(days=1)),
    "weekly": ("Weekly", timedelta(days=7)),
}
DEFAULT_SCHEDULE = "daily"
DEFAULT_GROUP_SIZE_LIMIT = 500
MAX_GROUP_SIZE_LIMIT = 10_000


@dataclass(frozen=True)
class TelegramSyncSettings:
    schedule: str = DEFAULT_SCHEDULE
    second_tier: bool = False
    group_size_limit: int = DEFAULT_GROUP_SIZE_LIMIT
    sync_groups: bool = True

    @property
    def schedule_label(self) -> str:
        return SCHEDULES[self.schedule][0]


def sync_settings(account: PlatformAccount) -> TelegramSyncSettings:
    raw = account.sync_settings or {}
    schedule = str(raw.get("schedule") or DEFAULT_SCHEDULE)
    limit = raw.get("group_size_limit", DEFAULT_GROUP_SIZE_LIMIT)
    return TelegramSyncSettings(
        schedule=schedule if schedule in SCHEDULES else DEFAULT_SCHEDULE,
        second_tier=raw.get("second_tier") is True,
        group_size_limit=int(limit) if isinstance(limit, int) else DEFAULT_GROUP_SIZE_LIMIT,
    )


def validated(
    schedule: str, second_tier: bool, group_size_limit: str | int
) -> TelegramSyncSettings:
    """Settings from a form or the API; ValidationFailed names the bad field."""
    if schedule not in SCHEDULES:
        choices = ", ".join(SCHEDULES)
        raise ValidationFailed(f"Choose a schedule: {choices}.", details={"field": "schedule"})
    try:
        limit = int(str(group_size_limit).strip())
    except ValueError as exc:
        raise ValidationFailed(
            "The group size limit must be a whole number of members.",
            details={"field": "group_size_limit"},
        ) from exc
    if not 2 <= limit <= MAX_GROUP_SIZE_LIMIT:
        raise ValidationFailed(
            f"The group size limit must be between 2 and {MAX_GROUP_SIZE_LIMIT:,} members.",
            details={"field": "group_size_limit"},
        )
    return TelegramSyncSettings(schedule=schedule, second_tier=second_tier, group_size_limit=limit)


def store(account: PlatformAccount, prefs: TelegramSyncSettings) -> None:
    account.sync_settings = {
        **(account.sync_settings or {}),
        "schedule": prefs.schedule,
        "second_tier": prefs.second_tier,
        "group_size_limit": prefs.group_size_limit,
    }


def is_due(account: PlatformAccount, now: datetime | None = None) -> bool:
    """Whether a scheduled tick should sync the account (its schedule has elapsed)."""
    if account.last_synced_at is None:
        return True
    interval = SCHEDULES[sync_settings(account).schedule][1]
    # A little slack so that an hourly tick does not drift a whole hour each time.
    return (now or utcnow()) - account.last_synced_at >= interval - timedelta(minutes=5)
