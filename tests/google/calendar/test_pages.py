"""The contact page: upcoming meetings in their own list, past meetings in the timeline
with their title, length and attendees."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.google.calendar.mapping import map_event
from pingcrm.google.calendar.sync import store_page
from pingcrm.kit.clock import utcnow
from pingcrm.models import Contact, Provider
from pingcrm.platform_accounts import service as accounts
from tests.fakes.google.calendar import event
from tests.fixtures.builders import create_user, login

ME = "ada@gmail.com"


def test_contact_page_shows_upcoming_and_past_meetings(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = create_user(session)
    account = accounts.connect(
        session,
        settings,
        user_id=user.id,
        provider=Provider.GMAIL,
        external_id=ME,
        credentials={"refresh_token": "r"},
    )
    now = utcnow().replace(microsecond=0)
    people = [
        (ME, None, "accepted"),
        ("bob@acme.com", "Bob Stone", "accepted"),
        ("carol@acme.com", "Carol Ng", "accepted"),
    ]
    store_page(
        session,
        account,
        [
            map_event(
                event("past", now - timedelta(days=2), 45, people, summary="Roadmap review"), {ME}
            ),
            map_event(
                event("next", now + timedelta(days=3), 30, people, summary="Launch planning"), {ME}
            ),
        ],
        max_people=15,
    )
    session.commit()
    bob = session.scalars(select(Contact).where(Contact.full_name == "Bob Stone")).one()
    login(client)
    html = client.get(f"/contacts/{bob.id}").text
    upcoming, _, rest = html.partition('id="upcoming"')[2].partition('id="timeline"')
    assert "Upcoming meetings" in upcoming
    assert "Launch planning" in upcoming
    assert "With Bob Stone, Carol Ng" in upcoming
    assert "30 min" in upcoming
    assert "Roadmap review" not in upcoming
    assert "Roadmap review — with Bob Stone, Carol Ng" in rest
    assert "45 min" in rest
    assert "https://www.google.com/calendar/event?eid=past" in rest
    assert "Launch planning" not in rest
    # The upcoming meeting is not the last interaction yet.
    assert bob.last_interaction_at == now - timedelta(days=2)
