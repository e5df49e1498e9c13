"""``get_meeting_brief`` with an ``event_id``: the brief of a synced calendar meeting,
its contacts' briefs and the guests who are not contacts; another user's event is
unknown."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.google.calendar.mapping import map_event
from pingcrm.google.calendar.sync import store_page
from pingcrm.kit.clock import utcnow
from pingcrm.models import Provider
from pingcrm.platform_accounts import service as accounts
from tests.fakes.google.calendar import event
from tests.mcp.conftest import Person
from tests.mcp.test_http import call, text_of


def _sync_event(session: Session, settings: Settings, person: Person, guests: int) -> None:
    account = accounts.connect(
        session,
        settings,
        user_id=person.user.id,
        provider=Provider.GMAIL,
        external_id=f"{person.marker.lower()}@gmail.com",
        credentials={"refresh_token": "r"},
    )
    start = utcnow().replace(microsecond=0) + timedelta(hours=1)
    people = [(f"{person.marker.lower()}@ex.com", None, "accepted")]
    people += [(f"guest{n}@big.org", f"Guest {n}", "accepted") for n in range(guests)]
    item = event(
        "evt-123",
        start,
        30,
        [(account.external_id, None, "accepted"), *people],
        summary=f"{person.marker} board meeting",
    )
    store_page(session, account, [map_event(item, {account.external_id})], max_people=15)
    session.commit()


def test_brief_of_a_calendar_event(
    live_url: str, ada: Person, eve: Person, session: Session, settings: Settings
) -> None:
    _sync_event(session, settings, ada, guests=15)  # too big to create contacts for guests
    brief = text_of(call(live_url, ada.key, "get_meeting_brief", event_id="evt-123"))
    assert brief.startswith("# Brief: Adamarker board meeting")
    assert f"## Adamarker Lovelace (id {ada.contact_id}) · Founder at Adamarker Engines" in brief
    assert "### Talking points (template)" in brief
    assert "## Also attending" in brief
    assert "- Guest 0 <guest0@big.org>" in brief
    assert "16 other attendees" in brief

    # Eve has no such event: a clear error, nothing of Ada's.
    result = call(live_url, eve.key, "get_meeting_brief", event_id="evt-123")
    assert result.is_error
    assert "No synced calendar meeting has this event id" in text_of(result)
    assert "Adamarker" not in text_of(result)
