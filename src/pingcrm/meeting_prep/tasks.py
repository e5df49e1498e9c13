"""The meeting-prep scan: every 10 minutes per Gmail account."""

from __future__ import annotations

from datetime import timedelta

from pingcrm.config import Settings
from pingcrm.google.client import GoogleClient
from pingcrm.meeting_prep import service
from pingcrm.models import PlatformAccount, Provider
from pingcrm.platform_accounts import service as accounts
from pingcrm.worker.context import JobContext
from pingcrm.worker.registry import Every, Fanout, job

SEND_UNITS = 100  # google.quota: gmail.messages.send


def gmail_sender(settings: Settings, account: PlatformAccount) -> service.Sender:
    """Sends a raw message with ``users.messages.send`` from ``account``."""

    def save(credentials: dict[str, object]) -> None:
        accounts.store_credentials(settings, account, dict(credentials))

    def send(raw: str) -> None:
        with GoogleClient(
            settings,
            accounts.read_credentials(settings, account),
            save,
            quota_key=f"account:{account.id}",
            attempts=3,
        ) as client:
            client.post_json(client.gmail_url("/messages/send"), {"raw": raw}, units=SEND_UNITS)

    return send


@job(
    "meeting_prep.scan",
    schedule=Every(timedelta(minutes=10)),
    fanout=Fanout.ACCOUNT,
    provider=Provider.GMAIL,
    lease_seconds=300,
    description="Email a brief before meetings starting in 30-40 minutes",
)
def scan(ctx: JobContext) -> None:
    """Send the account's due meeting briefs (and retry failed ones)."""
    assert ctx.user_id is not None
    assert ctx.account_id is not None
    account = accounts.get_account(ctx.session, ctx.user_id, ctx.account_id)
    service.scan_account(
        ctx.session,
        ctx.settings,
        account,
        send=gmail_sender(ctx.settings, account),
        commit=ctx.commit,
    )
