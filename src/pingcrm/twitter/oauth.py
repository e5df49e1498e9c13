"""OAuth 2.0 with X: the authorization URL (code flow, PKCE S256, server-side state from
``platform_accounts.oauth_states``), the code exchange, the refresh with X's *rotating*
refresh tokens (each one works once), and revocation.

A confidential client (``PINGCRM_X_CLIENT_SECRET`` set) authenticates to the token and
revoke endpoints with HTTP Basic; a public client sends only its ``client_id``.
"""

from __future__ import annotations

import base64
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

PROVIDER = "twitter"
READ_SCOPES: tuple[str, ...] = ("tweet.read", "users.read", "dm.read", "offline.access")
DM_WRITE = "dm.write"
# X's access tokens live two hours; refresh this long before they expire.
EXPIRY_MARGIN = 300.0


class XOAuthError(PingError):
    """The authorization could not be completed (bad state, refused code, …)."""

    status_code = 400
    code = "oauth_failed"


class XNotConfigured(PingError):
    status_code = 409
    code = "x_not_configured"


@dataclass(frozen=True)
class TokenSet:
    """What X's token endpoint granted."""

    access_token: str
    refresh_token: str | None
    expires_at: float
    scopes: frozenset[str]

    def as_credentials(self) -> dict[str, Any]:
        """The dict stored (encrypted) on the platform account."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "scope": " ".join(sorted(self.scopes)),
        }


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
    pending = oauth_states.issue(session, settings, user_id, PROVIDER)
    query = {
        "response_type": "code",
        "client_id": settings.x_client_id,
        "redirect_uri": settings.resolved_x_redirect_uri,
        "scope": " ".join(scopes(settings)),
        "state": pending.state,
        "code_challenge": pending.code_challenge,
        "code_challenge_method": pending.code_challenge_method,
    }
    return f"{settings.x_auth_url}?{urlencode(query)}"


def consume_state(session: Session, settings: Settings, user_id: int, state: str) -> str:
    """The PKCE verifier of ``state`` (single use; XOAuthError when unknown/expired)."""
    verifier = oauth_states.consume(session, settings, user_id, PROVIDER, state)
    if verifier is None:
        raise XOAuthError("This X authorization is unknown or expired. Click Connect again.")
    return verifier


def _headers(settings: Settings) -> dict[str, str]:
    """A confidential client authenticates with HTTP Basic (client id : secret)."""
    headers = {"Accept": "application/json"}
    if settings.x_client_secret:
        pair = f"{settings.x_client_id}:{settings.x_client_secret}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    return headers


def _post(
    http: httpx2.Client, settings: Settings, url: str, data: dict[str, str]
) -> httpx2.Response:
    try:
        return http.post(
            url,
            data={**data, "client_id": settings.x_client_id},
            headers=_headers(settings),
            timeout=settings.x_timeout_seconds,
        )
    except httpx2.TransportError as exc:
        raise ProviderTransientError(f"X could not be reached: {exc}") from exc


def _error(response: httpx2.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", response.text[:200]
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("error") or ""), str(body.get("error_description") or "")


def _token_set(body: Any) -> TokenSet:
    if not isinstance(body, dict) or not body.get("access_token"):
        raise ProviderTransientError("X's token answer had no access token.")
    refresh = body.get("refresh_token")
    return TokenSet(
        access_token=str(body["access_token"]),
        refresh_token=str(refresh) if refresh else None,
        expires_at=utcnow().timestamp() + float(body.get("expires_in") or 7200),
        scopes=frozenset(str(body.get("scope") or "").split()),
    )


def exchange_code(
    settings: Settings, code: str, verifier: str, *, http: httpx2.Client | None = None
) -> TokenSet:
    """Trade the callback's ``code`` and our PKCE verifier for tokens."""
    require_configured(settings)
    client = http or httpx2.Client()
    try:
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
            error, description = _error(response)
            raise XOAuthError(
                f"X refused the authorization ({error or response.status_code}"
                f"{': ' + description if description else ''}). Click Connect again."
            )
        tokens = _token_set(response.json())
    except ProviderTransientError as exc:
        raise XOAuthError(str(exc)) from exc
    finally:
        if http is None:
            client.close()
    if not tokens.refresh_token:
        raise XOAuthError(
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
        tokens = _token_set(response.json())
        if tokens.refresh_token is None:  # not rotated this time: the old one stays valid
            tokens = TokenSet(tokens.access_token, refresh_token, tokens.expires_at, tokens.scopes)
        return tokens
    if response.status_code == 429 or response.status_code >= 500:
        raise ProviderTransientError(f"X's token endpoint answered {response.status_code}.")
    error, description = _error(response)
    raise ProviderAuthError(
        "X refused the stored authorization "
        f"({error or response.status_code}{': ' + description if description else ''}): "
        "it was revoked or has expired. Reconnect the account."
    )


def revoke(settings: Settings, token: str, hint: str, *, http: httpx2.Client | None = None) -> bool:
    """Revoke ``token`` at X (best effort): whether X confirmed it."""
    client = http or httpx2.Client()
    try:
        response = _post(
            client, settings, settings.x_revoke_url, {"token": token, "token_type_hint": hint}
        )
    except ProviderTransientError:
        return False
    finally:
        if http is None:
            client.close()
    if response.status_code != 200:
        return False
    try:
        body = response.json()
    except ValueError:
        return True
    return not isinstance(body, dict) or body.get("revoked", True) is not False
