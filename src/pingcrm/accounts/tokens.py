"""Short-lived JWT bearer tokens for the JSON API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt

from pingcrm.errors import AuthenticationRequired
from pingcrm.kit.bounds import MAX_DB_ID
from pingcrm.kit.clock import utcnow

API_AUDIENCE = "pingcrm-api"
ALGORITHM = "HS256"


def issue_access_token(
    secret: str, user_id: int, token_version: int, minutes: int
) -> tuple[str, int]:
    """A signed access token for ``user_id`` and its lifetime in seconds."""
    now = utcnow()
    lifetime = timedelta(minutes=minutes)
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "ver": token_version,
        "aud": API_AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), int(lifetime.total_seconds())


def read_access_token(secret: str, token: str) -> tuple[int, int]:
    """Validate ``token``; return ``(user_id, token_version)`` or raise 401."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=API_AUDIENCE,
            # Expiry is checked against the application clock below, not the system's.
            options={"require": ["exp", "sub", "aud"], "verify_iat": False, "verify_exp": False},
        )
        if int(claims["exp"]) <= int(utcnow().timestamp()):
            raise jwt.ExpiredSignatureError("expired")
        user_id, version = int(claims["sub"]), int(claims.get("ver", 0))
        if not 1 <= user_id <= MAX_DB_ID or not 0 <= version <= MAX_DB_ID:
            raise ValueError("claims out of range")
        return user_id, version
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        raise AuthenticationRequired("The access token is invalid or expired.") from exc
