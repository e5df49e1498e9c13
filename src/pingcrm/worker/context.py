"""What a running job receives: its scope, its arguments and the transaction it works in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings


@dataclass(frozen=True)
class JobCall:
    """One request to run a job: which job, for whom, with what, and why."""

    name: str
    user_id: int | None = None
    account_id: int | None = None
    args: dict[str, Any] = field(default_factory=dict)
    trigger: str = "manual"
    # Overrides the lease scope (e.g. ``run:42`` for one import run).
    scope: str | None = None

    @property
    def scope_key(self) -> str:
        """What the lease covers: this account, this user, or the job as a whole."""
        if self.scope:
            return self.scope
        if self.account_id is not None:
            return f"account:{self.account_id}"
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return "global"

    @property
    def lease_key(self) -> str:
        return f"{self.name}:{self.scope_key}"[:200]

    def to_message(self) -> dict[str, Any]:
        """A JSON-able form (Celery task kwargs)."""
        return {
            "name": self.name,
            "user_id": self.user_id,
            "account_id": self.account_id,
            "args": self.args,
            "trigger": self.trigger,
            "scope": self.scope,
        }

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> JobCall:
        return cls(
            name=str(message["name"]),
            user_id=message.get("user_id"),
            account_id=message.get("account_id"),
            args=dict(message.get("args") or {}),
            trigger=str(message.get("trigger") or "manual"),
            scope=message.get("scope"),
        )


@dataclass
class JobContext:
    """Handed to a job function. The wrapper owns ``session``'s transaction: it commits
    when the function returns and rolls back when it raises. Long jobs call
    :meth:`commit` after each batch (with their checkpoint in the same transaction)."""

    call: JobCall
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    session: Session
    job_run_id: int
    renew_lease: Callable[[], bool]

    @property
    def user_id(self) -> int | None:
        return self.call.user_id

    @property
    def account_id(self) -> int | None:
        return self.call.account_id

    @property
    def args(self) -> dict[str, Any]:
        return self.call.args

    def commit(self) -> None:
        """Commit the work so far (a batch and its checkpoint) and keep the lease fresh."""
        self.session.commit()
        self.renew_lease()
