"""The meeting-prep scan: every 10 minutes per Gmail account, with the account's calendar
as the window refresh and its Gmail as the sender (`meeting_prep.service.scan_account`
takes both as arguments)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pingcrm.config import Settings
from pingcrm.google.calendar.api import CalendarApi
from pingcrm.google.calendar.sync import refresh_window
from pingcrm.google.calendar.tasks import options as calendar_options
from pingcrm.google.client import GoogleClient
from pingcrm.meeting_prep import service
from pingcrm.models import PlatformAccount, Provider
from pingcrm.platform_accounts import service as accounts
from pingcrm.worker.context import JobContext
from pingcrm.worker.registry import Every, Fanout, job

SEND_UNITS = 100  # google.quota: gmail.messages.send


def _client(settings: Settings, account: PlatformAccount) -> GoogleClient:
    def save(credentials: dict[str, object]) -> None:
        accounts.store_credentials(settings, account, dict(credentials))

    return GoogleClient(
        settings,
        accounts.read_credentials(settings, account),
        save,
        quota_key=f"account:{account.id}",
        attempts=3,
    )


def gmail_sender(client: GoogleClient) -> service.Sender:
    """Sends a raw message with ``users.messages.send`` from the client's account."""

    def send(raw: str) -> None:
        client.post_json(client.gmail_url("/messages/send"), {"raw": raw}, units=SEND_UNITS)

    return send


@job(
    "meeting_prep.scan",
    schedule=Every(timedelta(minutes=10)),
    fanout=Fanout.ACCOUNT,
    provider=Provider.GMAIL,
    lease_seconds=300,
    description="Email a brief before meetings starting in 30-40 minutes",
    follows_auto_sync=False,
)
def scan(ctx: JobContext) -> None:
    """Send the account's due meeting briefs (and retry failed ones)."""
    assert ctx.user_id is not None
    assert ctx.account_id is not None
    account = accounts.get_account(ctx.session, ctx.user_id, ctx.account_id)
    if not service.wants_briefs(account):
        return
    with _client(ctx.settings, account) as client:
        api = CalendarApi(client)

        def refresh(start: datetime, end: datetime) -> object:
            return refresh_window(
                ctx.session, account, api, start, end, calendar_options(ctx.settings)
            )

        service.scan_account(
            ctx.session,
            ctx.settings,
            account,
            send=gmail_sender(client),
            commit=ctx.commit,
            refresh=refresh,
        )
