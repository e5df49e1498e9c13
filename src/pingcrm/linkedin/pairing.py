"""Pairing the extension with a code, and the life of its tokens.

The popup registers a code, the signed-in user claims it in Settings, the next poll gets
the token exactly once. Tokens last ``linkedin_token_days``; an expired one can be
exchanged for a new one (``refresh``) up to ``linkedin_refresh_grace_days`` after its
expiry; the old one is retired at that moment. Disconnect revokes a pairing's tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from pingcrm.accounts import rate_limits as ratelimit
from pingcrm.config import Settings
from pingcrm.errors import (
    AuthenticationRequired,
    Conflict,
    NotFound,
    PingError,
    RateLimited,
    ValidationFailed,
)
from pingcrm.kit.clock import utcnow
from pingcrm.linkedin import repository, tokens
from pingcrm.models import ExtensionPairing, ExtensionToken, PlatformAccount, Provider, User
from pingcrm.platform_accounts import service as accounts

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_RE = re.compile(rf"^PING-[{ALPHABET}]{{6}}$")
ACCOUNT_ID = "extension"
# Rate limits: registrations and polls per address, wrong codes per user + address.
REGISTER_LIMIT, REGISTER_WINDOW = 30, 600
POLL_LIMIT, POLL_WINDOW = 60, 60
WRONG_CODE_LIMIT, WRONG_CODE_WINDOW = 10, 600


class CodeExpired(PingError):
    status_code = 410
    code = "code_expired"


class ReauthRequired(AuthenticationRequired):
    code = "reauth_required"


class TokenExpired(AuthenticationRequired):
    code = "token_expired"


def normalize_code(raw: str) -> str:
    """``PING-XXXXXX`` upper-cased; 422 when it is not a pairing code."""
    code = (raw or "").strip().upper()
    if not CODE_RE.match(code):
        raise ValidationFailed(
            "A pairing code looks like PING-X7K3M2 (6 letters and digits, no O, 0, I, 1 or L).",
            details={"errors": [{"field": "code", "message": "not a pairing code"}]},
        )
    return code


def _limit(session: Session, key: str, limit: int, window: int, message: str) -> None:
    if not ratelimit.hit(session, key, limit=limit, window_seconds=window):
        raise RateLimited(message, retry_after=window)


def _expired(pairing: ExtensionPairing, now: datetime) -> bool:
    return pairing.expires_at <= now


# --- the popup's side (no authentication) -----------------------------------------------


def register_code(
    session: Session, settings: Settings, raw_code: str, address: str
) -> ExtensionPairing:
    """Register the popup's code (idempotent while it is pending and unexpired)."""
    _limit(
        session,
        f"li-register:{address}",
        REGISTER_LIMIT,
        REGISTER_WINDOW,
        "Too many pairing codes from this address. Wait a few minutes.",
    )
    code = normalize_code(raw_code)
    now = utcnow()
    pairing = repository.pairing_by_code(session, code)
    if pairing is not None:
        if pairing.claimed_by_user_id is not None:
            raise Conflict("This code was already used. The extension makes a new one.")
        if not _expired(pairing, now):
            return pairing
        repository.delete_pairing(session, pairing.id)  # an old, unclaimed code: start over
        session.flush()
    pairing = ExtensionPairing(
        code=code, expires_at=now + timedelta(minutes=settings.linkedin_pairing_minutes)
    )
    session.add(pairing)
    session.flush()
    return pairing


@dataclass(frozen=True)
class PollResult:
    """``pending`` (with the code's expiry) or ``paired`` with the token, once."""

    status: str
    expires_at: datetime
    token: str | None = None
    server_user: str | None = None


def poll_code(session: Session, settings: Settings, raw_code: str, address: str) -> PollResult:
    """What the popup's poll sees: pending, the token exactly once, then 404."""
    _limit(
        session,
        f"li-poll:{address}",
        POLL_LIMIT,
        POLL_WINDOW,
        "Polling too often. Wait a minute.",
    )
    code = normalize_code(raw_code)
    now = utcnow()
    pairing = repository.pairing_by_code(session, code)
    if pairing is None or pairing.token_delivered_at is not None:
        raise NotFound("This pairing code is unknown or was already used.")
    user_id = pairing.claimed_by_user_id
    if user_id is None:
        if _expired(pairing, now):
            raise CodeExpired("This pairing code expired. The extension makes a new one.")
        return PollResult(status="pending", expires_at=pairing.expires_at)
    if not repository.mark_delivered(session, pairing.id, now):
        raise NotFound("This pairing code is unknown or was already used.")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("This pairing code is unknown or was already used.")
    token, expires_at = _new_token(session, settings, user_id, pairing.id)
    return PollResult(status="paired", expires_at=expires_at, token=token, server_user=user.email)


def _new_token(
    session: Session, settings: Settings, user_id: int, pairing_id: int | None
) -> tuple[str, datetime]:
    token, jti, expires_at = tokens.issue(
        settings.secret_key, user_id, pairing_id, settings.linkedin_token_days
    )
    session.add(
        ExtensionToken(
            user_id=user_id,
            jti=tokens.jti_digest(jti),
            pairing_id=pairing_id,
            expires_at=expires_at,
        )
    )
    session.flush()
    return token, expires_at


# --- the user's side --------------------------------------------------------------------


def claim_code(
    session: Session, settings: Settings, user_id: int, raw_code: str, address: str
) -> ExtensionPairing:
    """The signed-in user types the popup's code: the pairing becomes theirs."""
    key = f"li-pair:{user_id}:{address}"
    if ratelimit.is_blocked(session, key, limit=WRONG_CODE_LIMIT, window_seconds=WRONG_CODE_WINDOW):
        raise RateLimited(
            "Too many wrong pairing codes. Wait a few minutes.", retry_after=WRONG_CODE_WINDOW
        )
    try:
        code = normalize_code(raw_code)
        now = utcnow()
        pairing = repository.pairing_by_code(session, code)
        if pairing is None:
            raise NotFound("No extension shows this code. Check the code in the popup.")
        if pairing.claimed_by_user_id is not None:
            raise Conflict("This code was already used. The extension makes a new one.")
        if _expired(pairing, now):
            raise CodeExpired("This code expired. The extension shows a new one.")
    except PingError:
        ratelimit.hit(session, key, limit=WRONG_CODE_LIMIT, window_seconds=WRONG_CODE_WINDOW)
        raise
    if not repository.claim_pairing(session, pairing.id, user_id, now):
        raise Conflict("This code was already used. The extension makes a new one.")
    session.refresh(pairing)
    account = linkedin_account(session, user_id)
    accounts.connect(
        session,
        settings,
        user_id=user_id,
        provider=Provider.LINKEDIN,
        external_id=ACCOUNT_ID,
        credentials={"pairing_id": pairing.id},
        display_name=account.display_name if account else "Chrome extension",
    )
    return pairing


def linkedin_account(session: Session, user_id: int) -> PlatformAccount | None:
    """The user's LinkedIn connection (one per user: the extension)."""
    found = accounts.list_accounts(session, user_id, Provider.LINKEDIN)
    return found[0] if found else None


# --- tokens -----------------------------------------------------------------------------


def authenticate(session: Session, settings: Settings, token: str) -> tuple[User, ExtensionToken]:
    """The user of a live extension token; 401 ``token_expired`` or otherwise."""
    claims = tokens.read(settings.secret_key, token)
    row = repository.token_by_digest(session, claims.user_id, claims.jti_digest)
    if row is None or row.revoked_at is not None:
        raise AuthenticationRequired("This extension token was revoked. Pair the extension again.")
    if claims.expired() or row.expires_at <= utcnow():
        raise TokenExpired("The extension token expired. Refresh it.")
    user = session.get(User, claims.user_id)
    if user is None:
        raise AuthenticationRequired("The extension token is invalid.")
    return user, row


def refresh(session: Session, settings: Settings, token: str) -> tuple[str, datetime]:
    """Exchange a token (expired or not) for a new one; the old one is retired now."""
    try:
        claims = tokens.read(settings.secret_key, token)
    except AuthenticationRequired as exc:
        raise ReauthRequired("Pair the extension again.") from exc
    now = utcnow()
    row = repository.token_by_digest(session, claims.user_id, claims.jti_digest)
    if row is None or row.revoked_at is not None:
        raise ReauthRequired("This extension token is no longer valid. Pair the extension again.")
    if row.expires_at + timedelta(days=settings.linkedin_refresh_grace_days) < now:
        raise ReauthRequired("This extension token expired too long ago. Pair the extension again.")
    if session.get(User, claims.user_id) is None:
        raise ReauthRequired("Pair the extension again.")
    if not repository.retire_token(session, claims.user_id, row.id, now):
        raise ReauthRequired("This extension token was already exchanged. Pair again.")
    return _new_token(session, settings, claims.user_id, row.pairing_id)


def disconnect_pairing(session: Session, user_id: int, token: ExtensionToken) -> int:
    """The popup's Disconnect: revoke every token of the calling token's pairing."""
    now = utcnow()
    if token.pairing_id is None:
        revoked = int(repository.retire_token(session, user_id, token.id, now))
    else:
        revoked = repository.revoke_tokens(session, user_id, now, token.pairing_id)
    if repository.live_token_count(session, user_id, now) == 0:
        account = linkedin_account(session, user_id)
        if account is not None:
            accounts.disconnect(account)
    session.flush()
    return revoked


def disconnect_all(session: Session, user_id: int) -> int:
    """Settings → Disconnect: revoke every extension token of the user at once."""
    revoked = repository.revoke_tokens(session, user_id, utcnow())
    account = linkedin_account(session, user_id)
    if account is not None:
        accounts.disconnect(account)
    session.flush()
    return revoked
