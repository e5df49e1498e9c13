"""The Calendar sync of one account: the primary calendar's events (``singleEvents``)
page by page, a full sync over a time window first and after the sync token expires
(HTTP 410) or turns a week old, then incremental syncs with the sync token.

Each page is written with its checkpoint in one transaction, so a killed run resumes
from the last page it committed and re-running never duplicates anything.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.contacts.identifiers import normalize_email
from pingcrm.google.calendar.mapping import map_event
from pingcrm.kit.clock import utcnow
from pingcrm.meetings.schemas import Dropped, Meeting
from pingcrm.meetings.store import PageResult, apply_page, prune_unseen
from pingcrm.models import PlatformAccount, Provider
from pingcrm.platform_accounts import service as accounts
from pingcrm.scoring.service import recompute_scores
from pingcrm.sync import checkpoints
from pingcrm.sync.provider import SyncContext
from pingcrm.sync.runs import Counts

# The source of the contacts created for unknown attendees.
SOURCE = "google_calendar"
SYNC_TOKEN = "calendar.sync_token"
# JSON: the page to continue from and the request it belongs to.
PAGE = "calendar.page"
FULL_AT = "calendar.full_sync_at"
PAGE_SIZE = 250
# A full sync now and then rolls the window forward (new instances of recurring series).
REFRESH_AFTER = timedelta(days=7)


class SyncTokenGone(Exception):
    """Google answered 410: the sync token (or page token) is no longer valid."""


class EventSource(Protocol):
    def list_events(self, params: dict[str, str]) -> dict[str, Any]:
        """One page of ``events.list`` on the primary calendar."""
        ...


@dataclass(frozen=True)
class CalendarOptions:
    past_days: int
    future_days: int
    max_people: int

    @classmethod
    def from_settings(cls, settings: Settings) -> CalendarOptions:
        """The window and meeting-size limit configured for this server."""
        return cls(
            past_days=settings.calendar_past_days,
            future_days=settings.calendar_future_days,
            max_people=settings.calendar_max_meeting_size,
        )


def own_addresses(session: Session, account: PlatformAccount) -> set[str]:
    """Addresses that are the user, never an attendee contact: the account's address,
    known aliases, and the user's other connected Gmail addresses (Google also marks
    the calendar owner's own attendee entry with ``self``)."""
    raw = [account.external_id, *(account.sync_settings or {}).get("aliases", [])]
    raw += [a.external_id for a in accounts.list_accounts(session, account.user_id, Provider.GMAIL)]
    return {e for e in (normalize_email(str(r)) for r in raw) if e}


def store_page(
    session: Session,
    account: PlatformAccount,
    mapped: Sequence[Meeting | Dropped],
    *,
    max_people: int,
) -> PageResult:
    """One page of mapped Google events into the meetings domain (flushed)."""
    return apply_page(session, account, mapped, max_people=max_people, source=SOURCE)


def refresh_window(
    session: Session,
    account: PlatformAccount,
    source: EventSource,
    start: datetime,
    end: datetime,
    options: CalendarOptions,
) -> PageResult:
    """Bring the account's events starting in [start, end) up to date now (meetings
    scheduled, moved or cancelled since the last sync), without touching the sync
    token. Flushed, not committed."""
    own = own_addresses(session, account)
    params = {
        "singleEvents": "true",
        "showDeleted": "true",
        "maxResults": str(PAGE_SIZE),
        "timeMin": _iso(start),
        "timeMax": _iso(end),
    }
    counts = Counts()
    touched: set[int] = set()
    while True:
        data = source.list_events(params)
        mapped = [map_event(item, own) for item in data.get("items") or []]
        result = store_page(session, account, mapped, max_people=options.max_people)
        counts.add(result.counts)
        touched.update(result.touched_contacts)
        if not data.get("nextPageToken"):
            return PageResult(counts, sorted(touched))
        params["pageToken"] = str(data["nextPageToken"])


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _full_request(now: datetime, options: CalendarOptions) -> dict[str, str]:
    return {
        "singleEvents": "true",
        "maxResults": str(PAGE_SIZE),
        "timeMin": _iso(now - timedelta(days=options.past_days)),
        "timeMax": _iso(now + timedelta(days=options.future_days)),
    }


def sync_calendar(
    ctx: SyncContext,
    source: EventSource,
    options: CalendarOptions,
    *,
    on_page: Callable[[], None] | None = None,
) -> None:
    """Run one (full or incremental) calendar sync of ``ctx.account``."""
    session = ctx.session
    account_id = ctx.account.id
    own = own_addresses(session, ctx.account)
    now = utcnow()
    saved_page = checkpoints.load(session, account_id, PAGE)
    # A saved page: resume the run a crash interrupted.
    state: dict[str, Any] = (
        json.loads(saved_page) if saved_page else _fresh_state(ctx, options, now)
    )
    restarts = 0
    while True:
        params = dict(state["request"])
        if state.get("page_token"):
            params["pageToken"] = state["page_token"]
        try:
            data = source.list_events(params)
        except SyncTokenGone:
            restarts += 1
            if restarts > 2:
                raise
            # The token expired: start again with a full sync.
            checkpoints.save(session, account_id, SYNC_TOKEN, "")
            state = _full_state(options, utcnow())
            continue
        mapped = [map_event(item, own) for item in data.get("items") or []]
        result = store_page(session, ctx.account, mapped, max_people=options.max_people)
        _count(ctx, result)
        next_page = data.get("nextPageToken")
        if next_page:
            state["page_token"] = next_page
            checkpoints.save(session, account_id, PAGE, json.dumps(state))
            ctx.commit()
            if on_page is not None:
                on_page()
            continue
        if state.get("full"):
            started = datetime.fromisoformat(state["started"])
            request = state["request"]
            pruned = prune_unseen(
                session,
                ctx.account,
                started,
                datetime.fromisoformat(request["timeMin"].replace("Z", "+00:00")),
                datetime.fromisoformat(request["timeMax"].replace("Z", "+00:00")),
            )
            _count(ctx, pruned)
            checkpoints.save(session, account_id, FULL_AT, state["started"])
        checkpoints.save(session, account_id, SYNC_TOKEN, str(data.get("nextSyncToken") or ""))
        checkpoints.save(session, account_id, PAGE, "")
        ctx.commit()
        return


def _fresh_state(ctx: SyncContext, options: CalendarOptions, now: datetime) -> dict[str, Any]:
    session = ctx.session
    token = checkpoints.load(session, ctx.account.id, SYNC_TOKEN)
    full_at = checkpoints.load(session, ctx.account.id, FULL_AT)
    stale = full_at is None or datetime.fromisoformat(full_at) < now - REFRESH_AFTER
    if token and not stale:
        return {
            "full": False,
            "request": {"singleEvents": "true", "maxResults": str(PAGE_SIZE), "syncToken": token},
        }
    return _full_state(options, now)


def _full_state(options: CalendarOptions, now: datetime) -> dict[str, Any]:
    return {"full": True, "started": now.isoformat(), "request": _full_request(now, options)}


def _count(ctx: SyncContext, result: PageResult) -> None:
    ctx.counts.add(result.counts)
    if result.touched_contacts:
        recompute_scores(ctx.session, ctx.account.user_id, result.touched_contacts)
