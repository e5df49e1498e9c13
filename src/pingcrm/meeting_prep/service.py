"""Meeting-prep emails: for each Gmail account with the feature on and the send scope
granted, every meeting starting within the next 40 minutes that has not started and has
no brief yet gets one brief, ever. The scan runs every 10 minutes, so a meeting known in
advance is caught 30-40 minutes ahead; one booked late, or missed by a late scan, still
gets its brief before it starts.

The brief row (unique per user + event id + start) is inserted and committed *before*
the send: a second scan, concurrent or later, finds it and sends nothing. A send that
fails is recorded as failed and retried by the next scans until the meeting starts; a
run that dies mid-send leaves the row "sending" and never sends it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.contacts import repository as contacts_repository
from pingcrm.errors import NotFound
from pingcrm.kit.clock import utcnow
from pingcrm.llm.service import client_for_user
from pingcrm.meeting_prep import repository
from pingcrm.meeting_prep.brief import MeetingBrief, brief_for_contacts
from pingcrm.meeting_prep.email import Guest, mime_message, raw, render
from pingcrm.meetings import repository as calendar_repository
from pingcrm.models import CalendarEvent, NotificationKind, PlatformAccount, Provider
from pingcrm.notifications.service import notify
from pingcrm.platform_accounts import service as accounts

log = logging.getLogger("pingcrm.meeting_prep")

# Meetings starting in (now + WINDOW_START, now + WINDOW_END] are due. A brief for a
# meeting already started is useless; anything sooner than 40 minutes is still worth it.
WINDOW_START = timedelta(seconds=1)
WINDOW_END = timedelta(minutes=40)
MAX_ATTEMPTS = 5
MAX_BRIEFED = 10
SEND_SCOPE = "https://www.googleapis.com/auth/gmail.send"
SETTING = "meeting_prep_enabled"

# Sends one raw (base64url) MIME message from the account; raises when it fails.
Sender = Callable[[str], None]
# Updates the stored events starting in [start, end] from the calendar (not committed).
WindowRefresh = Callable[[datetime, datetime], object]


@dataclass
class ScanResult:
    sent: int = 0
    failed: int = 0
    skipped: int = 0


def is_enabled(account: PlatformAccount) -> bool:
    """The account's meeting-prep switch (on by default)."""
    return bool((account.sync_settings or {}).get(SETTING, True))


def has_send_scope(account: PlatformAccount) -> bool:
    return SEND_SCOPE in (account.scopes or "").split()


def wants_briefs(account: PlatformAccount) -> bool:
    """The switch is on, the send scope granted and the account connected."""
    return is_enabled(account) and has_send_scope(account) and bool(account.credentials_encrypted)


def set_enabled(session: Session, user_id: int, account_id: int, enabled: bool) -> PlatformAccount:
    """Turn meeting-prep emails on or off for one of the user's Gmail accounts."""
    account = accounts.get_account(session, user_id, account_id)
    if account.provider is not Provider.GMAIL:
        raise NotFound("This connection does not exist.")
    account.sync_settings = {**(account.sync_settings or {}), SETTING: bool(enabled)}
    session.flush()
    return account


def scan_account(
    session: Session,
    settings: Settings,
    account: PlatformAccount,
    *,
    send: Sender,
    commit: Callable[[], None],
    refresh: WindowRefresh | None = None,
) -> ScanResult:
    """Send the briefs due for ``account`` now (and retry failed ones). ``refresh``
    first brings the window's events up to date from the calendar (a meeting booked
    after the daily calendar sync still gets its brief); if that fails, the synced
    events are used."""
    result = ScanResult()
    if not wants_briefs(account):
        return result
    now = utcnow()
    if refresh is not None:
        try:
            refresh(now + WINDOW_START, now + WINDOW_END)
            commit()
        except Exception as exc:  # the synced events still work
            session.rollback()
            log.info("meeting_prep.refresh_failed account=%s: %s", account.id, exc)
    due: list[tuple[CalendarEvent, int | None]] = [
        (event, None)
        for event in calendar_repository.account_events_starting(
            session, account.id, now + WINDOW_START, now + WINDOW_END
        )
    ]
    for brief in repository.failed_to_retry(session, account.user_id, now, MAX_ATTEMPTS):
        event = calendar_repository.account_event(
            session, account.id, brief.event_id, brief.event_start
        )
        if event is not None and all(e.id != event.id for e, _ in due):
            due.append((event, brief.id))
    for event, retry_id in due:
        key = (event.event_id, event.starts_at)
        if retry_id is None:
            existing = repository.briefs_for_events(session, account.user_id, [key]).get(key)
            if existing is not None:
                if existing.status != repository.FAILED:
                    continue
                retry_id = existing.id
        if retry_id is None:
            brief_id = repository.claim_new(
                session, account.user_id, event.event_id, event.starts_at, now
            )
        else:
            brief_id = retry_id if repository.claim_retry(session, retry_id, now) else None
        commit()  # the claim is durable before anything is sent
        if brief_id is None:
            continue
        try:
            message = _message(session, settings, account, event, now)
            send(raw(message))
        except Exception as exc:  # any failure is recorded and retried next scan
            session.rollback()
            reason = str(exc) or type(exc).__name__
            repository.finish(session, brief_id, repository.FAILED, utcnow(), reason)
            commit()
            log.info("meeting_prep.failed account=%s event=%s", account.id, event.event_id)
            result.failed += 1
            continue
        repository.finish(session, brief_id, repository.SENT, utcnow())
        notify(
            session,
            account.user_id,
            NotificationKind.MEETING_BRIEF_SENT,
            f"Meeting brief sent: {event.title}"[:200],
            f"The prep email for {event.title} is in {account.external_id}.",
            None,
        )
        commit()
        result.sent += 1
    return result


@dataclass(frozen=True)
class EventBrief:
    """The brief of a synced calendar event: its contacts' briefs and other guests."""

    event: CalendarEvent
    brief: MeetingBrief
    guests: list[Guest]


def event_brief(
    session: Session, settings: Settings, user_id: int, event: CalendarEvent, now: datetime
) -> EventBrief:
    """Build the brief of ``event`` (attendees that are contacts get the full brief,
    with talking points from the user's model or templates)."""
    wanted = [int(a["contact_id"]) for a in event.attendees if a.get("contact_id")]
    owned = set(contacts_repository.owned_ids(session, user_id, wanted)) if wanted else set()
    # The first MAX_BRIEFED contacts get a full brief (one model call each); the
    # others are listed with the guests.
    contact_ids = [cid for cid in dict.fromkeys(wanted) if cid in owned][:MAX_BRIEFED]
    briefed = set(contact_ids)
    guests = [
        Guest(name=a.get("name"), email=str(a["email"]))
        for a in event.attendees
        if not a.get("contact_id") or int(a["contact_id"]) not in briefed
    ]
    client = client_for_user(session, settings, user_id) if contact_ids else None
    brief = brief_for_contacts(session, user_id, contact_ids, now, client, title=event.title)
    return EventBrief(event=event, brief=brief, guests=guests)


def brief_for_event_id(
    session: Session, settings: Settings, user_id: int, event_id: str
) -> EventBrief:
    """The brief of the user's synced calendar event ``event_id`` (404 when unknown)."""
    event = calendar_repository.user_event(session, user_id, event_id.strip())
    if event is None:
        raise NotFound(
            "No synced calendar meeting has this event id. Sync the calendar in Settings → "
            "Gmail, or ask for the brief of the attendees by contact id."
        )
    return event_brief(session, settings, user_id, event, utcnow())


def _message(
    session: Session,
    settings: Settings,
    account: PlatformAccount,
    event: CalendarEvent,
    now: datetime,
) -> EmailMessage:
    built = event_brief(session, settings, account.user_id, event, now)
    prep = render(
        built.brief,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        time_zone=event.time_zone,
        guests=built.guests,
        event_link=event.html_link,
        app_url=settings.resolved_base_url,
    )
    return mime_message(prep, account.external_id, now)
