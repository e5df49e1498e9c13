"""Account use cases: create, authenticate, change password/email, delete."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from pingcrm.accounts import rate_limits as ratelimit
from pingcrm.accounts import repository
from pingcrm.accounts.passwords import (
    DUMMY_HASH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    verify_password,
)
from pingcrm.config import Settings
from pingcrm.errors import AuthenticationRequired, Conflict, RateLimited, ValidationFailed
from pingcrm.kit.clock import utcnow
from pingcrm.models import User, UserSettings

LOGIN_FAILED = "Email or password is incorrect."


def normalize_email(raw: str) -> str:
    """Validate an account email and return it lower-cased."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed(
            f"Enter a valid email address ({exc}).", details={"field": "email"}
        ) from exc
    return result.normalized.lower()


def check_password_rules(password: str) -> None:
    """Refuse passwords that are too short or absurdly long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters.",
            details={"field": "password"},
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed("The password is too long.", details={"field": "password"})


def has_any_user(session: Session) -> bool:
    """True once the first account exists (``/setup`` closes then)."""
    return repository.count_users(session) > 0


def create_user(session: Session, email: str, password: str) -> User:
    """Create an account with its default settings."""
    normalized = normalize_email(email)
    check_password_rules(password)
    if repository.email_taken(session, normalized):
        raise Conflict("An account with this email already exists.", details={"field": "email"})
    user = User(email=normalized, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    session.add(UserSettings(user_id=user.id))
    session.flush()
    return user


# Password re-checks of a signed-in user (change password or email, delete the account):
# this many wrong passwords per window, then RateLimited (a stolen session cannot be used
# to guess the password).
PASSWORD_RECHECKS = 5
PASSWORD_RECHECK_WINDOW_SECONDS = 900


def _address_key(client_address: str) -> str:
    return "login:addr:" + client_address


def _account_key(email: str, client_address: str) -> str:
    # Per account AND address: an attacker elsewhere cannot lock the owner out. Hashed so
    # that the rate-limit table never lists which emails were tried.
    digest = hashlib.sha256(f"{email}\n{client_address}".encode()).hexdigest()[:32]
    return "login:acct:" + digest


def _recheck_key(user_id: int) -> str:
    return f"recheck:user:{user_id}"


def check_current_password(session: Session, user: User, password: str, field: str) -> None:
    """Verify a signed-in user's password again, rate limited per account; raise
    ValidationFailed (wrong) or RateLimited (too many wrong ones)."""
    key = _recheck_key(user.id)
    limits = {"limit": PASSWORD_RECHECKS, "window_seconds": PASSWORD_RECHECK_WINDOW_SECONDS}
    if ratelimit.is_blocked(session, key, **limits):
        raise RateLimited(
            "Too many wrong passwords. Wait a few minutes and try again.",
            retry_after=PASSWORD_RECHECK_WINDOW_SECONDS,
        )
    if not verify_password(password, user.password_hash):
        ratelimit.hit(session, key, **limits)
        message = (
            "The current password is incorrect."
            if field == "current_password"
            else "The password is incorrect."
        )
        raise ValidationFailed(message, details={"field": field})
    ratelimit.reset(session, key)


def authenticate(
    session: Session, settings: Settings, email: str, password: str, client_address: str
) -> User:
    """Check credentials under per-account and per-address rate limits.

    Failures never reveal whether the email exists. Raises :class:`RateLimited` once
    either limit is used up within the window.
    """
    window = settings.login_window_seconds
    normalized = email.strip().lower()
    account_key = _account_key(normalized, client_address)
    address_key = _address_key(client_address)
    if ratelimit.is_blocked(
        session, account_key, limit=settings.login_attempts_per_account, window_seconds=window
    ) or ratelimit.is_blocked(
        session, address_key, limit=settings.login_attempts_per_address, window_seconds=window
    ):
        raise RateLimited(
            "Too many sign-in attempts. Wait a few minutes and try again.", retry_after=window
        )
    user = repository.user_by_email(session, normalized)
    valid = verify_password(password, user.password_hash if user else DUMMY_HASH)
    if user is None or not valid:
        ratelimit.hit(
            session, account_key, limit=settings.login_attempts_per_account, window_seconds=window
        )
        ratelimit.hit(
            session, address_key, limit=settings.login_attempts_per_address, window_seconds=window
        )
        raise AuthenticationRequired(LOGIN_FAILED, code="invalid_credentials")
    ratelimit.reset(session, account_key)
    return user


def get_user_by_email(session: Session, email: str) -> User | None:
    """The account with ``email``, if any."""
    normalized = email.strip().lower()
    return repository.user_by_email(session, normalized)


def change_password(
    session: Session, user: User, current: str, new: str, keep_session: str | None = None
) -> None:
    """Change the password; every other session and token stops working (the browser
    session ``keep_session`` stays signed in)."""
    check_current_password(session, user, current, "current_password")
    check_password_rules(new)
    user.password_hash = hash_password(new)
    end_other_sessions(session, user, keep=keep_session)


def change_email(
    session: Session, user: User, new_email: str, password: str, keep_session: str | None = None
) -> None:
    """Change the sign-in email after checking the password; every other session and
    token stops working (``keep_session`` stays signed in)."""
    check_current_password(session, user, password, "password")
    normalized = normalize_email(new_email)
    if repository.email_taken(session, normalized, except_user_id=user.id):
        raise Conflict("Another account uses this email.", details={"field": "email"})
    user.email = normalized
    # Other browsers are signed out; access tokens (an hour at most) keep working, so an
    # API client changing the email is not cut off mid-call.
    end_other_sessions(session, user, keep=keep_session, revoke_tokens=False)


def delete_account(session: Session, user: User, password: str, confirmation: str) -> None:
    """Delete the account and every row it owns (foreign keys cascade)."""
    if confirmation.strip().lower() != user.email:
        raise ValidationFailed(
            "Type your email address to confirm the deletion.", details={"field": "confirm_email"}
        )
    check_current_password(session, user, password, "password")
    repository.delete_user(session, user.id)
    session.flush()


def open_session(session: Session, user: User, max_age_days: int) -> str:
    """Record a new signed-in browser of ``user``; its id goes into the session cookie.
    Sessions older than ``max_age_days`` (their cookies have expired) are dropped."""
    now = utcnow()
    repository.delete_sessions_before(session, user.id, now - timedelta(days=max_age_days))
    session_id = secrets.token_urlsafe(32)
    repository.add_session(session, session_id, user.id, now)
    return session_id


def session_user(session: Session, user_id: int, session_id: str) -> User | None:
    """The user of a signed-in browser, or None once that session has been ended
    (one primary-key join per request)."""
    return repository.session_user(session, user_id, session_id)


def end_session(session: Session, session_id: str) -> None:
    """Sign one browser out (logout)."""
    repository.delete_session(session, session_id)


def end_other_sessions(
    session: Session, user: User, keep: str | None, *, revoke_tokens: bool = True
) -> int:
    """Sign every other browser of ``user`` out (``keep`` stays), and with
    ``revoke_tokens`` every API access token too; return how many browsers were signed
    out."""
    ended = repository.delete_sessions_except(session, user.id, keep)
    if revoke_tokens:
        user.token_version += 1
    session.flush()
    return ended


def end_all_sessions(session: Session, user: User) -> int:
    """ "Sign out everywhere": every browser (this one included) and every API token;
    return how many browsers were signed out."""
    return end_other_sessions(session, user, keep=None)


def sign_out_everywhere(session: Session, user: User, password: str) -> int:
    """ "Sign out everywhere" from the API: the password is checked again (rate limited,
    like the other account changes), then every browser and every access token of the
    account stops working, the caller's included."""
    check_current_password(session, user, password, "password")
    return end_all_sessions(session, user)


@dataclass(frozen=True)
class SignedInBrowser:
    """One live browser session of an account (its id, a secret, is never shown)."""

    created_at: datetime
    current: bool


def signed_in_browsers(
    session: Session, user: User, max_age_days: int, current: str | None
) -> list[SignedInBrowser]:
    """The account's browser sessions whose cookies have not expired, newest first;
    ``current`` marks the caller's own."""
    since = utcnow() - timedelta(days=max_age_days)
    return [
        SignedInBrowser(created_at=row.created_at, current=row.id == current)
        for row in repository.list_sessions(session, user.id, since)
    ]
