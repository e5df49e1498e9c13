"""What the fake X knows: users, DM events and mentions per account, OAuth codes and
tokens (refresh tokens rotate: each works once), rate-limit windows, injected failures."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ALL_SCOPES = ("tweet.read", "users.read", "dm.read", "offline.access")
ACCESS_TTL = 7200
PROBLEMS = "https://api.twitter.com/2/problems/"
_EPOCH_MS = 1288834974657  # X's snowflake epoch


def challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def iso(at: datetime) -> str:
    """X's ``created_at`` form: 2024-01-15T10:30:00.000Z."""
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Window:
    limit: int
    remaining: int
    reset: int


class FakeX:
    """The state behind one fake X server. Thread-safe."""

    def __init__(self, client_id: str = "fake-x-client", client_secret: str = "") -> None:
        self.lock = threading.RLock()
        self.client_id = client_id
        self.client_secret = client_secret
        self.users: dict[str, dict[str, Any]] = {}
        # owner id → newest-first lists
        self.dm_events: dict[str, list[dict[str, Any]]] = {}
        self.mentions: dict[str, list[dict[str, Any]]] = {}
        self.consent_user: str | None = None
        self.codes: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.refresh_tokens: dict[str, dict[str, Any]] = {}
        self.used_refresh_tokens: set[str] = set()
        self.revoked: list[str] = []
        self.token_requests: list[dict[str, str]] = []
        self.authorize_requests: list[dict[str, str]] = []
        self.api_requests: list[tuple[str, dict[str, str]]] = []
        self.dm_forbidden = False
        self.failures: dict[str, list[Failure]] = {}
        self.limits: dict[str, int] = {}
        self.windows: dict[tuple[str, str], Window] = {}
        self.window_seconds = 900
        self.calls: Counter[str] = Counter()
        self.pauses: dict[str, tuple[int, threading.Event, threading.Event]] = {}
        self._next_id = int(time.time() * 1000 - _EPOCH_MS) << 22

    # --- data ---------------------------------------------------------------------

    def snowflake(self, at: datetime) -> str:
        """An id that sorts like X's: time-ordered (and unique)."""
        with self.lock:
            base = int(at.timestamp() * 1000 - _EPOCH_MS) << 22
            self._next_id = max(self._next_id + 1, base)
            return str(self._next_id)

    def add_user(
        self,
        user_id: str,
        username: str,
        name: str,
        description: str = "",
        avatar: str | None = None,
    ) -> dict[str, Any]:
        user = {
            "id": user_id,
            "name": name,
            "username": username,
            "description": description,
            "profile_image_url": avatar or f"https://pbs.twimg.com/profile_images/{user_id}.jpg",
        }
        with self.lock:
            self.users[user_id] = user
            self.dm_events.setdefault(user_id, [])
            self.mentions.setdefault(user_id, [])
        return user

    def set_bio(self, user_id: str, description: str) -> None:
        with self.lock:
            self.users[user_id]["description"] = description

    def add_dm(
        self,
        owner: str,
        sender: str,
        text: str,
        at: datetime,
        *,
        to: str | None = None,
        group: list[str] | None = None,
        conversation: str | None = None,
    ) -> dict[str, Any]:
        """A MessageCreate event in ``owner``'s DMs: one-to-one with ``to`` (or the sender),
        or in a group conversation of ``group`` (participant ids, owner included)."""
        if group is not None:
            conv = conversation or f"g{abs(hash(tuple(sorted(group)))) % 10**12}"
            participants = sorted(group)
        else:
            other = to if sender == owner else sender
            assert other is not None
            a, b = sorted([owner, other], key=int)
            conv = f"{a}-{b}"
            participants = None
        event: dict[str, Any] = {
            "id": self.snowflake(at),
            "event_type": "MessageCreate",
            "text": text,
            "sender_id": sender,
            "dm_conversation_id": conv,
            "created_at": iso(at),
        }
        if participants is not None:
            event["participant_ids"] = participants
        with self.lock:
            events = self.dm_events.setdefault(owner, [])
            events.append(event)
            events.sort(key=lambda e: int(e["id"]), reverse=True)
        return event

    def add_mention(self, owner: str, author: str, text: str, at: datetime) -> dict[str, Any]:
        tweet_id = self.snowflake(at)
        tweet = {
            "id": tweet_id,
            "text": text,
            "author_id": author,
            "created_at": iso(at),
            "conversation_id": tweet_id,
            "edit_history_tweet_ids": [tweet_id],
        }
        with self.lock:
            items = self.mentions.setdefault(owner, [])
            items.append(tweet)
            items.sort(key=lambda t: int(t["id"]), reverse=True)
        return tweet

    def bulk_dms(self, owner: str, events: list[dict[str, Any]]) -> None:
        """Append prepared events (benchmarks), then sort once."""
        with self.lock:
            items = self.dm_events.setdefault(owner, [])
            items.extend(events)
            items.sort(key=lambda e: int(e["id"]), reverse=True)

    def bulk_mentions(self, owner: str, tweets: list[dict[str, Any]]) -> None:
        with self.lock:
            items = self.mentions.setdefault(owner, [])
            items.extend(tweets)
            items.sort(key=lambda t: int(t["id"]), reverse=True)

    # --- OAuth --------------------------------------------------------------------

    def issue_code(self, owner: str, scopes: list[str], request: dict[str, str]) -> str:
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = {"owner": owner, "scopes": scopes, **request}
        return code

    def issue_tokens(
        self, owner: str, scopes: list[str], *, ttl: int = ACCESS_TTL
    ) -> dict[str, Any]:
        access = secrets.token_urlsafe(32)
        body: dict[str, Any] = {
            "token_type": "bearer",
            "expires_in": ttl,
            "access_token": access,
            "scope": " ".join(scopes),
        }
        with self.lock:
            self.access_tokens[access] = {
                "owner": owner,
                "scopes": set(scopes),
                "expires_at": time.time() + ttl,
            }
            if "offline.access" in scopes:
                refresh = secrets.token_urlsafe(32)
                self.refresh_tokens[refresh] = {"owner": owner, "scopes": list(scopes)}
                body["refresh_token"] = refresh
        return body

    def rotate(self, refresh_token: str) -> dict[str, Any] | None:
        """Use ``refresh_token`` once: a new pair, or None (unknown, used or revoked)."""
        with self.lock:
            holder = self.refresh_tokens.pop(refresh_token, None)
            if holder is None:
                return None
            self.used_refresh_tokens.add(refresh_token)
        return self.issue_tokens(holder["owner"], holder["scopes"])

    def expire_access_tokens(self) -> None:
        with self.lock:
            for token in self.access_tokens.values():
                token["expires_at"] = 0

    def client_settings(self, url: str) -> dict[str, Any]:
        """PingCRM settings (lower-case names) pointing at this fake."""
        return {
            "x_client_id": self.client_id,
            "x_client_secret": self.client_secret,
            "x_auth_url": f"{url}/i/oauth2/authorize",
            "x_token_url": f"{url}/2/oauth2/token",
            "x_revoke_url": f"{url}/2/oauth2/revoke",
            "x_api_url": url,
        }

    # --- failures, limits, pauses --------------------------------------------------

    def fail_next(self, endpoint: str, status: int, body: dict[str, Any], **headers: str) -> None:
        with self.lock:
            self.failures.setdefault(endpoint, []).append(Failure(status, body, headers))

    def take_failure(self, endpoint: str) -> Failure | None:
        with self.lock:
            queue = self.failures.get(endpoint) or []
            return queue.pop(0) if queue else None

    def limit(self, endpoint: str, per_window: int) -> None:
        """At most ``per_window`` calls of ``endpoint`` per user per 15-minute window."""
        with self.lock:
            self.limits[endpoint] = per_window

    def spend(self, endpoint: str, owner: str) -> Window | None:
        """Count a call against the window: the window after it (None: no limit set)."""
        with self.lock:
            per = self.limits.get(endpoint)
            if per is None:
                return None
            now = int(time.time())
            window = self.windows.get((endpoint, owner))
            if window is None or window.reset <= now:
                window = Window(per, per, now + self.window_seconds)
                self.windows[(endpoint, owner)] = window
            if window.remaining > 0:
                window.remaining -= 1
                return window
            return Window(window.limit, -1, window.reset)

    def reset_windows(self) -> None:
        with self.lock:
            self.windows.clear()

    def pause_at(self, endpoint: str, call: int) -> tuple[threading.Event, threading.Event]:
        """The ``call``-th call of ``endpoint`` sets ``reached`` and hangs until
        ``release`` is set (to kill a client mid-run)."""
        reached, release = threading.Event(), threading.Event()
        with self.lock:
            self.pauses[endpoint] = (call, reached, release)
        return reached, release

    def count_call(self, endpoint: str) -> None:
        with self.lock:
            self.calls[endpoint] += 1
            pause = self.pauses.get(endpoint)
            if pause is None or pause[0] != self.calls[endpoint]:
                return
        pause[1].set()
        pause[2].wait(timeout=60)
