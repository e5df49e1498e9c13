"""What Telegram's errors mean to the user and to the sync engine.

Login steps turn them into :class:`TelegramLoginError` (a ``ValidationFailed`` the card
and the API show); syncs turn them into the engine's provider errors. A flood wait
closes the account's rate gate until it expires and the job is re-run after it.
"""

from __future__ import annotations

from pingcrm.errors import PingError, ValidationFailed
from pingcrm.errors import RateLimited as PingRateLimited
from pingcrm.sync.errors import ProviderAuthError, ProviderRateLimited, ProviderTransientError
from pingcrm.telegram.gateway import rpc_errors

RateLimited = ProviderRateLimited


def _auth_errors() -> tuple[type[BaseException], ...]:
    """Telegram's errors of a session that no longer works (read when met: Telethon is
    imported on first use)."""
    return (
        rpc_errors.AuthKeyUnregisteredError,
        rpc_errors.AuthKeyDuplicatedError,
        rpc_errors.SessionRevokedError,
        rpc_errors.SessionExpiredError,
        rpc_errors.UserDeactivatedError,
        rpc_errors.UserDeactivatedBanError,
    )


class TelegramLoginError(ValidationFailed):
    """A login step failed; ``field`` is the input the user should look at."""

    code = "telegram_login"


class TelegramFloodWait(PingRateLimited):
    """Telegram asked to wait before the next request (429, with Retry-After)."""

    def __init__(self, seconds: int) -> None:
        super().__init__(
            f"Telegram asks to wait {wait_words(seconds)} before trying again.",
            retry_after=max(1, int(seconds)),
        )


def wait_words(seconds: float) -> str:
    """'45 seconds', '3 minutes', '2 hours'."""
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} seconds"
    if seconds < 7200:
        return f"{round(seconds / 60)} minutes"
    return f"{round(seconds / 3600)} hours"


def flood_seconds(exc: BaseException) -> int | None:
    """The wait a flood error asks for, or None for other errors."""
    if isinstance(exc, rpc_errors.FloodWaitError | rpc_errors.FloodPremiumWaitError):
        return int(exc.seconds)
    if isinstance(exc, rpc_errors.SlowModeWaitError):
        return int(exc.seconds)
    return None


def login_error(exc: BaseException) -> PingError | None:
    """The user-facing error of a failed login step (None: not a known Telegram error)."""
    seconds = flood_seconds(exc)
    if seconds is not None:
        return TelegramFloodWait(seconds)
    if isinstance(exc, rpc_errors.PhoneNumberInvalidError):
        return TelegramLoginError(
            "Telegram does not know this phone number: enter it in international format, "
            "for example +44 7700 900123.",
            details={"field": "phone"},
        )
    if isinstance(exc, rpc_errors.PhoneNumberBannedError):
        return TelegramLoginError(
            "Telegram has banned this phone number.", details={"field": "phone"}
        )
    if isinstance(exc, rpc_errors.PhoneNumberUnoccupiedError):
        return TelegramLoginError(
            "No Telegram account uses this phone number: sign up in the Telegram app first.",
            details={"field": "phone"},
        )
    if isinstance(exc, rpc_errors.PhoneCodeInvalidError | rpc_errors.PhoneCodeEmptyError):
        return TelegramLoginError(
            "That code is not right: enter the code Telegram sent to your Telegram app.",
            details={"field": "code"},
        )
    if isinstance(exc, rpc_errors.PhoneCodeExpiredError):
        return TelegramLoginError(
            "That code has expired: enter your phone number again to get a new code.",
            details={"field": "phone"},
        )
    if isinstance(exc, rpc_errors.PasswordHashInvalidError):
        return TelegramLoginError(
            "Wrong password: enter your Telegram two-step verification (cloud) password.",
            details={"field": "password"},
        )
    if isinstance(exc, rpc_errors.ApiIdInvalidError):
        return TelegramLoginError(
            "Telegram refused this server's API id and hash: check PINGCRM_TELEGRAM_API_ID "
            "and PINGCRM_TELEGRAM_API_HASH (from https://my.telegram.org).",
            details={"field": "phone"},
        )
    if isinstance(exc, rpc_errors.RPCError):
        return TelegramLoginError(
            f"Telegram refused the login ({exc.message}). Try again in a moment.",
            details={"field": "phone"},
        )
    if isinstance(exc, ConnectionError | OSError | TimeoutError):
        return TelegramLoginError(
            "Telegram could not be reached. Check the server's network and try again.",
            details={"field": "phone"},
        )
    return None


def sync_error(exc: BaseException) -> BaseException | None:
    """The engine's error for a Telegram error met during a sync (None: not one)."""
    seconds = flood_seconds(exc)
    if seconds is not None:
        return RateLimited(
            f"Telegram asked to wait {wait_words(seconds)} (flood wait); "
            "the sync continues after it.",
            retry_after=float(seconds),
        )
    if isinstance(exc, _auth_errors()):
        return ProviderAuthError(
            "Telegram ended this session (logged out from another device, or expired)."
        )
    if isinstance(exc, rpc_errors.RPCError) and getattr(exc, "code", None) in (500, -503):
        return ProviderTransientError(f"Telegram had an internal error ({exc.message}).")
    if isinstance(exc, ConnectionError | OSError | TimeoutError):
        return ProviderTransientError("Telegram could not be reached.")
    return None
