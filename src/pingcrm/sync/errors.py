"""Errors a provider raises during a sync; the sync engine decides what each means."""

from __future__ import annotations

from pingcrm.kit.retry import TransientError


class ProviderTransientError(TransientError):
    """Network error, 429, 5xx, flood wait: retried with backoff, gate honoured."""


class ProviderAuthError(Exception):
    """Revoked or expired credentials: the run stops and the account goes to Error."""


class ProviderRateLimited(ProviderTransientError):
    """The provider asked us to wait (an X 429 with its reset time, a Telegram flood wait).

    The run stops at once without holding a worker: the engine closes the account's rate
    gate for ``retry_after`` seconds, ends the run as deferred, and ``sync.resume_deferred``
    runs the job again once the wait is over. Batches committed before it are kept.
    """

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, retry_after=max(0.0, retry_after))
