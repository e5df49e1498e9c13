"""Calendar jobs: the daily sync per Gmail account (06:00 UTC, and Sync now), and the
catch-up that counts meetings as interactions once they have started."""

from __future__ import annotations

from datetime import timedelta

from pingcrm.config import Settings
from pingcrm.google.calendar.api import CalendarApi
from pingcrm.google.calendar.sync import CalendarOptions, sync_calendar
from pingcrm.google.client import GoogleClient
from pingcrm.google.provider import register_kind
from pingcrm.meetings import service
from pingcrm.models import Provider, SyncKind
from pingcrm.sync.engine import run_account_sync
from pingcrm.sync.provider import SyncContext
from pingcrm.worker.context import JobContext
from pingcrm.worker.registry import Cron, Every, Fanout, job

SYNC_JOB = "google.calendar_sync"


def options(settings: Settings) -> CalendarOptions:
    return CalendarOptions(
        past_days=settings.calendar_past_days,
        future_days=settings.calendar_future_days,
        max_people=settings.calendar_max_meeting_size,
    )


@register_kind(SyncKind.CALENDAR)
def calendar_kind(ctx: SyncContext, client: GoogleClient) -> None:
    """The CALENDAR sync of the Google provider."""
    sync_calendar(ctx, CalendarApi(client), options(ctx.settings))


@job(
    SYNC_JOB,
    schedule=Cron(hour=6, minute=0),
    fanout=Fanout.ACCOUNT,
    provider=Provider.GMAIL,
    description="Sync Google Calendar meetings",
)
def calendar_sync(ctx: JobContext) -> None:
    """Sync the account's primary calendar."""
    run_account_sync(ctx, SyncKind.CALENDAR)


@job(
    "google.count_started_meetings",
    schedule=Every(timedelta(minutes=10)),
    fanout=Fanout.ACCOUNT,
    provider=Provider.GMAIL,
    description="Count meetings that have started as interactions",
    follows_auto_sync=False,
)
def count_started_meetings(ctx: JobContext) -> None:
    """Refresh counters and scores of the user's contacts whose meeting has just
    started (only users with a Gmail account have calendar meetings)."""
    assert ctx.user_id is not None
    service.count_started_meetings(ctx.session, ctx.user_id)
