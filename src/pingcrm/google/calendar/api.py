"""``events.list`` of the primary calendar through the account's :class:`GoogleClient`."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pingcrm.google.calendar.sync import SyncTokenGone
from pingcrm.google.client import GoogleApiError, GoogleClient

UNITS = 1  # google.quota: calendar.events.list


class CalendarApi:
    """The Calendar API v3 of one account (base URL: ``PINGCRM_CALENDAR_API_URL``)."""

    def __init__(self, client: GoogleClient, calendar_id: str = "primary") -> None:
        self.client = client
        base = client.settings.calendar_api_url.rstrip("/")
        self.events_url = f"{base}/calendars/{quote(calendar_id, safe='')}/events"

    def list_events(self, params: dict[str, str]) -> dict[str, Any]:
        """One page; ``SyncTokenGone`` when Google wants a full sync (410)."""
        try:
            data = self.client.get_json(self.events_url, params, units=UNITS)
        except GoogleApiError as exc:
            if exc.status == 410:
                raise SyncTokenGone(str(exc)) from exc
            raise
        return data if isinstance(data, dict) else {}
