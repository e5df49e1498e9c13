"""The job registry: every background job declared once, with its schedule and fan-out.

A domain declares its jobs in ``<domain>/tasks.py`` with the :func:`job` decorator;
:func:`load_jobs` imports every such module. Both runners (embedded and Celery) read
this registry; the Celery beat schedule is generated from it.
"""

from __future__ import annotations

import enum
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.triggers.cron import CronTrigger

from pingcrm.models import Provider

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


REGISTRY: dict[str, JobSpec] = {}


def job(
    name: str,
    *,
    schedule: Schedule | None = None,
    fanout: Fanout = Fanout.GLOBAL,
    provider: Provider | None = None,
    lease_seconds: int = 600,
    description: str = "",
    follows_auto_sync: bool = True,
) -> Callable[[Callable[[JobContext], Any]], Callable[[JobContext], Any]]:
    """Register the decorated function as the job ``name`` (``domain.verb``)."""
    if fanout is Fanout.ACCOUNT and provider is None:
        raise ValueError(f"job {name}: per-account fan-out needs a provider")

    def decorate(func: Callable[[JobContext], Any]) -> Callable[[JobContext], Any]:
        existing = REGISTRY.get(name)
        if existing is not None and existing.func is not func:
            qualname = f"{func.__module__}.{func.__qualname__}"
            old = f"{existing.func.__module__}.{existing.func.__qualname__}"
            if qualname != old:
                raise ValueError(f"job {name} is registered twice ({old}, {qualname})")
        REGISTRY[name] = JobSpec(
            name=name,
            func=func,
            schedule=schedule,
            fanout=fanout,
            provider=provider,
            lease_seconds=lease_seconds,
            description=description or (func.__doc__ or "").strip().split("\n")[0],
            follows_auto_sync=follows_auto_sync,
        )
        return func

    return decorate


_loaded = False


def load_jobs() -> dict[str, JobSpec]:
    """Import every ``pingcrm.<domain>.tasks`` module (and integrations' ones) once."""
    global _loaded
    if not _loaded:
        import pingcrm

        for info in pkgutil.walk_packages(pingcrm.__path__, "pingcrm.", onerror=lambda _n: None):
            if info.name.endswith(".tasks"):
                importlib.import_module(info.name)
        _loaded = True
    return REGISTRY


def get_job(name: str) -> JobSpec:
    """The registered job ``name``; KeyError when unknown."""
    load_jobs()
    return REGISTRY[name]


def scheduled_jobs() -> list[JobSpec]:
    """Every job with a schedule, by name."""
    return sorted((s for s in load_jobs().values() if s.schedule), key=lambda s: s.name)
