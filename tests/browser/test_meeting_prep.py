"""In Chromium: the meeting-prep switch in Settings → Gmail → Sync settings, and the
upcoming meetings on a contact page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.google.calendar.mapping import map_event
from pingcrm.google.calendar.sync import store_page
from pingcrm.kit.clock import utcnow
from pingcrm.meeting_prep import service
from pingcrm.models import Contact, PlatformAccount, Provider, User
from pingcrm.platform_accounts import service as accounts
from tests.browser.conftest import OWNER_EMAIL, LiveApp
from tests.fakes.google.calendar import event
from tests.fakes.google.state import ALL_SCOPES

pytestmark = pytest.mark.browser

ME = "owner.mail@gmail.com"


def test_switch_meeting_prep_off_and_see_upcoming_meetings(
    signed_in_page: Page,
    live_app: LiveApp,
    live_server: str,
    live_db: sessionmaker[Session],
) -> None:
    page = signed_in_page
    with live_db() as session:
        owner = session.execute(select(User).where(User.email == OWNER_EMAIL)).scalar_one()
        account = accounts.connect(
            session,
            live_app.settings,
            user_id=owner.id,
            provider=Provider.GMAIL,
            external_id=ME,
            credentials={"refresh_token": "r"},
            scopes=" ".join(ALL_SCOPES),
        )
        start = utcnow().replace(microsecond=0) + timedelta(days=2)
        store_page(
            session,
            account,
            [
                map_event(
                    event(
                        "e1",
                        start,
                        45,
                        [(ME, None, "accepted"), ("grace@navy.mil", "Grace Hopper", "accepted")],
                        summary="Compiler review",
                    ),
                    {ME},
                )
            ],
            max_people=15,
        )
        session.commit()
        account_id = account.id

    page.goto(f"{live_server}/settings#gmail")
    row = page.locator(f'li.gmail-account[data-account="{ME}"]')
    row.get_by_text("Sync settings").click()
    switch = row.get_by_label("Meeting-prep emails", exact=False)
    expect(switch).to_be_checked()
    switch.uncheck()
    expect(
        page.get_by_role("status").filter(has_text=f"Meeting-prep emails for {ME} are off.")
    ).to_be_visible()
    with live_db() as session:
        stored = session.get(PlatformAccount, account_id)
        assert stored is not None
        assert service.is_enabled(stored) is False

    with live_db() as session:
        grace = session.scalars(select(Contact).where(Contact.full_name == "Grace Hopper")).one()
        grace_id = grace.id
    page.goto(f"{live_server}/contacts/{grace_id}")
    upcoming = page.get_by_role("region", name="Upcoming meetings")
    expect(upcoming).to_contain_text("Compiler review")
    expect(upcoming).to_contain_text("45 min")
    expect(page.get_by_role("region", name="Timeline")).to_contain_text("No interactions yet.")
