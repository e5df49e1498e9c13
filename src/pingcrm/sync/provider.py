"""The one Protocol every integration implements, and what a sync run hands it.

Which class syncs which provider, and the job of each kind, is listed in
:mod:`pingcrm.wiring.providers`; domains never import a provider package.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.models import PlatformAccount, Provider, SyncKind, SyncRun
from pingcrm.sync.runs import Counts


@dataclass
class SyncContext:
    """What a provider gets for one run.

    ``session`` is the run's transaction; call :meth:`commit` after each batch, having
    written the batch's rows, its checkpoint (``sync.checkpoints.save``) and its counts
    (``add``) in it. ``credentials`` are decrypted; never log them.
    """

    session: Session
    settings: Settings
    account: PlatformAccount
    run: SyncRun
    credentials: dict[str, Any]
    commit: Callable[[], None]
    counts: Counts = field(default_factory=Counts)
    # Called by a provider that rotated its credentials (a refreshed OAuth token).
    save_credentials: Callable[[dict[str, Any]], None] | None = None


class SyncProvider(Protocol):
    """An integration's sync of one kind (emails, contacts, calendar, chats, …)."""

    provider: Provider
    kinds: tuple[SyncKind, ...]

    def __init__(self, settings: Settings) -> None: ...

    def sync(self, ctx: SyncContext, kind: SyncKind) -> None:
        """Stream pages from the provider, writing each batch with its checkpoint and
        calling ``ctx.commit()``. Raise ``ProviderTransientError`` for retryable failures
        (with ``retry_after`` when the provider said so) and ``ProviderAuthError`` when
        the credentials no longer work."""
        ...
