"""LinkedIn in the provider wiring: push-based, so no server-side sync kind or job.

The extension pushes from the user's browser (``POST /api/v1/linkedin/push``); every push
is recorded as a LinkedIn · Extension run in Sync History by :mod:`pingcrm.linkedin.push`.
"""

from __future__ import annotations

from pingcrm.config import Settings
from pingcrm.models import Provider, SyncKind
from pingcrm.sync.errors import ProviderAuthError
from pingcrm.sync.provider import SyncContext


class LinkedinProvider:
    """No kinds: nothing to sync from the server (LinkedIn has no API for it)."""

    provider = Provider.LINKEDIN
    kinds: tuple[SyncKind, ...] = ()

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def sync(self, ctx: SyncContext, kind: SyncKind) -> None:
        raise ProviderAuthError(
            "LinkedIn syncs from the browser extension: click Sync Now in its popup."
        )
