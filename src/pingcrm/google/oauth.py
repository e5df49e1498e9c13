"""OAuth 2.0 with Google: the authorization URL (code flow, PKCE S256, server-side state
from ``platform_accounts.oauth_states``), the code exchange, token refresh and revocation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx2
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.errors import PingError
from pingcrm.kit.clock import utcnow
from pingcrm.platform_accounts import oauth_states
from pingcrm.sync.errors import ProviderAuthError, ProviderTransientError

GMAIL_READONLY = "https://www.googleapis.com/auth/gmail.readonly"
GMAIL_SEND = "https://www.googleapis.com/auth/gmail.send"
CONTACTS_READONLY = "https://www.googleapis.com/auth/contacts.readonly"
CALENDAR_READONLY = "https://www.googleapis.com/auth/calendar.readonly"
SCOPES: tuple[str, ...] = (
    "openid",
    "email",
    GMAIL_READONLY,
    CONTACTS_READONLY,
    CALENDAR_READONLY,
    GMAIL_SEND,
)
STATE_TTL = oauth_states.STATE_TTL
PROVIDER = "google"
TESTING_APP_HINT = (
    "Google refused the stored authorization (invalid_grant): it was revoked, or the "
    'OAuth app is in Google\'s "Testing" status, whose refresh tokens expire after 7 '
    "days. Reconnect the account (and publish the app to stop this recurring)."
)


class OAuthError(PingError):
    """The authorization could not be completed (bad state, refused code, …)."""

    status_code = 400
    code = "oauth_failed"


class GoogleNotConfigured(PingError):
    status_code = 409
    code = "google_not_configured"


@dataclass(frozen=True)
class TokenSet:
    """What the token endpoint granted."""

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


def require_configured(settings: Settings) -> None:
    """Raise a clear error when no OAuth client is configured."""
    if not settings.google_configured:
        raise GoogleNotConfigured(
            "Google is not configured on this server: set PINGCRM_GOOGLE_CLIENT_ID and "
            "PINGCRM_GOOGLE_CLIENT_SECRET (see docs/google.md)."
        )


def authorization_url(session: Session, settings: Settings, user_id: int) -> str:
    """Store a fresh state + PKCE verifier for ``user_id``; the consent-screen URL."""
    require_configured(settings)
    pending = oauth_states.issue(session, settings, user_id, PROVIDER)
    query = {
        "client_id": settings.google_client_id,
        "redirect_uri": settings.resolved_google_redirect_uri,
        "response_type": "code",
        "scope": " ".join(SCOPES),
        "access_type": "offline",
        "prompt": "consent",
        "include_granted_scopes": "true",
        "state": pending.state,
        "code_challenge": pending.code_challenge,
        "code_challenge_method": pending.code_challenge_method,
    }
    return f"{settings.google_auth_url}?{urlencode(query)}"


def consume_state(session: Session, settings: Settings, user_id: int, state: str) -> str:
    """The PKCE verifier of ``state`` if it was issued to ``user_id`` and is fresh.

    The state is single-use: it is deleted whatever the outcome."""
    verifier = oauth_states.consume(session, settings, user_id, PROVIDER, state)
    if verifier is None:
        raise OAuthError("This Google authorization is unknown or expired. Click Connect again.")
    return verifier


def _token_error(response: httpx2.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", response.text[:200]
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("error") or ""), str(body.get("error_description") or "")


def _token_set(body: dict[str, Any], previous_refresh: str | None = None) -> TokenSet:
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise OAuthError("Google's token answer had no access token.")
    expires_in = float(body.get("expires_in") or 3600)
    scopes = frozenset(str(body.get("scope") or "").split())
    refresh = body.get("refresh_token") or previous_refresh
    return TokenSet(
        access_token=access,
        expires_at=utcnow().timestamp() + expires_in,
        scopes=scopes,
        refresh_token=str(refresh) if refresh else None,
    )


def _post_token(http: httpx2.Client, settings: Settings, data: dict[str, str]) -> httpx2.Response:
    try:
        return http.post(
            settings.google_token_url,
            data=data,
            headers={"Accept": "application/json"},
            timeout=settings.google_timeout_seconds,
        )
    except httpx2.TransportError as exc:
        raise ProviderTransientError(f"Google could not be reached: {exc}") from exc


def exchange_code(
    settings: Settings, code: str, verifier: str, *, http: httpx2.Client | None = None
) -> TokenSet:
    """Trade the callback's ``code`` (and our PKCE verifier) for tokens."""
    require_configured(settings)
    client = http or httpx2.Client()
    try:
        response = _post_token(
            client,
            settings,
            {
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": verifier,
                "client_id": settings.google_client_id,
                "client_secret": settings.google_client_secret,
                "redirect_uri": settings.resolved_google_redirect_uri,
            },
        )
    except ProviderTransientError as exc:
        raise OAuthError(str(exc)) from exc
    finally:
        if http is None:
            client.close()
    if response.status_code != 200:
        error, description = _token_error(response)
        raise OAuthError(
            f"Google refused the authorization ({error or response.status_code}"
            f"{': ' + description if description else ''}). Click Connect again."
        )
    tokens = _token_set(response.json())
    if not tokens.refresh_token:
        raise OAuthError(
            "Google granted no refresh token. Remove PingCRM from your Google account's "
            "third-party access and connect again."
        )
    return tokens


def refresh(settings: Settings, refresh_token: str, http: httpx2.Client) -> TokenSet:
    """A new access token; ``ProviderAuthError`` when Google refuses the refresh token."""
    response = _post_token(
        http,
        settings,
        {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": settings.google_client_id,
            "client_secret": settings.google_client_secret,
        },
    )
    if response.status_code == 200:
        return _token_set(response.json(), refresh_token)
    error, description = _token_error(response)
    if error in ("invalid_grant", "unauthorized_client", "invalid_client"):
        message = (
            TESTING_APP_HINT
            if error == "invalid_grant"
            else (
                f"Google refused PingCRM's OAuth client ({error}): check "
                "PINGCRM_GOOGLE_CLIENT_ID and PINGCRM_GOOGLE_CLIENT_SECRET, then reconnect."
            )
        )
        raise ProviderAuthError(message)
    if response.status_code == 429 or response.status_code >= 500:
        raise ProviderTransientError(f"Google's token endpoint answered {response.status_code}.")
    raise ProviderAuthError(
        f"Google refused to refresh the access token ({error or response.status_code}"
        f"{': ' + description if description else ''}). Reconnect the account."
    )


def revoke(settings: Settings, token: str, *, http: httpx2.Client | None = None) -> bool:
    """Revoke ``token`` at Google (best effort): whether Google confirmed it."""
    client = http or httpx2.Client()
    try:
        response = client.post(
            settings.google_revoke_url,
            data={"token": token},
            timeout=settings.google_timeout_seconds,
        )
    except httpx2.HTTPError:
        return False
    finally:
        if http is None:
            client.close()
    return response.status_code == 200
