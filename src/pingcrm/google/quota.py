"""Google's per-user quota as a token bucket of *quota units*, shared per account.

Google charges each API method a number of units and limits every user to a rate of units
(250 units per user per second by default). One bucket per connected account lives in the
process, so every job and thread of that account draws from it.

Unit costs are in :data:`UNITS` (Gmail API "Usage limits" page; People and Calendar
count requests, so each is charged 1 unit).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# Gmail API quota units per method.
UNITS: dict[str, int] = {
    "gmail.getProfile": 1,
    "gmail.messages.list": 5,
    "gmail.messages.get": 5,
    "gmail.history.list": 2,
    "gmail.messages.send": 100,
    "gmail.settings.sendAs.list": 1,
    "people.connections.list": 1,
    "calendar.events.list": 1,
    "oauth": 0,
}

# The client stays this far under the configured rate, and bursts at most half a second's
# worth of units, so network jitter never pushes Google's own meter over the limit.
RATE_MARGIN = 0.95
BURST_SECONDS = 0.5


class TokenBucket:
    """``rate`` units per second, at most ``capacity`` saved up. Thread-safe.

    ``acquire(n)`` waits until ``n`` units are available and takes them. A request larger
    than the capacity waits for a full bucket and then drives it into debt, so it is
    never refused and the average rate still holds.
    """

    def __init__(
        self,
        rate: float,
        capacity: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        self.rate = rate
        self.capacity = capacity
        self._monotonic = monotonic
        self._sleep = sleep
        self._tokens = capacity
        self._updated = monotonic()
        self._lock = threading.Lock()
        self.waited = 0.0

    def _refill(self) -> None:
        now = self._monotonic()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def acquire(self, units: float) -> float:
        """Take ``units`` (waiting as long as needed); the seconds waited."""
        if units <= 0:
            return 0.0
        need = min(units, self.capacity)
        waited = 0.0
        while True:
            with self._lock:
                self._refill()
                if self._tokens >= need:
                    self._tokens -= units
                    self.waited += waited
                    return waited
                delay = max((need - self._tokens) / self.rate, 0.001)
            self._sleep(delay)
            waited += delay


_buckets: dict[str, TokenBucket] = {}
_buckets_lock = threading.Lock()


def bucket_for(key: str, units_per_second: float) -> TokenBucket:
    """The process-wide bucket of ``key`` (an account), created on first use."""
    rate = units_per_second * RATE_MARGIN
    with _buckets_lock:
        bucket = _buckets.get(key)
        if bucket is None or bucket.rate != rate:
            bucket = TokenBucket(rate, max(1.0, units_per_second * BURST_SECONDS))
            _buckets[key] = bucket
        return bucket


def batch_size(units_per_second: float, unit_cost: int, limit: int = 100) -> int:
    """How many calls of ``unit_cost`` fit in one batch without exceeding one burst."""
    burst = units_per_second * BURST_SECONDS
    return max(1, min(limit, int(burst // max(1, unit_cost))))
