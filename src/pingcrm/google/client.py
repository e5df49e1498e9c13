"""The Google API client every Google sync uses (Gmail, People, Calendar).

- Authorised with the account's access token, refreshed on demand (before expiry, or
  once after a 401) and handed back through ``save_credentials`` to be stored encrypted.
- Draws each call's quota units from the account's token bucket (``google.quota``).
- Retries 429, 403 ``rateLimitExceeded``/``userRateLimitExceeded`` and 5xx with
  exponential backoff (honouring ``Retry-After``); when that is not enough it raises
  ``ProviderTransientError`` so the sync engine retries the run later.
- ``batch`` sends up to 100 GET calls in one ``multipart/mixed`` request (Gmail's
  ``/batch/gmail/v1``), retrying only the parts that were rate limited.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx2

from pingcrm.config import Settings
from pingcrm.errors import PingError
from pingcrm.google import oauth, quota
from pingcrm.kit.clock import utcnow
from pingcrm.kit.retry import parse_retry_after
from pingcrm.sync.errors import ProviderAuthError, ProviderTransientError

if TYPE_CHECKING:
    from pingcrm.sync.provider import SyncContext

RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
# Refresh the access token this many seconds before Google says it expires.
EXPIRY_MARGIN = 60.0
MAX_BATCH = 100


class GoogleApiError(PingError):
    """Google answered an error that retrying will not fix (bad request, 404, 410, …)."""

    code = "google_api_error"

    def __init__(self, message: str, *, status: int, reason: str = "") -> None:
        super().__init__(message, status_code=502)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class BatchResult:
    """One part of a batch answer."""

    status: int
    body: Any
    reason: str = ""
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def error_reason(body: Any) -> str:
    """The first ``errors[].reason`` (or ``status``) of a Google error body."""
    if not isinstance(body, dict):
        return ""
    error = body.get("error")
    if isinstance(error, dict):
        for item in error.get("errors") or []:
            if isinstance(item, dict) and item.get("reason"):
                return str(item["reason"])
        return str(error.get("status") or "")
    if isinstance(error, str):
        return error
    return ""


def _error_message(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("message") or "")
    return ""


def is_retryable(status: int, reason: str) -> bool:
    """429, 5xx, and 403 rate-limit answers are worth retrying."""
    return status == 429 or status >= 500 or (status == 403 and reason in RATE_REASONS)


class GoogleClient:
    """Calls Google's APIs for one connected account. Thread-safe."""

    def __init__(
        self,
        settings: Settings,
        credentials: dict[str, Any],
        save_credentials: Callable[[dict[str, Any]], None] | None = None,
        *,
        quota_key: str | None = None,
        http: httpx2.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        attempts: int = 5,
        backoff_base: float = 1.0,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.credentials = dict(credentials)
        self._save = save_credentials
        # Tokens refreshed on another thread wait here: only the creating thread (the one
        # owning the database session) hands them to ``save_credentials``.
        self._owner = threading.get_ident()
        self._pending: dict[str, Any] | None = None
        self._own_http = http is None
        self.http = http or httpx2.Client(timeout=settings.google_timeout_seconds)
        self._sleep = sleep
        self.attempts = attempts
        self.backoff_base = backoff_base
        self._rng = rng or random.Random()
        self._token_lock = threading.Lock()
        self.bucket = quota.bucket_for(
            quota_key or f"token:{credentials.get('refresh_token', '')}",
            settings.google_quota_units_per_second,
        )
        self.retries = 0

    @classmethod
    def from_context(cls, ctx: SyncContext, **kwargs: Any) -> GoogleClient:
        """The client of a sync run's account (rotated tokens saved on the account)."""
        return cls(
            ctx.settings,
            ctx.credentials,
            ctx.save_credentials,
            quota_key=f"account:{ctx.account.id}",
            **kwargs,
        )

    def close(self) -> None:
        if self._own_http:
            self.http.close()

    def __enter__(self) -> GoogleClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- tokens -------------------------------------------------------------------

    @property
    def granted_scopes(self) -> frozenset[str]:
        return frozenset(str(self.credentials.get("scope") or "").split())

    def _refresh(self, stale: str | None) -> str:
        with self._token_lock:
            current = str(self.credentials.get("access_token") or "")
            if stale is not None and current and current != stale:
                return current  # another thread refreshed already
            refresh_token = self.credentials.get("refresh_token")
            if not refresh_token:
                raise ProviderAuthError(
                    "This Google account has no stored authorization. Reconnect it."
                )
            tokens = oauth.refresh(self.settings, str(refresh_token), self.http)
            updated = {**self.credentials, **tokens.as_credentials()}
            if not tokens.scopes:
                updated["scope"] = self.credentials.get("scope", "")
            self.credentials = updated
            if threading.get_ident() == self._owner:
                self._pending = None
                if self._save is not None:
                    self._save(dict(updated))
            else:
                self._pending = dict(updated)
            return tokens.access_token

    def flush_pending_credentials(self) -> None:
        """Save tokens another thread refreshed (call from the creating thread)."""
        with self._token_lock:
            pending, self._pending = self._pending, None
        if pending is not None and self._save is not None:
            self._save(pending)

    def access_token(self) -> str:
        """A valid access token (refreshed when missing or about to expire)."""
        token = str(self.credentials.get("access_token") or "")
        expires_at = float(self.credentials.get("expires_at") or 0)
        if not token or expires_at - EXPIRY_MARGIN <= utcnow().timestamp():
            return self._refresh(token or None)
        return token

    # --- retries ------------------------------------------------------------------

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        delay = self.backoff_base * (2**attempt)
        return delay + self._rng.uniform(0, delay / 2)

    def _send(
        self,
        method: str,
        url: str,
        *,
        units: int,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx2.Response:
        """One call with refresh-on-401 and backoff; the final non-retryable answer."""
        refreshed = False
        last_retry_after: float | None = None
        last_error = ""
        for attempt in range(self.attempts):
            self.bucket.acquire(units)
            token = self.access_token()
            try:
                response = self.http.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    content=content,
                    headers={"Authorization": f"Bearer {token}", **(headers or {})},
                )
            except httpx2.TransportError as exc:
                last_error = f"Google could not be reached ({type(exc).__name__})."
                last_retry_after = None
            else:
                if response.status_code == 401 and not refreshed:
                    refreshed = True
                    self._refresh(token)
                    continue
                if response.status_code == 401:
                    raise ProviderAuthError(
                        "Google no longer accepts this account's authorization. Reconnect it."
                    )
                body = _json_or_none(response)
                reason = error_reason(body)
                if not is_retryable(response.status_code, reason):
                    return response
                last_retry_after = parse_retry_after(response.headers.get("retry-after"))
                last_error = (
                    f"Google answered {response.status_code}{' ' + reason if reason else ''}."
                )
            if attempt + 1 < self.attempts:
                self.retries += 1
                self._sleep(self._backoff(attempt, last_retry_after))
        raise ProviderTransientError(
            f"{last_error} Retrying later.",
            retry_after=last_retry_after or self._backoff(self.attempts, None),
        )

    def _check(self, response: httpx2.Response) -> Any:
        body = _json_or_none(response)
        if response.status_code >= 400:
            reason = error_reason(body)
            detail = _error_message(body) or reason or response.reason_phrase
            raise GoogleApiError(
                f"Google answered {response.status_code}: {detail}",
                status=response.status_code,
                reason=reason,
            )
        return body

    # --- JSON ---------------------------------------------------------------------

    def get_json(self, url: str, params: dict[str, Any] | None = None, *, units: int = 1) -> Any:
        """GET ``url``; the JSON body. ``GoogleApiError`` for a non-retryable error."""
        return self._check(self._send("GET", url, units=units, params=params))

    def post_json(
        self,
        url: str,
        body: Any,
        *,
        params: dict[str, Any] | None = None,
        units: int = 1,
    ) -> Any:
        """POST ``body`` as JSON to ``url``; the JSON answer."""
        return self._check(self._send("POST", url, units=units, params=params, json_body=body))

    # --- Gmail helpers ------------------------------------------------------------

    def gmail_url(self, path: str) -> str:
        """``users/me`` Gmail API URL: ``gmail_url('/profile')``."""
        return f"{self.settings.gmail_api_url.rstrip('/')}/gmail/v1/users/me{path}"

    def batch(self, paths: Sequence[str], *, units_each: int = 5) -> list[BatchResult]:
        """GET each of ``paths`` (e.g. ``/gmail/v1/users/me/messages/ID?format=metadata``)
        through Gmail's batch endpoint; one result per path, in order. Parts that were
        rate limited are retried; a part still failing that way raises
        ``ProviderTransientError``."""
        if len(paths) > MAX_BATCH:
            raise ValueError(f"a batch holds at most {MAX_BATCH} calls")
        results: list[BatchResult | None] = [None] * len(paths)
        pending = list(range(len(paths)))
        retry_after: float | None = None
        for attempt in range(self.attempts):
            if not pending:
                break
            answers = self._batch_once([paths[i] for i in pending], units_each)
            still: list[int] = []
            retry_after = None
            for index, answer in zip(pending, answers, strict=True):
                if is_retryable(answer.status, answer.reason):
                    still.append(index)
                    if answer.retry_after is not None:
                        retry_after = max(retry_after or 0.0, answer.retry_after)
                else:
                    results[index] = answer
            pending = still
            if pending and attempt + 1 < self.attempts:
                self.retries += 1
                self._sleep(self._backoff(attempt, retry_after))
        if pending:
            raise ProviderTransientError(
                f"Google kept rate limiting {len(pending)} calls of a batch. Retrying later.",
                retry_after=retry_after or self._backoff(self.attempts, None),
            )
        return [r for r in results if r is not None]

    def _batch_once(self, paths: Sequence[str], units_each: int) -> list[BatchResult]:
        boundary = f"batch_{uuid.uuid4().hex}"
        parts = []
        for number, path in enumerate(paths):
            parts.append(
                f"--{boundary}\r\n"
                "Content-Type: application/http\r\n"
                f"Content-ID: <item{number}>\r\n\r\n"
                f"GET {path}\r\n\r\n"
            )
        payload = ("".join(parts) + f"--{boundary}--\r\n").encode("utf-8")
        response = self._send(
            "POST",
            f"{self.settings.gmail_api_url.rstrip('/')}/batch/gmail/v1",
            units=units_each * len(paths),
            content=payload,
            headers={"Content-Type": f"multipart/mixed; boundary={boundary}"},
        )
        if response.status_code >= 400:
            self._check(response)
        answers = parse_batch_response(response.headers.get("content-type", ""), response.content)
        by_id = dict(answers)
        out: list[BatchResult] = []
        for number in range(len(paths)):
            answer = by_id.get(f"response-item{number}")
            if answer is None:
                out.append(BatchResult(status=500, body=None, reason="missingPart"))
            else:
                out.append(answer)
        return out


def _json_or_none(response: httpx2.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)


def parse_batch_response(content_type: str, content: bytes) -> list[tuple[str, BatchResult]]:
    """The parts of a ``multipart/mixed`` batch answer as (Content-ID, result)."""
    match = _BOUNDARY.search(content_type)
    if match is None:
        raise ProviderTransientError("Google's batch answer was not multipart. Retrying later.")
    delimiter = b"--" + match.group(1).strip().encode("ascii")
    found: list[tuple[str, BatchResult]] = []
    for chunk in content.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        part = chunk.replace(b"\r\n", b"\n").lstrip(b"\n")
        head, _, inner = part.partition(b"\n\n")
        content_id = ""
        for line in head.decode("latin-1").split("\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-id":
                content_id = value.strip().strip("<>")
        found.append((content_id, _parse_http(inner)))
    return found


def _parse_http(raw: bytes) -> BatchResult:
    text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n")
    head, _, body_text = text.partition("\n\n")
    lines = head.strip().split("\n")
    status_line = lines[0].split() if lines else []
    try:
        status = int(status_line[1])
    except (IndexError, ValueError):
        return BatchResult(status=500, body=None, reason="badPart")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body: Any = None
    if body_text.strip():
        try:
            body = json.loads(body_text)
        except ValueError:
            body = None
    return BatchResult(
        status=status,
        body=body,
        reason=error_reason(body),
        retry_after=parse_retry_after(headers.get("retry-after")),
    )
