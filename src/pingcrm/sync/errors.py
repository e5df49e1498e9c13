"""Errors a provider raises during a sync; the sync engine decides what each means."""

from __future__ import annotations

from pingcrm.kit.retry import TransientError


class ProviderTransientError(TransientError):
    """Network error, 429, 5xx, flood wait: retried with backoff, gate honoured."""


class ProviderAuthError(Exception):
    """Revoked or expired credentials: the run stops and the account goes to Error."""
