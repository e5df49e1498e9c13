"""Account use cases: create, authenticate, change password/email, delete."""

from __future__ import annotations

import hashlib

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


def _address_key(client_address: str) -> str:
    return "login:addr:" + client_address


def _account_key(email: str) -> str:
    # Hashed so that the rate-limit table never lists which emails were tried.
    return "login:acct:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def authenticate(
    session: Session, settings: Settings, email: str, password: str, client_address: str
) -> User:
    """Check credentials under per-account and per-address rate limits.

    Failures never reveal whether the email exists. Raises :class:`RateLimited` once
    either limit is used up within the window.
    """
    window = settings.login_window_seconds
    normalized = email.strip().lower()
    account_key, address_key = _account_key(normalized), _address_key(client_address)
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


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change the password; every other session and token stops working."""
    if not verify_password(current, user.password_hash):
        raise ValidationFailed(
            "The current password is incorrect.", details={"field": "current_password"}
        )
    check_password_rules(new)
    user.password_hash = hash_password(new)
    user.token_version += 1
    session.flush()


def change_email(session: Session, user: User, new_email: str, password: str) -> None:
    """Change the sign-in email after checking the password."""
    if not verify_password(password, user.password_hash):
        raise ValidationFailed("The password is incorrect.", details={"field": "password"})
    normalized = normalize_email(new_email)
    if repository.email_taken(session, normalized, except_user_id=user.id):
        raise Conflict("Another account uses this email.", details={"field": "email"})
    user.email = normalized
    session.flush()


def delete_account(session: Session, user: User, password: str, confirmation: str) -> None:
    """Delete the account and every row it owns (foreign keys cascade)."""
    if confirmation.strip().lower() != user.email:
        raise ValidationFailed(
            "Type your email address to confirm the deletion.", details={"field": "confirm_email"}
        )
    if not verify_password(password, user.password_hash):
        raise ValidationFailed("The password is incorrect.", details={"field": "password"})
    repository.delete_user(session, user.id)
    session.flush()
