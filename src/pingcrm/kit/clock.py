"""The application clock: UTC everywhere, injectable so tests never sleep.

Code asks :func:`utcnow` for the time. Tests (and the benchmark generator) install a
:class:`FrozenClock` with :func:`use_clock` and move it forward explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by ``delta``."""
        self._at += delta

    def set(self, at: datetime) -> None:
        """Jump to ``at``."""
        self._at = at.astimezone(UTC)


_clock: Clock = SystemClock()


def utcnow() -> datetime:
    """Now, from the installed clock."""
    return _clock.now()


def get_clock() -> Clock:
    """The installed clock."""
    return _clock


@contextmanager
def use_clock(clock: Clock) -> Iterator[Clock]:
    """Install ``clock`` for the duration of the block."""
    global _clock
    previous = _clock
    _clock = clock
    try:
        yield clock
    finally:
        _clock = previous
