"""Fake Google Calendar API v3: ``events.list`` on a user's calendars, with the documented
JSON shapes, pagination (``pageToken``/``nextPageToken``), sync tokens
(``nextSyncToken`` on the last page; incremental lists return changed and cancelled
events), 410 ``fullSyncRequired`` for expired tokens, and injected 401/429/5xx errors.

Mounted by :mod:`tests.fakes.google.app` under ``/calendar/v3``; ``authorize`` turns a
request's bearer token into the account address (or an error response).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SYNC_INCOMPATIBLE = ("timeMin", "timeMax", "q", "orderBy", "updatedMin", "iCalUID")
MAX_RESULTS = 2500


def google_error(status: int, reason: str, message: str, **headers: str) -> JSONResponse:
    """The Calendar/Gmail (v1 "global" domain) error body."""
    body = {
        "error": {
            "errors": [{"domain": "global", "reason": reason, "message": message}],
            "code": status,
            "message": message,
        }
    }
    return JSONResponse(body, status_code=status, headers=headers or None)


@dataclass
class _Calendar:
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed_at: dict[str, int] = field(default_factory=dict)  # event id → change sequence
    seq: int = 0
    generation: int = 0  # sync tokens of an older generation answer 410


@dataclass
class FakeCalendarState:
    """Each account's primary calendar, changes numbered so sync tokens work; scripted
    failures answered before anything else; every request recorded."""

    calendars: dict[str, _Calendar] = field(default_factory=dict)
    failures: list[tuple[int, str, int | None]] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _cal(self, account: str) -> _Calendar:
        return self.calendars.setdefault(account.lower(), _Calendar())

    def put_event(self, account: str, event: dict[str, Any]) -> dict[str, Any]:
        """Create or replace an event (``id`` required); it shows up in the next sync."""
        with self.lock:
            cal = self._cal(account)
            cal.seq += 1
            stored = {"kind": "calendar#event", "status": "confirmed", **event}
            stored["updated"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            stored.setdefault("etag", f'"{cal.seq}"')
            cal.events[stored["id"]] = stored
            cal.changed_at[stored["id"]] = cal.seq
            return stored

    def cancel_event(self, account: str, event_id: str) -> None:
        """Delete an event: incremental syncs (and lists with ``showDeleted``) see it
        with ``status: cancelled``."""
        with self.lock:
            cal = self._cal(account)
            cal.seq += 1
            before = cal.events.get(event_id, {})
            cal.events[event_id] = {
                **before,
                "kind": "calendar#event",
                "id": event_id,
                "status": "cancelled",
                "etag": f'"{cal.seq}"',
            }
            cal.changed_at[event_id] = cal.seq

    def expire_sync_tokens(self, account: str) -> None:
        """Every sync token handed out so far answers 410 from now on."""
        with self.lock:
            self._cal(account).generation += 1

    def fail_next(self, status: int, reason: str = "", retry_after: int | None = None) -> None:
        """Answer the next request with this error (401 authError, 429 rateLimitExceeded,
        503 backendError, …)."""
        with self.lock:
            self.failures.append((status, reason, retry_after))

    def list_events(self, account: str, params: dict[str, str]) -> Response:
        with self.lock:
            self.requests.append({"account": account, **params})
            if self.failures:
                status, reason, retry_after = self.failures.pop(0)
                headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
                default = {401: "authError", 429: "rateLimitExceeded"}.get(status, "backendError")
                return google_error(status, reason or default, "Injected failure.", **headers)
            return self._list(account.lower(), self._cal(account), params)

    def _list(self, account: str, cal: _Calendar, params: dict[str, str]) -> Response:
        sync_token = params.get("syncToken")
        if sync_token and any(params.get(p) for p in SYNC_INCOMPATIBLE):
            return google_error(400, "invalid", "syncToken cannot be used with timeMin/timeMax.")
        try:
            size = min(int(params.get("maxResults", "250")), MAX_RESULTS)
        except ValueError:
            return google_error(400, "invalid", "Invalid value for maxResults.")
        request_key = {k: v for k, v in sorted(params.items()) if k != "pageToken"}
        if params.get("pageToken"):
            try:
                page = json.loads(base64.urlsafe_b64decode(params["pageToken"]))
            except ValueError:
                return google_error(400, "invalid", "Invalid page token.")
            if page["request"] != request_key:
                return google_error(400, "invalid", "The page token belongs to another request.")
            offset, snapshot = page["offset"], page["snapshot"]
        else:
            offset, snapshot = 0, cal.seq
        if sync_token:
            try:
                generation, since = map(int, sync_token.removeprefix("sync-").split("-"))
            except ValueError:
                return google_error(410, "fullSyncRequired", "Invalid sync token.")
            if generation != cal.generation:
                return google_error(
                    410,
                    "fullSyncRequired",
                    "Sync token is no longer valid, a full sync is required.",
                )
            items = [e for eid, e in cal.events.items() if since < cal.changed_at[eid] <= snapshot]
        else:
            items = [
                e
                for eid, e in cal.events.items()
                if (e.get("status") != "cancelled" or params.get("showDeleted") == "true")
                and cal.changed_at[eid] <= snapshot
                and _in_window(e, params.get("timeMin"), params.get("timeMax"))
            ]
        items.sort(key=lambda e: (_start(e) or "", e["id"]))
        chunk = items[offset : offset + size]
        body: dict[str, Any] = {
            "kind": "calendar#events",
            "etag": f'"{snapshot}"',
            "summary": "primary",
            "updated": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "timeZone": "UTC",
            "accessRole": "owner",
            "defaultReminders": [],
            "items": [_as_seen_by(account, e) for e in chunk],
        }
        if offset + size < len(items):
            token = {"offset": offset + size, "snapshot": snapshot, "request": request_key}
            body["nextPageToken"] = base64.urlsafe_b64encode(json.dumps(token).encode()).decode()
        else:
            body["nextSyncToken"] = f"sync-{cal.generation}-{snapshot}"
        return JSONResponse(body)


def _as_seen_by(account: str, event: dict[str, Any]) -> dict[str, Any]:
    """The event as the account's calendar shows it: its own attendee entry has ``self``."""
    if not event.get("attendees"):
        return event
    copy = dict(event)
    copy["attendees"] = [
        {**a, "self": True} if str(a.get("email", "")).lower() == account else a
        for a in event["attendees"]
    ]
    return copy


def _start(event: dict[str, Any]) -> str | None:
    start = event.get("start") or {}
    return start.get("dateTime") or start.get("date")


def _in_window(event: dict[str, Any], time_min: str | None, time_max: str | None) -> bool:
    start = _parse(_start(event))
    end = _parse((event.get("end") or {}).get("dateTime") or (event.get("end") or {}).get("date"))
    if start is None:
        return False
    if time_max and start >= _parse(time_max):  # type: ignore[operator]
        return False
    return not (time_min and (end or start) <= _parse(time_min))  # type: ignore[operator]


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    if len(value) == 10:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


Authorize = Callable[[Request], "str | Response"]


def routes(state: FakeCalendarState, authorize: Authorize) -> list[Route]:
    """``GET /calendar/v3/calendars/{calendarId}/events`` (``primary`` or the address)."""

    async def events_list(request: Request) -> Response:
        account = authorize(request)
        if isinstance(account, Response):
            return account
        calendar_id = request.path_params["calendar_id"]
        if calendar_id not in ("primary", account):
            return google_error(404, "notFound", "Not Found")
        return state.list_events(account, dict(request.query_params))

    return [Route("/calendar/v3/calendars/{calendar_id}/events", events_list, methods=["GET"])]


def event(
    event_id: str,
    start: datetime,
    minutes: int,
    attendees: list[tuple[str, str | None, str]],
    *,
    summary: str = "Meeting",
    organizer: str | None = None,
) -> dict[str, Any]:
    """A timed event in the documented shape; ``attendees`` are (email, name, response)
    and the one marked ``self`` is the account's own entry (pass it in the list)."""
    end = start.timestamp() + minutes * 60
    return {
        "id": event_id,
        "summary": summary,
        "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
        "start": {"dateTime": start.astimezone(UTC).isoformat().replace("+00:00", "Z")},
        "end": {"dateTime": datetime.fromtimestamp(end, UTC).isoformat().replace("+00:00", "Z")},
        "organizer": {"email": organizer or attendees[0][0]},
        "attendees": [
            {"email": email, "displayName": name, "responseStatus": response}
            if name
            else {"email": email, "responseStatus": response}
            for email, name, response in attendees
        ],
    }


CALENDAR_SCOPES = (
    "https://www.googleapis.com/auth/calendar.readonly",
    "https://www.googleapis.com/auth/calendar",
)


def state_of(google: Any) -> FakeCalendarState:
    """The calendar data of a :class:`tests.fakes.google.state.FakeGoogle`."""
    with google.lock:
        found = google.extra.get("calendar")
        if found is None:
            found = google.extra["calendar"] = FakeCalendarState()
        return found


def authorizer(google: Any) -> Authorize:
    """Bearer token → account address through the fake's OAuth state: 401 for unknown
    tokens, 403 without a calendar scope, 429 when the account's quota is spent."""

    def authorize(request: Request) -> str | Response:
        grant = google.bearer(request.headers.get("authorization"))
        if grant is None:
            return google_error(401, "authError", "Request had invalid authentication credentials.")
        if not any(scope in grant["scopes"] for scope in CALENDAR_SCOPES):
            return google_error(
                403, "insufficientPermissions", "Request had insufficient authentication scopes."
            )
        failure = google.take_failure("events.list")
        if failure is not None:
            headers = {}
            if failure.retry_after is not None:
                headers["Retry-After"] = str(int(failure.retry_after))
            default = {401: "authError", 429: "rateLimitExceeded", 410: "fullSyncRequired"}
            return google_error(
                failure.status,
                failure.reason or default.get(failure.status, "backendError"),
                failure.message,
                **headers,
            )
        if not google.charge(grant["email"], "events.list", 1):
            return google_error(
                429, "rateLimitExceeded", "Rate Limit Exceeded", **{"Retry-After": "1"}
            )
        return str(grant["email"]).lower()

    return authorize


def mount(google: Any) -> list[Route]:
    """The Calendar routes of the fake Google app."""
    return routes(state_of(google), authorizer(google))


def seed_demo(google: Any, account: str, now: datetime | None = None) -> None:
    """Some meetings for the standalone fake: past ones, one starting in 35 minutes
    (a meeting-prep email on the next scan), an upcoming one, a declined one."""
    now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    cal = state_of(google)
    me = (account, "You", "accepted")
    ann = ("ann.lee@example.com", "Ann Lee", "accepted")
    raj = ("raj@example.org", "Raj Patel", "accepted")
    cal.put_event(
        account,
        event(
            "demo-past-1",
            now.replace(hour=10) - timedelta(days=12),
            45,
            [me, ann],
            summary="Coffee with Ann",
        ),
    )
    cal.put_event(
        account,
        event(
            "demo-past-2",
            now.replace(hour=15) - timedelta(days=3),
            30,
            [me, ann, raj],
            summary="Partnership call",
        ),
    )
    cal.put_event(
        account,
        event("demo-soon", now + timedelta(minutes=35), 30, [me, raj], summary="Roadmap review"),
    )
    cal.put_event(
        account,
        event(
            "demo-next",
            now.replace(hour=9) + timedelta(days=4),
            60,
            [me, ann],
            summary="Quarterly planning",
        ),
    )
    cal.put_event(
        account,
        event(
            "demo-declined",
            now.replace(hour=11) + timedelta(days=1),
            30,
            [(account, "You", "declined"), raj],
            summary="Optional sync",
        ),
    )
