"""The X API v2 client of one connected account.

- Authorised with the account's access token. Before it expires (or once after a 401) it
  is refreshed with the rotating refresh token, and the new pair is handed to ``persist``
  *before* it is used: the caller stores it in its own committed transaction, so a crash
  later in the run (which rolls the run's batch back) cannot leave the account holding a
  refresh token X has already invalidated.
- Reads X's rate-limit headers (``x-rate-limit-limit/-remaining/-reset``) of every answer:
  a 429 raises :class:`XRateLimited` with the seconds until the window resets (the run is
  rescheduled, no worker sleeps), and :meth:`XClient.should_defer` tells a page loop to
  stop before the window is used up.
- Errors come as ``application/problem+json`` (``type``, ``title``, ``detail``); a 403 is
  :class:`XForbidden` (``client-forbidden``: the app's access tier does not include the
  endpoint; ``unsupported-authentication``), other 4xx :class:`XApiError`, 5xx and
  network errors ``ProviderTransientError``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx2

from pingcrm.config import Settings
from pingcrm.errors import PingError
from pingcrm.kit.clock import utcnow
from pingcrm.sync.errors import ProviderAuthError, ProviderRateLimited, ProviderTransientError
from pingcrm.twitter import oauth

PROBLEMS = "https://api.twitter.com/2/problems/"
# 403 problem types meaning "this app (its access tier / auth) may not call this".
TIER_PROBLEMS = frozenset({PROBLEMS + "client-forbidden", PROBLEMS + "unsupported-authentication"})


class XRateLimited(ProviderRateLimited):
    """X's rate limit is used up until ``retry_after`` seconds from now (the engine
    defers the run and resumes it after the reset)."""


class XApiError(PingError):
    """X answered an error that retrying will not fix."""

    code = "x_api_error"

    def __init__(
        self,
        message: str,
        *,
        status: int,
        problem_type: str = "",
        reason: str = "",
    ) -> None:
        super().__init__(message, status_code=502)
        self.status = status
        self.problem_type = problem_type
        self.reason = reason


class XForbidden(XApiError):
    """403: the app or the token may not call this endpoint."""

    @property
    def tier_forbidden(self) -> bool:
        """The app's access tier / authentication does not allow the endpoint."""
        return self.problem_type in TIER_PROBLEMS or self.reason == "client-not-enrolled"


@dataclass(frozen=True)
class RateWindow:
    """The rate-limit headers of the last answer of one endpoint."""

    limit: int | None
    remaining: int | None
    reset_at: float | None

    def seconds_to_reset(self) -> float:
        if self.reset_at is None:
            return 900.0  # X's windows are 15 minutes
        return max(1.0, self.reset_at - utcnow().timestamp())


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def rate_window(headers: httpx2.Headers) -> RateWindow:
    reset = _int(headers.get("x-rate-limit-reset"))
    return RateWindow(
        limit=_int(headers.get("x-rate-limit-limit")),
        remaining=_int(headers.get("x-rate-limit-remaining")),
        reset_at=float(reset) if reset is not None else None,
    )


def problem(response: httpx2.Response) -> tuple[str, str, str]:
    """(type, reason, human text) of an X error answer (problem+json or errors array)."""
    try:
        body = response.json()
    except ValueError:
        return "", "", response.text[:200]
    if not isinstance(body, dict):
        return "", "", ""
    kind = str(body.get("type") or "")
    reason = str(body.get("reason") or "")
    text = str(body.get("detail") or body.get("title") or "")
    errors = body.get("errors")
    if not text and isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        kind = kind or str(first.get("type") or "")
        text = str(first.get("detail") or first.get("message") or first.get("title") or "")
    return kind, reason, text


class XClient:
    """Calls X's API v2 for one connected account (one thread)."""

    def __init__(
        self,
        settings: Settings,
        credentials: dict[str, Any],
        persist: Callable[[dict[str, Any]], None] | None = None,
        *,
        http: httpx2.Client | None = None,
    ) -> None:
        self.settings = settings
        self.credentials = dict(credentials)
        self._persist = persist
        self._own_http = http is None
        self.http = http or httpx2.Client(timeout=settings.x_timeout_seconds)
        self.windows: dict[str, RateWindow] = {}
        self.calls = 0

    def close(self) -> None:
        if self._own_http:
            self.http.close()

    def __enter__(self) -> XClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- tokens -------------------------------------------------------------------

    def refresh(self) -> str:
        """Rotate the token pair now and hand it to ``persist`` before using it."""
        refresh_token = self.credentials.get("refresh_token")
        if not refresh_token:
            raise ProviderAuthError("This X account has no stored authorization. Reconnect it.")
        tokens = oauth.refresh(self.settings, str(refresh_token), self.http)
        updated = {**self.credentials, **tokens.as_credentials()}
        if not tokens.scopes:
            updated["scope"] = self.credentials.get("scope", "")
        self.credentials = updated
        if self._persist is not None:
            self._persist(dict(updated))
        return tokens.access_token

    def access_token(self) -> str:
        """A valid access token (rotated when missing or about to expire)."""
        token = str(self.credentials.get("access_token") or "")
        expires_at = float(self.credentials.get("expires_at") or 0)
        if not token or expires_at - oauth.EXPIRY_MARGIN <= utcnow().timestamp():
            return self.refresh()
        return token

    # --- calls --------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.settings.x_api_url.rstrip("/") + path

    def get(self, path: str, params: dict[str, Any] | None = None, *, window: str = "") -> Any:
        """GET ``path`` (``/2/...``); the decoded JSON body. ``window`` names the endpoint
        whose rate-limit headers are remembered (default: the path)."""
        key = window or path
        refreshed = False
        while True:
            token = self.access_token()
            try:
                response = self.http.get(
                    self.url(path),
                    params=params,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=self.settings.x_timeout_seconds,
                )
            except httpx2.TransportError as exc:
                raise ProviderTransientError(f"X could not be reached: {exc}") from exc
            self.calls += 1
            if "x-rate-limit-remaining" in response.headers:
                self.windows[key] = rate_window(response.headers)
            status = response.status_code
            if status == 200:
                try:
                    return response.json()
                except ValueError as exc:
                    raise ProviderTransientError("X answered something that is not JSON.") from exc
            if status == 401 and not refreshed:
                refreshed = True
                self.refresh()
                continue
            kind, reason, text = problem(response)
            if status == 401:
                raise ProviderAuthError(
                    f"X refused the access token ({text or 'Unauthorized'}). Reconnect the account."
                )
            if status == 429:
                wait = rate_window(response.headers).seconds_to_reset()
                raise XRateLimited(
                    f"X's rate limit is used up (it resets in {int(wait)} s)", retry_after=wait
                )
            if status >= 500:
                raise ProviderTransientError(f"X answered {status} ({text or 'server error'}).")
            if status == 403:
                raise XForbidden(
                    f"X refused the request: {text or 'Forbidden'}",
                    status=status,
                    problem_type=kind,
                    reason=reason,
                )
            raise XApiError(
                f"X answered {status}: {text or 'error'}",
                status=status,
                problem_type=kind,
                reason=reason,
            )

    def should_defer(self, window: str) -> float | None:
        """Seconds to wait when ``window`` has at most the reserve left (else None)."""
        current = self.windows.get(window)
        if current is None or current.remaining is None:
            return None
        if current.remaining <= self.settings.x_rate_limit_reserve:
            return current.seconds_to_reset()
        return None

    def me(self) -> dict[str, Any]:
        """The authorizing user (``GET /2/users/me``)."""
        body = self.get(
            "/2/users/me", {"user.fields": "description,profile_image_url,username,name"}
        )
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not data.get("id"):
            raise XApiError("X did not say which account this is.", status=200)
        return data
