"""OAuth 2.0 with Google: the authorization URL (code flow, PKCE S256, server-side state
from ``platform_accounts.oauth_states``), the code exchange, token refresh and revocation.
"""

from __future__ import annotations

import httpx2
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.errors import PingError
from pingcrm.sync import oauth2
from pingcrm.sync.errors import ProviderAuthError, ProviderTransientError
from pingcrm.sync.oauth2 import OAuthError, TokenSet

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
PROVIDER = "google"
TESTING_APP_HINT = (
    "Google refused the stored authorization (invalid_grant): it was revoked, or the "
    'OAuth app is in Google\'s "Testing" status, whose refresh tokens expire after 7 '
    "days. Reconnect the account (and publish the app to stop this recurring)."
)


class GoogleNotConfigured(PingError):
    status_code = 409
    code = "google_not_configured"


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
    return oauth2.authorization_url(
        session,
        settings,
        user_id,
        provider=PROVIDER,
        endpoint=settings.google_auth_url,
        params={
            "client_id": settings.google_client_id,
            "redirect_uri": settings.resolved_google_redirect_uri,
            "response_type": "code",
            "scope": " ".join(SCOPES),
            "access_type": "offline",
            "prompt": "consent",
            "include_granted_scopes": "true",
        },
    )


def consume_state(session: Session, settings: Settings, user_id: int, state: str) -> str:
    """The PKCE verifier of ``state`` (single use; OAuthError when unknown/expired)."""
    return oauth2.consume_state(
        session, settings, user_id, state, provider=PROVIDER, label="Google"
    )


def _token_set(body: object, previous_refresh: str | None = None) -> TokenSet:
    missing = OAuthError("Google's token answer had no access token.")
    return oauth2.token_set(
        body, default_lifetime=3600, missing=missing, previous_refresh=previous_refresh
    )


def _post_form_to(
    http: httpx2.Client, settings: Settings, url: str, data: dict[str, str]
) -> httpx2.Response:
    timeout = settings.google_timeout_seconds
    return oauth2.post_form(http, url, data, label="Google", timeout=timeout)


def _post_token(http: httpx2.Client, settings: Settings, data: dict[str, str]) -> httpx2.Response:
    return _post_form_to(http, settings, settings.google_token_url, data)


def exchange_code(
    settings: Settings, code: str, verifier: str, *, http: httpx2.Client | None = None
) -> TokenSet:
    """Trade the callback's ``code`` (and our PKCE verifier) for tokens."""
    require_configured(settings)
    try:
        with oauth2.client(http) as client:
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
    if response.status_code != 200:
        raise OAuthError(
            f"Google refused the authorization ({oauth2.describe_refusal(response)}). "
            "Click Connect again."
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
    error, _ = oauth2.error_of(response)
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
        f"Google refused to refresh the access token ({oauth2.describe_refusal(response)}). "
        "Reconnect the account."
    )


def revoke(settings: Settings, token: str, *, http: httpx2.Client | None = None) -> bool:
    """Revoke ``token`` at Google (best effort): whether Google confirmed it."""
    try:
        with oauth2.client(http) as client:
            response = _post_form_to(client, settings, settings.google_revoke_url, {"token": token})
    except (ProviderTransientError, httpx2.HTTPError):
        return False
    return response.status_code == 200
