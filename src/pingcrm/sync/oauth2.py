"""What every OAuth 2.0 provider of PingCRM shares (Google, X): the authorization URL with
a server-side state and PKCE verifier (``oauth_states``), the callback's checks, posting
to a token endpoint, reading its errors, and the token set stored on the account.

Each provider module keeps only what differs: its scopes, client authentication, how
long its tokens live and how it words a refusal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx2
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.errors import PingError
from pingcrm.kit.clock import utcnow
from pingcrm.platform_accounts import oauth_states
from pingcrm.sync.errors import ProviderTransientError


class OAuthError(PingError):
    """The authorization could not be completed (bad state, refused code, …)."""

    status_code = 400
    code = "oauth_failed"


@dataclass(frozen=True)
class TokenSet:
    """What a token endpoint granted."""

    access_token: str
    expires_at: float
    scopes: frozenset[str]
    refresh_token: str | None = None

    def as_credentials(self) -> dict[str, Any]:
        """The dict stored (encrypted) on the platform account."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "scope": " ".join(sorted(self.scopes)),
        }


def authorization_url(
    session: Session,
    settings: Settings,
    user_id: int,
    *,
    provider: str,
    endpoint: str,
    params: dict[str, str],
) -> str:
    """Store a fresh state + PKCE verifier for ``user_id``; ``endpoint`` with ``params``
    plus the state and the S256 code challenge."""
    pending = oauth_states.issue(session, settings, user_id, provider)
    query = {
        **params,
        "state": pending.state,
        "code_challenge": pending.code_challenge,
        "code_challenge_method": pending.code_challenge_method,
    }
    return f"{endpoint}?{urlencode(query)}"


def consume_state(
    session: Session, settings: Settings, user_id: int, state: str, *, provider: str, label: str
) -> str:
    """The PKCE verifier of ``state`` if it was issued to ``user_id`` and is fresh.

    The state is single-use: it is deleted whatever the outcome."""
    verifier = oauth_states.consume(session, settings, user_id, provider, state)
    if verifier is None:
        raise OAuthError(f"This {label} authorization is unknown or expired. Click Connect again.")
    return verifier


def check_callback(label: str, *, code: str | None, error: str | None) -> str:
    """The callback's authorization code, or a clear error when the user cancelled or
    the provider sent none."""
    if error:
        raise OAuthError(
            f"{label} did not grant access (you cancelled, or an error occurred). "
            "Nothing was connected."
        )
    if not code:
        raise OAuthError(f"{label} sent no authorization code. Click Connect again.")
    return code


@contextmanager
def client(http: httpx2.Client | None) -> Iterator[httpx2.Client]:
    """``http`` when the caller has one (left open), else a new client closed afterwards."""
    if http is not None:
        yield http
        return
    with httpx2.Client() as own:
        yield own


def post_form(
    http: httpx2.Client,
    url: str,
    data: dict[str, str],
    *,
    label: str,
    timeout: float,
    headers: dict[str, str] | None = None,
) -> httpx2.Response:
    """POST a form to a token or revoke endpoint; an unreachable server is transient."""
    try:
        return http.post(
            url, data=data, headers={"Accept": "application/json", **(headers or {})},
            timeout=timeout,
        )  # fmt: skip
    except httpx2.TransportError as exc:
        raise ProviderTransientError(f"{label} could not be reached: {exc}") from exc


def error_of(response: httpx2.Response) -> tuple[str, str]:
    """The ``error`` and ``error_description`` of a refused token request (RFC 6749 §5.2)."""
    try:
        body = response.json()
    except ValueError:
        return "", response.text[:200]
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("error") or ""), str(body.get("error_description") or "")


def describe_refusal(response: httpx2.Response) -> str:
    """``invalid_grant: Bad code`` (or the status code when the body says nothing)."""
    error, description = error_of(response)
    return f"{error or response.status_code}{': ' + description if description else ''}"


def token_set(
    body: Any, *, default_lifetime: float, missing: Exception, previous_refresh: str | None = None
) -> TokenSet:
    """The tokens of a successful answer; ``missing`` is raised when it holds no access
    token. A refresh answer without a new refresh token keeps ``previous_refresh``."""
    if not isinstance(body, dict) or not body.get("access_token"):
        raise missing
    refresh = body.get("refresh_token") or previous_refresh
    return TokenSet(
        access_token=str(body["access_token"]),
        expires_at=utcnow().timestamp() + float(body.get("expires_in") or default_lifetime),
        scopes=frozenset(str(body.get("scope") or "").split()),
        refresh_token=str(refresh) if refresh else None,
    )
