"""The state of the fake Google: OAuth clients, codes and tokens, one mailbox per
account (with history ids), failure injection and a per-user quota meter.

Tests build a :class:`FakeGoogle`, seed it, serve :func:`tests.fakes.google.app.build_app`
and point PingCRM's Google settings at it (:func:`FakeGoogle.settings_for`).
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

GMAIL_READONLY = "https://www.googleapis.com/auth/gmail.readonly"
GMAIL_SEND = "https://www.googleapis.com/auth/gmail.send"
CONTACTS_READONLY = "https://www.googleapis.com/auth/contacts.readonly"
CALENDAR_READONLY = "https://www.googleapis.com/auth/calendar.readonly"
ALL_SCOPES = ("openid", "email", GMAIL_READONLY, CONTACTS_READONLY, CALENDAR_READONLY, GMAIL_SEND)

# Quota units per Gmail method (Gmail API "Usage limits").
UNITS = {
    "profile": 1,
    "messages.list": 5,
    "messages.get": 5,
    "history.list": 2,
    "messages.send": 100,
    "sendAs.list": 1,
}

STATUS_TEXT = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    410: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
DEFAULT_REASON = {
    400: "invalidArgument",
    401: "authError",
    403: "forbidden",
    404: "notFound",
    410: "failedPrecondition",
    429: "rateLimitExceeded",
    500: "backendError",
    503: "backendError",
}


def error_body(status: int, message: str, reason: str | None = None) -> dict[str, Any]:
    """Google's JSON error envelope."""
    return {
        "error": {
            "code": status,
            "message": message,
            "errors": [
                {
                    "message": message,
                    "domain": "usageLimits" if status == 429 else "global",
                    "reason": reason or DEFAULT_REASON.get(status, "backendError"),
                }
            ],
            "status": STATUS_TEXT.get(status, "UNKNOWN"),
        }
    }


@dataclass
class Answer:
    """A Gmail/People/Calendar handler's answer (also one part of a batch)."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeMessage:
    id: str
    thread_id: str
    label_ids: list[str]
    snippet: str
    internal_date_ms: int
    headers: list[tuple[str, str]]
    history_id: int


@dataclass
class Mailbox:
    """One Google account: its address, send-as aliases, messages and history."""

    email: str
    aliases: list[str] = field(default_factory=list)
    scopes: tuple[str, ...] = ALL_SCOPES
    messages: dict[str, FakeMessage] = field(default_factory=dict)
    # (history id, message id) of every messageAdded record, oldest first.
    history: list[tuple[int, str]] = field(default_factory=list)
    history_id: int = 1000
    # startHistoryId below this answers 404 ("too old").
    min_history_id: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    version: int = 0
    invalid_grant: bool = False
    # messages.list results by (version, q, labels, spam): pages are slices of one listing.
    list_cache: dict[tuple[Any, ...], list[str]] = field(default_factory=dict)


@dataclass
class Failure:
    status: int
    reason: str | None
    times: int
    retry_after: float | None
    message: str


@dataclass
class Quota:
    """A per-user token bucket of quota units: ``rate`` per second, ``rate`` at most saved."""

    rate: float
    monotonic: Callable[[], float] = time.monotonic
    tokens: float = -1.0
    updated: float = 0.0

    def take(self, units: int) -> bool:
        now = self.monotonic()
        if self.tokens < 0:
            self.tokens, self.updated = self.rate, now
        self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= units:
            self.tokens -= units
            return True
        return False


class FakeGoogle:
    """Everything the fake Google knows. Thread-safe (one lock)."""

    def __init__(
        self,
        *,
        client_id: str = "fake-client-id.apps.googleusercontent.com",
        client_secret: str = "fake-client-secret",  # noqa: S107
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.lock = threading.RLock()
        self.mailboxes: dict[str, Mailbox] = {}
        # Which account the consent page signs in as (first added by default).
        self.consent_email: str | None = None
        self.codes: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.refresh_tokens: dict[str, dict[str, Any]] = {}
        self.revoked: list[str] = []
        self.failures: dict[str, deque[Failure]] = {}
        self.quota: dict[str, Quota] = {}
        self.quota_rate: float | None = None
        self.monotonic: Callable[[], float] = time.monotonic
        self.calls: Counter[str] = Counter()
        self.units_used: Counter[str] = Counter()
        self.rate_limited = 0
        self.token_requests: list[dict[str, str]] = []
        self.authorize_requests: list[dict[str, str]] = []
        self._ids = itertools.count(1)
        # Extra per-account data for People / Calendar routers (keyed by their module).
        self.extra: dict[str, Any] = {}
        self.pauses: dict[str, tuple[int, threading.Event, threading.Event]] = {}
        self.seen: Counter[str] = Counter()

    # --- configuration ------------------------------------------------------------

    @staticmethod
    def settings_for(base_url: str) -> dict[str, str]:
        """PingCRM settings pointing every Google URL at the fake served at ``base_url``."""
        return {
            "google_auth_url": f"{base_url}/o/oauth2/v2/auth",
            "google_token_url": f"{base_url}/token",
            "google_revoke_url": f"{base_url}/revoke",
            "gmail_api_url": base_url,
            "people_api_url": base_url,
            "calendar_api_url": f"{base_url}/calendar/v3",
        }

    def client_settings(self, base_url: str) -> dict[str, str]:
        """:meth:`settings_for` plus this fake's OAuth client id and secret."""
        return {
            **self.settings_for(base_url),
            "google_client_id": self.client_id,
            "google_client_secret": self.client_secret,
        }

    def add_account(
        self,
        email: str,
        *,
        aliases: list[str] | None = None,
        scopes: tuple[str, ...] = ALL_SCOPES,
    ) -> Mailbox:
        """A Google account with an empty mailbox (the consent page offers it)."""
        with self.lock:
            box = Mailbox(email=email, aliases=list(aliases or []), scopes=scopes)
            self.mailboxes[email] = box
            if self.consent_email is None:
                self.consent_email = email
            return box

    def mailbox(self, email: str) -> Mailbox:
        return self.mailboxes[email]

    def add_message(
        self,
        email: str,
        *,
        sender: str,
        to: list[str] | None = None,
        cc: list[str] | None = None,
        bcc: list[str] | None = None,
        subject: str = "",
        snippet: str = "",
        at: datetime | None = None,
        labels: list[str] | None = None,
        thread_id: str | None = None,
        headers: dict[str, str] | None = None,
        message_id: str | None = None,
    ) -> str:
        """Deliver a message to ``email``'s mailbox (a messageAdded history record)."""
        when = at or datetime.now(UTC)
        with self.lock:
            box = self.mailboxes[email]
            number = next(self._ids)
            mid = message_id or f"{number:016x}"
            all_headers: list[tuple[str, str]] = [("From", sender)]
            if to:
                all_headers.append(("To", ", ".join(to)))
            if cc:
                all_headers.append(("Cc", ", ".join(cc)))
            if bcc:
                all_headers.append(("Bcc", ", ".join(bcc)))
            all_headers.append(("Subject", subject))
            all_headers.append(("Date", format_datetime(when)))
            all_headers.append(("Message-ID", f"<{mid}@mail.fake>"))
            for name, value in (headers or {}).items():
                all_headers.append((name, value))
            box.history_id += 1
            box.messages[mid] = FakeMessage(
                id=mid,
                thread_id=thread_id or mid,
                label_ids=list(labels if labels is not None else ["INBOX", "UNREAD"]),
                snippet=snippet,
                internal_date_ms=int(when.timestamp() * 1000),
                headers=all_headers,
                history_id=box.history_id,
            )
            box.history.append((box.history_id, mid))
            box.version += 1
            return mid

    def forget_history_before_now(self, email: str) -> None:
        """History older than the current historyId is gone: such starts answer 404."""
        with self.lock:
            box = self.mailboxes[email]
            box.min_history_id = box.history_id

    def fail(
        self,
        endpoint: str,
        status: int,
        *,
        reason: str | None = None,
        times: int = 1,
        retry_after: float | None = None,
        message: str = "Injected failure.",
    ) -> None:
        """The next ``times`` calls of ``endpoint`` ("messages.list", "messages.get",
        "history.list", "profile", "sendAs.list", "messages.send", "batch", "token",
        "revoke", or a router's own names) answer ``status``."""
        with self.lock:
            self.failures.setdefault(endpoint, deque()).append(
                Failure(status, reason, times, retry_after, message)
            )

    def take_failure(self, endpoint: str) -> Failure | None:
        with self.lock:
            queue = self.failures.get(endpoint)
            if not queue:
                return None
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.popleft()
            return failure

    def pause_at(self, endpoint: str, call: int) -> tuple[threading.Event, threading.Event]:
        """The ``call``-th call of ``endpoint`` sets ``reached`` and then hangs until
        ``release`` is set (to kill a client mid-run). Returns (reached, release)."""
        reached, release = threading.Event(), threading.Event()
        with self.lock:
            self.pauses[endpoint] = (call, reached, release)
        return reached, release

    def maybe_pause(self, endpoint: str) -> None:
        """Called by the routers before answering ``endpoint``."""
        with self.lock:
            self.seen[endpoint] += 1
            pause = self.pauses.get(endpoint)
            if pause is None or pause[0] != self.seen[endpoint]:
                return
        pause[1].set()
        pause[2].wait(timeout=60)

    def invalidate_grants(self, email: str) -> None:
        """Every refresh token of ``email`` now answers ``invalid_grant`` (7-day expiry)."""
        with self.lock:
            self.mailboxes[email].invalid_grant = True

    def expire_access_tokens(self) -> None:
        """Every access token issued so far answers 401 from now on."""
        with self.lock:
            self.access_tokens.clear()

    def enforce_quota(
        self, units_per_second: float | None, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        """Answer 429 rateLimitExceeded when an account spends more units than this."""
        with self.lock:
            self.quota_rate = units_per_second
            self.monotonic = monotonic
            self.quota.clear()

    # --- OAuth --------------------------------------------------------------------

    def issue_code(self, email: str, scopes: list[str], details: dict[str, str]) -> str:
        with self.lock:
            code = "4/" + secrets.token_urlsafe(24)
            self.codes[code] = {"email": email, "scopes": scopes, **details}
            return code

    def issue_tokens(self, email: str, scopes: list[str], *, refresh: bool) -> dict[str, Any]:
        with self.lock:
            access = "ya29." + secrets.token_urlsafe(24)
            self.access_tokens[access] = {"email": email, "scopes": scopes}
            body: dict[str, Any] = {
                "access_token": access,
                "expires_in": 3599,
                "scope": " ".join(scopes),
                "token_type": "Bearer",
            }
            if refresh:
                token = "1//" + secrets.token_urlsafe(32)
                self.refresh_tokens[token] = {"email": email, "scopes": scopes}
                body["refresh_token"] = token
            return body

    def bearer(self, authorization: str | None) -> dict[str, Any] | None:
        """The grant behind an ``Authorization: Bearer`` header, or None."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return None
        with self.lock:
            return self.access_tokens.get(authorization[7:].strip())

    def charge(self, email: str, endpoint: str, units: int) -> bool:
        """Count the call; False (a 429) when the account's quota is exhausted."""
        with self.lock:
            self.calls[endpoint] += 1
            if self.quota_rate is not None:
                meter = self.quota.get(email)
                if meter is None:
                    meter = self.quota[email] = Quota(self.quota_rate, self.monotonic)
                if not meter.take(units):
                    self.rate_limited += 1
                    return False
            self.units_used[email] += units
            return True
