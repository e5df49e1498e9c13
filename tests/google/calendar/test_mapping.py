"""Event JSON edge cases: times with offsets and all-day dates, odd links, no title."""

from __future__ import annotations

from datetime import UTC, datetime

from pingcrm.google.calendar.mapping import map_event
from pingcrm.meetings.schemas import Dropped, Meeting

ME = "ada@gmail.com"
OTHERS = [
    {"email": ME, "self": True, "responseStatus": "accepted"},
    {"email": "Bob@Example.com", "responseStatus": "accepted"},
]


def test_times_links_and_titles() -> None:
    timed = map_event(
        {
            "id": "a",
            "start": {"dateTime": "2026-11-02T10:00:00+01:00", "timeZone": "Europe/Berlin"},
            "end": {"dateTime": "2026-11-02T10:30:00+01:00"},
            "attendees": OTHERS,
            "htmlLink": "javascript:alert(1)",
        },
        {ME},
    )
    assert isinstance(timed, Meeting)
    assert timed.starts_at == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    assert timed.time_zone == "Europe/Berlin"
    assert timed.html_link is None
    assert timed.title == "(No title)"
    assert [a.email for a in timed.attendees] == ["bob@example.com"]

    all_day = map_event(
        {
            "id": "b",
            "start": {"date": "2026-11-03"},
            "end": {"date": "2026-11-04"},
            "attendees": OTHERS,
            "summary": "  Offsite \n day ",
            "htmlLink": "https://www.google.com/calendar/event?eid=b",
        },
        {ME},
        default_zone="UTC",
    )
    assert isinstance(all_day, Meeting)
    assert all_day.all_day is True
    assert all_day.starts_at == datetime(2026, 11, 3, tzinfo=UTC)
    assert all_day.title == "Offsite day"
    assert all_day.html_link == "https://www.google.com/calendar/event?eid=b"


def test_unusable_events_are_dropped() -> None:
    assert map_event({"id": "c", "attendees": OTHERS}, {ME}) == Dropped("c", "no_time")
    assert map_event(
        {"id": "d", "start": {"dateTime": "not a time"}, "attendees": OTHERS}, {ME}
    ) == Dropped("d", "no_time")
    assert map_event(
        {
            "id": "e",
            "start": {"dateTime": "2026-11-02T10:00:00Z"},
            "attendees": [{"email": "not-an-address"}, {"email": ME, "self": True}],
        },
        {ME},
    ) == Dropped("e", "no_attendees")
