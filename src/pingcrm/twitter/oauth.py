"""OAuth 2.0 with X: the authorization URL (code flow, PKCE S256, server-side state from
``platform_accounts.oauth_states``), the code exchange, the refresh with X's *rotating*
refresh tokens (each one works once), and revocation.

A confidential client (``PINGCRM_X_CLIENT_SECRET`` set) authenticates to the token and
revoke endpoints with HTTP Basic; a public client sends only its ``client_id``.
"""

from __future__ import annotations

import base64

import httpx2
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.errors import PingError
from pingcrm.sync import oauth2
from pingcrm.sync.errors import ProviderAuthError, ProviderTransientError
from pingcrm.sync.oauth2 import OAuthError, TokenSet

PROVIDER = "twitter"
READ_SCOPES: tuple[str, ...] = ("tweet.read", "users.read", "dm.read", "offline.access")
DM_WRITE = "dm.write"
# X's access tokens live two hours; refresh this long before they expire.
EXPIRY_MARGIN = 300.0


class XNotConfigured(PingError):
    status_code = 409
    code = "x_not_configured"


def scopes(settings: Settings) -> tuple[str, ...]:
    """The scopes PingCRM asks for (``dm.write`` only when sending is enabled)."""
    return (*READ_SCOPES, DM_WRITE) if settings.x_dm_write else READ_SCOPES


def require_configured(settings: Settings) -> None:
    if not settings.x_configured:
        raise XNotConfigured(
            "X is not configured on this server: set PINGCRM_X_CLIENT_ID (and "
            "PINGCRM_X_CLIENT_SECRET for a confidential client; see docs/twitter.md)."
        )


def authorization_url(session: Session, settings: Settings, user_id: int) -> str:
    """Store a fresh state + PKCE verifier for ``user_id``; X's authorization URL."""
    require_configured(settings)
    return oauth2.authorization_url(
        session,
        settings,
        user_id,
        provider=PROVIDER,
        endpoint=settings.x_auth_url,
        params={
            "response_type": "code",
            "client_id": settings.x_client_id,
            "redirect_uri": settings.resolved_x_redirect_uri,
            "scope": " ".join(scopes(settings)),
        },
    )


def consume_state(session: Session, settings: Settings, user_id: int, state: str) -> str:
    """The PKCE verifier of ``state`` (single use; OAuthError when unknown/expired)."""
    return oauth2.consume_state(session, settings, user_id, state, provider=PROVIDER, label="X")


def _client_auth(settings: Settings) -> dict[str, str]:
    """A confidential client authenticates with HTTP Basic (client id : secret)."""
    if not settings.x_client_secret:
        return {}
    pair = f"{settings.x_client_id}:{settings.x_client_secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}


def _post(
    http: httpx2.Client, settings: Settings, url: str, data: dict[str, str]
) -> httpx2.Response:
    return oauth2.post_form(
        http, url, {**data, "client_id": settings.x_client_id}, label="X",
        timeout=settings.x_timeout_seconds, headers=_client_auth(settings),
    )  # fmt: skip


def _token_set(body: object, previous_refresh: str | None = None) -> TokenSet:
    missing = ProviderTransientError("X's token answer had no access token.")
    return oauth2.token_set(
        body, default_lifetime=7200, missing=missing, previous_refresh=previous_refresh
    )


def exchange_code(
    settings: Settings, code: str, verifier: str, *, http: httpx2.Client | None = None
) -> TokenSet:
    """Trade the callback's ``code`` and our PKCE verifier for tokens."""
    require_configured(settings)
    try:
        with oauth2.client(http) as client:
            response = _post(
                client,
                settings,
                settings.x_token_url,
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": settings.resolved_x_redirect_uri,
                    "code_verifier": verifier,
                },
            )
        if response.status_code != 200:
            raise OAuthError(
                f"X refused the authorization ({oauth2.describe_refusal(response)}). "
                "Click Connect again."
            )
        tokens = _token_set(response.json())
    except ProviderTransientError as exc:
        raise OAuthError(str(exc)) from exc
    if not tokens.refresh_token:
        raise OAuthError(
            "X granted no refresh token (offline.access was not granted). Connect again "
            "and allow PingCRM to stay connected."
        )
    return tokens


def refresh(settings: Settings, refresh_token: str, http: httpx2.Client) -> TokenSet:
    """A new token pair. X rotates refresh tokens: the one passed in is dead afterwards,
    so the caller must store the returned pair before anything else can fail."""
    response = _post(
        http,
        settings,
        settings.x_token_url,
        {"grant_type": "refresh_token", "refresh_token": refresh_token},
    )
    if response.status_code == 200:
        # Not rotated this time (no new refresh token): the old one stays valid.
        return _token_set(response.json(), refresh_token)
    if response.status_code == 429 or response.status_code >= 500:
        raise ProviderTransientError(f"X's token endpoint answered {response.status_code}.")
    raise ProviderAuthError(
        f"X refused the stored authorization ({oauth2.describe_refusal(response)}): "
        "it was revoked or has expired. Reconnect the account."
    )


def revoke(settings: Settings, token: str, hint: str, *, http: httpx2.Client | None = None) -> bool:
    """Revoke ``token`` at X (best effort): whether X confirmed it."""
    try:
        with oauth2.client(http) as client:
            response = _post(
                client, settings, settings.x_revoke_url, {"token": token, "token_type_hint": hint}
            )
    except ProviderTransientError:
        return False
    if response.status_code != 200:
        return False
    try:
        body = response.json()
    except ValueError:
        return True
    return not isinstance(body, dict) or body.get("revoked", True) is not False
