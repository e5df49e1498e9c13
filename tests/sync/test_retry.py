"""Backoff with jitter honouring Retry-After (kit/retry), used by every sync."""

from __future__ import annotations

import random

import pytest

from pingcrm.kit.retry import TransientError, call_with_retry, parse_retry_after


def test_retry_after_wins_then_exponential_backoff_with_jitter() -> None:
    failures = [TransientError("429", retry_after=30), TransientError("503"), TransientError("x")]
    sleeps: list[float] = []
    retried: list[int] = []

    def flaky() -> str:
        if failures:
            raise failures.pop(0)
        return "ok"

    result = call_with_retry(
        flaky,
        attempts=5,
        sleep=sleeps.append,
        rng=random.Random(3),
        on_retry=lambda attempt, _exc, _delay: retried.append(attempt),
    )
    assert result == "ok"
    assert sleeps[0] == 30
    assert 2 <= sleeps[1] <= 3  # 2 s base for the 2nd attempt + up to 50% jitter
    assert 4 <= sleeps[2] <= 6
    assert sleeps[1] != 2 or sleeps[2] != 4  # jitter actually varies the delay
    assert retried == [1, 2, 3]


def test_gives_up_after_the_attempts_and_reraises_the_last_error() -> None:
    sleeps: list[float] = []

    def always() -> None:
        raise TransientError("still down")

    with pytest.raises(TransientError, match="still down"):
        call_with_retry(always, attempts=3, sleep=sleeps.append)
    assert len(sleeps) == 2


def test_other_errors_are_not_retried() -> None:
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        raise ValueError("bug")

    with pytest.raises(ValueError, match="bug"):
        call_with_retry(broken, sleep=lambda _s: None)
    assert calls == [1]


def test_the_cap_bounds_the_backoff() -> None:
    sleeps: list[float] = []
    with pytest.raises(TransientError):
        call_with_retry(
            lambda: (_ for _ in ()).throw(TransientError("x")),
            attempts=8,
            cap=10,
            sleep=sleeps.append,
        )
    assert max(sleeps) <= 15


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("120", 120.0), (" 5 ", 5.0), ("soon", None), (None, None), ("-1", None)],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds
