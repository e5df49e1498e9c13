"""Job declarations: every background job declared once, with its schedule and fan-out.

A domain declares its jobs in ``<domain>/tasks.py`` with the :func:`job` decorator, which
turns the function into a :class:`JobSpec` and registers nothing. The registry is the
explicit list of tasks modules in :mod:`pingcrm.wiring.jobs`; :func:`load_jobs` reads it.
Both runners (embedded and Celery) read this registry; the Celery beat schedule is
generated from it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.triggers.cron import CronTrigger

from pingcrm.models import Provider, SyncKind

if TYPE_CHECKING:
    from pingcrm.worker.context import JobContext


class Fanout(enum.StrEnum):
    """Over what one scheduled tick of a job spreads."""

    GLOBAL = "global"  # one run
    USER = "user"  # one run per user
    ACCOUNT = "account"  # one run per connected platform account of ``provider``


@dataclass(frozen=True)
class Every:
    """Run every ``interval``."""

    interval: timedelta

    def next_after(self, previous: datetime | None, now: datetime) -> datetime:
        """The next due time: at once when never run, else ``previous + interval``."""
        if previous is None:
            return now
        return previous + self.interval

    def describe(self) -> str:
        seconds = int(self.interval.total_seconds())
        for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
            if seconds % size == 0:
                count = seconds // size
                return f"every {count} {unit}{'s' if count != 1 else ''}"
        return f"every {seconds} seconds"


@dataclass(frozen=True)
class Cron:
    """Run at ``hour``:``minute`` UTC (``hour=None``: every hour at ``minute``)."""

    hour: int | None = 0
    minute: int = 0

    def trigger(self) -> CronTrigger:
        return CronTrigger(
            hour="*" if self.hour is None else self.hour, minute=self.minute, timezone=UTC
        )

    def next_after(self, previous: datetime | None, now: datetime) -> datetime:
        """The first cron time after the previous run (a missed time is due at once)."""
        start = previous + timedelta(seconds=1) if previous is not None else now
        fire = self.trigger().get_next_fire_time(None, start)
        assert fire is not None
        return fire.astimezone(UTC)

    def describe(self) -> str:
        if self.hour is None:
            return f"hourly at :{self.minute:02d}"
        return f"daily at {self.hour:02d}:{self.minute:02d} UTC"


Schedule = Every | Cron


@dataclass(frozen=True)
class JobSpec:
    """One registered job."""

    name: str
    func: Callable[[JobContext], Any]
    schedule: Schedule | None = None
    fanout: Fanout = Fanout.GLOBAL
    provider: Provider | None = None
    lease_seconds: int = 600
    description: str = ""
    tags: tuple[str, ...] = field(default=())
    # Per-account jobs: skipped for accounts whose "Sync automatically" is off. Jobs
    # that are not syncs (meeting-prep emails, bookkeeping) set this False.
    follows_auto_sync: bool = True
    # Per-account sync jobs: the kind they sync ("Sync now" and `pingcrm sync` find them
    # through :mod:`pingcrm.wiring.providers`).
    kind: SyncKind | None = None

    def __call__(self, ctx: JobContext) -> Any:
        """Run the job's function (tests and other jobs call a job like a function)."""
        return self.func(ctx)


def job(
    name: str,
    *,
    schedule: Schedule | None = None,
    fanout: Fanout = Fanout.GLOBAL,
    provider: Provider | None = None,
    kind: SyncKind | None = None,
    lease_seconds: int = 600,
    description: str = "",
    follows_auto_sync: bool = True,
) -> Callable[[Callable[[JobContext], Any]], JobSpec]:
    """Declare the decorated function as the job ``name`` (``domain.verb``).

    Returns the :class:`JobSpec`; list its tasks module in :mod:`pingcrm.wiring.jobs`.
    """
    if fanout is Fanout.ACCOUNT and provider is None:
        raise ValueError(f"job {name}: per-account fan-out needs a provider")
    if kind is not None and fanout is not Fanout.ACCOUNT:
        raise ValueError(f"job {name}: a sync kind belongs to a per-account job")

    def decorate(func: Callable[[JobContext], Any]) -> JobSpec:
        return JobSpec(
            name=name,
            func=func,
            schedule=schedule,
            fanout=fanout,
            provider=provider,
            kind=kind,
            lease_seconds=lease_seconds,
            description=description or (func.__doc__ or "").strip().split("\n")[0],
            follows_auto_sync=follows_auto_sync,
        )

    return decorate


def load_jobs() -> dict[str, JobSpec]:
    """Every job of the app, by name (built once from :mod:`pingcrm.wiring.jobs`)."""
    # Imported here, not at the top: the tasks modules that wiring lists import this module.
    from pingcrm.wiring.jobs import registry

    return registry()


def get_job(name: str) -> JobSpec:
    """The registered job ``name``; KeyError when unknown."""
    return load_jobs()[name]


def scheduled_jobs() -> list[JobSpec]:
    """Every job with a schedule, by name."""
    return sorted((s for s in load_jobs().values() if s.schedule), key=lambda s: s.name)
