"""The connection badge of a platform account, derived from its row (never stored)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pingcrm.models import PlatformAccount

BadgeState = Literal["connected", "disconnected", "error", "expired"]


@dataclass(frozen=True)
class Badge:
    """What the Settings card shows: state, its word, its CSS class and the error text."""

    state: BadgeState
    label: str
    css_class: str
    error: str | None = None


DISCONNECTED = Badge("disconnected", "Disconnected", "badge-disconnected")
CONNECTED = Badge("connected", "Connected", "badge-connected")


def badge_for(account: PlatformAccount | None) -> Badge:
    """No credentials → Disconnected; credentials with an auth error or a failed last
    attempt → Error (with the last error); otherwise Connected."""
    if account is None or not account.credentials_encrypted:
        return DISCONNECTED
    if account.last_error_is_auth or account.last_attempt_failed:
        message = (account.last_error or "").strip() or "The last sync failed. Reconnect."
        return Badge("error", "Error", "badge-error", message)
    return CONNECTED
