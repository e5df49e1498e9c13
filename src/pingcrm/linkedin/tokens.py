"""Extension tokens: JWTs for the LinkedIn extension, audience ``pingcrm-extension``.

Only the SHA-256 of a token's ``jti`` is stored (``extension_tokens.jti``); the token
itself is handed to the extension once and never kept.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from pingcrm.errors import AuthenticationRequired
from pingcrm.kit.clock import utcnow

EXTENSION_AUDIENCE = "pingcrm-extension"
ALGORITHM = "HS256"


@dataclass(frozen=True)
class ExtensionClaims:
    """What a (signature-checked) extension token says."""

    user_id: int
    jti: str
    pairing_id: int | None
    expires_at: datetime

    @property
    def jti_digest(self) -> str:
        return jti_digest(self.jti)

    def expired(self) -> bool:
        return self.expires_at <= utcnow()


def jti_digest(jti: str) -> str:
    """What the database stores of a token id (hex SHA-256, 64 characters)."""
    return hashlib.sha256(jti.encode()).hexdigest()


def issue(
    secret: str, user_id: int, pairing_id: int | None, days: int
) -> tuple[str, str, datetime]:
    """A new token: ``(token, jti, expires_at)``."""
    now = utcnow()
    expires_at = (now + timedelta(days=days)).replace(microsecond=0)
    jti = secrets.token_urlsafe(24)
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "aud": EXTENSION_AUDIENCE,
        "jti": jti,
        "pid": pairing_id,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), jti, expires_at


def read(secret: str, token: str) -> ExtensionClaims:
    """Check signature and audience (not expiry: the caller decides); 401 otherwise."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=EXTENSION_AUDIENCE,
            options={
                "require": ["exp", "sub", "aud", "jti"],
                "verify_exp": False,
                "verify_iat": False,
            },
        )
        pid = claims.get("pid")
        return ExtensionClaims(
            user_id=int(claims["sub"]),
            jti=str(claims["jti"]),
            pairing_id=int(pid) if pid is not None else None,
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        )
    except (jwt.PyJWTError, ValueError, KeyError, TypeError, OverflowError) as exc:
        raise AuthenticationRequired("The extension token is invalid.") from exc


def audience_of(token: str) -> str | None:
    """The (unverified) audience of a JWT, to route it to the right check."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    aud = claims.get("aud")
    return aud if isinstance(aud, str) else None
