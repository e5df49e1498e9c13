"""Calendar API ``Event`` JSON → the meetings domain's :class:`Meeting` (pure, no I/O).

An event is kept when it is not cancelled, the user did not decline it, and at least one
attendee other than the user (and not a room or other resource) is invited. Attendees
who declined are left out: they will not be in the meeting.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pingcrm.contacts.identifiers import normalize_email
from pingcrm.meetings.schemas import Attendee, Dropped, Meeting

TITLE_LENGTH = 500
NO_TITLE = "(No title)"


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_time(
    value: Mapping[str, Any] | None, default_zone: str | None
) -> tuple[datetime, bool] | None:
    """An ``EventDateTime`` as a UTC instant and whether it is an all-day date."""
    if not value:
        return None
    if value.get("dateTime"):
        raw = str(value["dateTime"]).replace("Z", "+00:00")
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            return None
        if moment.tzinfo is None:
            zone = _zone(value.get("timeZone") or default_zone) or UTC
            moment = moment.replace(tzinfo=zone)
        return moment.astimezone(UTC), False
    if value.get("date"):
        try:
            day = date.fromisoformat(str(value["date"]))
        except ValueError:
            return None
        zone = _zone(value.get("timeZone") or default_zone) or UTC
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC), True
    return None


def _is_self(raw: Mapping[str, Any], email: str | None, own: Collection[str]) -> bool:
    return bool(raw.get("self")) or (email is not None and email in own)


def map_event(
    event: Mapping[str, Any], own_addresses: Collection[str], default_zone: str | None = None
) -> Meeting | Dropped:
    """Map one event. ``own_addresses`` are the account's normalised addresses."""
    event_id = str(event.get("id") or "")
    if event.get("status") == "cancelled":
        return Dropped(event_id, "cancelled")
    others: list[Attendee] = []
    seen: set[str] = set()
    for raw in event.get("attendees") or []:
        email = normalize_email(str(raw.get("email") or ""))
        if _is_self(raw, email, own_addresses):
            if raw.get("responseStatus") == "declined":
                return Dropped(event_id, "declined")
            continue
        if email is None or raw.get("resource") or email in seen:
            continue
        response = str(raw.get("responseStatus") or "needsAction")
        if response == "declined":
            continue
        seen.add(email)
        name = " ".join(str(raw.get("displayName") or "").split()) or None
        others.append(Attendee(email, name, response, bool(raw.get("organizer"))))
    if not others:
        return Dropped(event_id, "no_attendees")
    zone = (event.get("start") or {}).get("timeZone") or default_zone
    start = parse_time(event.get("start"), default_zone)
    if start is None:
        return Dropped(event_id, "no_time")
    end = parse_time(event.get("end"), default_zone)
    title = " ".join(str(event.get("summary") or "").split())[:TITLE_LENGTH] or NO_TITLE
    return Meeting(
        event_id=event_id,
        title=title,
        starts_at=start[0],
        ends_at=end[0] if end else None,
        all_day=start[1],
        time_zone=zone if _zone(zone) else None,
        attendees=others,
        html_link=_https(event.get("htmlLink")),
    )


def _https(value: Any) -> str | None:
    """Only an https link is kept (it is rendered as a link in pages and emails)."""
    text = str(value or "").strip()
    return text[:2000] if text.startswith("https://") else None
