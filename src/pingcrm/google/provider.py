"""The Google sync provider: one platform account (a Gmail address), three kinds.

Each kind's sync is a function ``(ctx, client) -> None`` listed in :data:`KIND_SYNCS`
by its own module with :func:`register_kind` (``google/gmail`` registers EMAIL;
``google/people`` CONTACTS; ``google/calendar`` CALENDAR). Those modules are imported
with the job registry (their ``tasks.py``), so this module imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable

from pingcrm.config import Settings
from pingcrm.errors import PingError
from pingcrm.google.client import GoogleClient
from pingcrm.models import Provider, SyncKind
from pingcrm.sync.provider import SyncContext, register_provider

KindSync = Callable[[SyncContext, GoogleClient], None]

KIND_SYNCS: dict[SyncKind, KindSync] = {}


def register_kind(kind: SyncKind) -> Callable[[KindSync], KindSync]:
    """Decorator: ``func`` syncs ``kind`` for a Google account."""

    def decorate(func: KindSync) -> KindSync:
        KIND_SYNCS[kind] = func
        return func

    return decorate


@register_provider
class GoogleProvider:
    """Gmail (email), Google Contacts and Google Calendar of one connected account."""

    provider = Provider.GMAIL
    kinds: tuple[SyncKind, ...] = (SyncKind.EMAIL, SyncKind.CONTACTS, SyncKind.CALENDAR)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def sync(self, ctx: SyncContext, kind: SyncKind) -> None:
        """Run the registered sync of ``kind`` with a client for the account."""
        func = KIND_SYNCS.get(kind)
        if func is None:
            from pingcrm.worker.registry import load_jobs

            load_jobs()  # imports every integration's tasks (and so its kind syncs)
            func = KIND_SYNCS.get(kind)
        if func is None:
            raise PingError(f"Google {kind.value} sync is not available on this server.")
        with GoogleClient.from_context(ctx) as client:
            func(ctx, client)
