"""Retries of transient failures: exponential backoff with jitter, honouring Retry-After.

Built on tenacity. A failure is retried when it is a :class:`TransientError` (network,
429, 5xx, Telegram FloodWait); its ``retry_after`` (seconds the server asked us to wait)
wins over the computed backoff. The sleep function is injectable so tests never sleep.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
)

T = TypeVar("T")


class TransientError(Exception):
    """A failure worth retrying later (network error, 429, 5xx, flood wait)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds form); None when absent/invalid."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


class BackoffWait:
    """tenacity wait: ``Retry-After`` when the error carries one, else
    ``min(cap, base * 2**(attempt-1))`` plus up to ``jitter`` times that, at random."""

    def __init__(
        self,
        *,
        base: float = 1.0,
        cap: float = 300.0,
        jitter: float = 0.5,
        rng: random.Random | None = None,
    ) -> None:
        self.base = base
        self.cap = cap
        self.jitter = jitter
        self.rng = rng or random.Random()

    def __call__(self, state: RetryCallState) -> float:
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, TransientError) and exc.retry_after is not None:
            return min(exc.retry_after, self.cap * 4)
        delay = min(self.cap, self.base * (2 ** max(0, state.attempt_number - 1)))
        return delay + self.rng.uniform(0, delay * self.jitter)


def call_with_retry(
    fn: Callable[[], T],
    *,
    attempts: int = 5,
    base: float = 1.0,
    cap: float = 300.0,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    on_retry: Callable[[int, BaseException, float], None] | None = None,
) -> T:
    """Call ``fn``; on :class:`TransientError` wait and try again, ``attempts`` times in all.

    The last error is re-raised unchanged when every attempt failed.
    """
    wait = BackoffWait(base=base, cap=cap, rng=rng)

    def before_sleep(state: RetryCallState) -> None:
        if on_retry is not None and state.outcome is not None:
            exc = state.outcome.exception()
            assert exc is not None
            delay = state.next_action.sleep if state.next_action else 0.0
            on_retry(state.attempt_number, exc, delay)

    retrying = Retrying(
        retry=retry_if_exception_type(TransientError),
        stop=stop_after_attempt(attempts),
        wait=wait,
        sleep=sleep,
        reraise=True,
        before_sleep=before_sleep,
    )
    return retrying(fn)
