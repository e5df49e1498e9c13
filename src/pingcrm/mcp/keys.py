"""MCP access keys: generate (shown once), revoke (immediate), status, and authenticate.

A key is ``pingcrm_`` + 43 URL-safe characters (32 random bytes). Only an HMAC-SHA256 of
it, keyed with the dedicated ``PINGCRM_MCP_HMAC_SECRET`` (not the session/JWT secret),
is stored; lookup is by digest and the digests are compared in constant time.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.kit.clock import utcnow
from pingcrm.kit.crypto import constant_time_equals, keyed_digest
from pingcrm.mcp import repository
from pingcrm.models import McpKey

KEY_PREFIX = "pingcrm_"
MAX_KEY_LENGTH = 200
# last_used_at is written at most this often per key (every tool call would be a write).
TOUCH_EVERY_SECONDS = 60


@dataclass(frozen=True)
class KeyStatus:
    active: bool
    allow_changes: bool = False
    created_at: datetime | None = None
    last_used_at: datetime | None = None


@dataclass(frozen=True)
class McpCaller:
    """Who is calling through MCP, and whether they may change things."""

    user_id: int
    allow_changes: bool


def _digest(settings: Settings, key: str) -> str:
    return keyed_digest(settings.mcp_hmac_secret, key)


def generate_key(session: Session, settings: Settings, user_id: int, *, allow_changes: bool) -> str:
    """A new key for ``user_id`` (replacing any old one); the plaintext is returned once."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    repository.delete_key_of_user(session, user_id)
    session.flush()
    session.add(McpKey(user_id=user_id, digest=_digest(settings, key), allow_changes=allow_changes))
    session.flush()
    return key


def revoke_key(session: Session, user_id: int) -> bool:
    """Delete the user's key; True when there was one."""
    removed = repository.delete_key_of_user(session, user_id) > 0
    session.flush()
    return removed


def key_status(session: Session, user_id: int) -> KeyStatus:
    """Whether a key is active, with its created and last-used times."""
    key = repository.key_of_user(session, user_id)
    if key is None:
        return KeyStatus(active=False)
    return KeyStatus(True, key.allow_changes, key.created_at, key.last_used_at)


def authenticate(session: Session, settings: Settings, key: str | None) -> McpCaller | None:
    """The caller a presented key belongs to, or None for a missing, malformed, wrong or
    revoked key. Records when the key was last used."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > MAX_KEY_LENGTH:
        return None
    digest = _digest(settings, key)
    row = repository.key_by_digest(session, digest)
    if row is None or not constant_time_equals(row.digest, digest):
        return None
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > TOUCH_EVERY_SECONDS:
        repository.touch(session, row.id, now)
    return McpCaller(user_id=row.user_id, allow_changes=row.allow_changes)
