"""The Google sync provider: one platform account (a Gmail address), three kinds.

Gmail (``google/gmail``) syncs EMAIL, Google Contacts (``google/people``) CONTACTS and
Google Calendar (``google/calendar``) CALENDAR; each kind's sync is a function
``(ctx, client) -> None`` listed in :data:`KIND_SYNCS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pingcrm.config import Settings
from pingcrm.google.calendar.api import CalendarApi
from pingcrm.google.calendar.sync import CalendarOptions, sync_calendar
from pingcrm.google.client import GoogleClient
from pingcrm.google.gmail.sync import sync_email
from pingcrm.google.people.api import PeopleApi
from pingcrm.google.people.sync import sync_contacts
from pingcrm.models import Provider, SyncKind
from pingcrm.sync.provider import SyncContext

KindSync = Callable[[SyncContext, GoogleClient], None]


def _sync_contacts(ctx: SyncContext, client: GoogleClient) -> None:
    sync_contacts(ctx, PeopleApi(client))


def _sync_calendar(ctx: SyncContext, client: GoogleClient) -> None:
    sync_calendar(ctx, CalendarApi(client), CalendarOptions.from_settings(ctx.settings))


KIND_SYNCS: Mapping[SyncKind, KindSync] = {
    SyncKind.EMAIL: sync_email,
    SyncKind.CONTACTS: _sync_contacts,
    SyncKind.CALENDAR: _sync_calendar,
}


class GoogleProvider:
    """Gmail (email), Google Contacts and Google Calendar of one connected account."""

    provider = Provider.GMAIL
    kinds: tuple[SyncKind, ...] = tuple(KIND_SYNCS)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def sync(self, ctx: SyncContext, kind: SyncKind) -> None:
        """Run the sync of ``kind`` with a client for the account."""
        with GoogleClient.from_context(ctx) as client:
            KIND_SYNCS[kind](ctx, client)
