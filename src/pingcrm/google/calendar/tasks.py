"""Calendar jobs: the daily sync per Gmail account (06:00 UTC, and Sync now), and the
catch-up that counts meetings as interactions once they have started."""

from __future__ import annotations

from datetime import timedelta

from pingcrm.config import Settings
from pingcrm.google.calendar.sync import CalendarOptions
from pingcrm.google.provider import GoogleProvider
from pingcrm.meetings import service
from pingcrm.models import Provider, SyncKind
from pingcrm.sync.engine import run_account_sync
from pingcrm.worker.context import JobContext
from pingcrm.worker.registry import Cron, Every, Fanout, job

SYNC_JOB = "google.calendar_sync"


def options(settings: Settings) -> CalendarOptions:
    """The calendar window and meeting-size limit of this server."""
    return CalendarOptions.from_settings(settings)


@job(
    SYNC_JOB,
    schedule=Cron(hour=6, minute=0),
    fanout=Fanout.ACCOUNT,
    provider=Provider.GMAIL,
    kind=SyncKind.CALENDAR,
    description="Sync Google Calendar meetings",
)
def calendar_sync(ctx: JobContext) -> None:
    """Sync the account's primary calendar."""
    run_account_sync(ctx, SyncKind.CALENDAR, GoogleProvider)


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
