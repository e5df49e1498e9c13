"""Every Telegram call of an account goes through its rate gate.

Before a call: when the account's gate is closed (an earlier flood wait), the call is not
made; the sync ends as rate-limited and is re-run when the gate opens. A Telegram error
becomes the engine's error (flood wait → rate-limited with ``retry_after``, the engine
closes the gate; revoked session → auth error).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from pingcrm.sync import rate_gate
from pingcrm.telegram.errors import RateLimited, sync_error, wait_words

T = TypeVar("T")


class GatedConnection:
    """A gateway connection whose every call checks the account's gate first."""

    def __init__(
        self, connection: Any, factory: sessionmaker[Session] | None, account_id: int
    ) -> None:
        self.connection = connection
        self.factory = factory
        self.account_id = account_id
        self.calls = 0

    def check(self) -> None:
        if self.factory is None:
            return
        wait = rate_gate.wait_seconds(self.factory, self.account_id)
        if wait > 0:
            raise RateLimited(
                f"Telegram asked to wait; {wait_words(wait)} left before the next call.",
                retry_after=wait,
            )

    def call(self, fn: Callable[[], T]) -> T:
        self.check()
        self.calls += 1
        try:
            return fn()
        except Exception as exc:
            mapped = sync_error(exc)
            if mapped is None:
                raise
            raise mapped from exc

    def __getattr__(self, name: str) -> Callable[..., Any]:
        target = getattr(self.connection, name)

        def gated(*args: Any, **kwargs: Any) -> Any:
            return self.call(lambda: target(*args, **kwargs))

        return gated
