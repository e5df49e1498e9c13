"""OAuth 2.0 authorization state with PKCE (S256), kept server-side, for every provider.

The browser only ever carries ``state``. Its SHA-256 digest, the user it was issued to,
the provider and the encrypted PKCE verifier are stored in ``oauth_states`` for ten
minutes; the callback consumes the row (once, whatever the outcome) and refuses a state
issued to anybody else or for another provider.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.kit.clock import utcnow
from pingcrm.kit.crypto import SecretBox
from pingcrm.models import OAuthState
from pingcrm.platform_accounts import repository

STATE_TTL = timedelta(minutes=10)


@dataclass(frozen=True)
class PendingAuthorization:
    """What goes into the authorization URL: the state and the PKCE challenge."""

    state: str
    code_challenge: str
    code_challenge_method: str = "S256"


def digest(state: str) -> str:
    """The stored form of ``state`` (SHA-256, hex)."""
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


def challenge(verifier: str) -> str:
    """The S256 code challenge of ``verifier`` (RFC 7636)."""
    raw = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def issue(
    session: Session, settings: Settings, user_id: int, provider: str
) -> PendingAuthorization:
    """Store a fresh state + PKCE verifier for ``user_id`` at ``provider`` (flushed)."""
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    now = utcnow()
    repository.delete_expired_states(session, now)
    session.add(
        OAuthState(
            user_id=user_id,
            state_digest=digest(state),
            provider=provider,
            verifier_encrypted=SecretBox(settings.fernet_keys).encrypt(verifier),
            expires_at=now + STATE_TTL,
        )
    )
    session.flush()
    return PendingAuthorization(state=state, code_challenge=challenge(verifier))


def consume(
    session: Session, settings: Settings, user_id: int, provider: str, state: str
) -> str | None:
    """The PKCE verifier of ``state`` if it was issued to ``user_id`` for ``provider`` and
    is fresh, else None. The state is single-use: it is deleted whatever the outcome."""
    row = repository.pop_state(session, digest(state or ""), provider)
    if row is None or row.user_id != user_id or row.expires_at <= utcnow():
        return None
    return SecretBox(settings.fernet_keys).decrypt(row.verifier_encrypted)
