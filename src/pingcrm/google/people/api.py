"""``people/me/connections`` through the account's :class:`GoogleClient`."""

from __future__ import annotations

from typing import Any

from pingcrm.google.client import GoogleApiError, GoogleClient
from pingcrm.google.people.sync import SyncTokenExpired

UNITS = 1  # google.quota: people.connections.list
EXPIRED_REASONS = frozenset({"EXPIRED_SYNC_TOKEN", "FAILED_PRECONDITION"})


class PeopleApi:
    """The People API v1 of one account (base URL: ``PINGCRM_PEOPLE_API_URL``)."""

    def __init__(self, client: GoogleClient) -> None:
        self.client = client
        self.url = f"{client.settings.people_api_url.rstrip('/')}/v1/people/me/connections"

    def list_connections(self, params: dict[str, str]) -> dict[str, Any]:
        """One page; ``SyncTokenExpired`` when the sync token is no longer accepted
        (documented as an error with reason EXPIRED_SYNC_TOKEN: HTTP 400
        FAILED_PRECONDITION, or 410 on older API versions)."""
        try:
            data = self.client.get_json(self.url, params, units=UNITS)
        except GoogleApiError as exc:
            expired = exc.status == 410 or (
                exc.status == 400 and exc.reason in EXPIRED_REASONS and "syncToken" in params
            )
            if expired:
                raise SyncTokenExpired(str(exc)) from exc
            raise
        return data if isinstance(data, dict) else {}
