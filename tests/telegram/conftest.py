"""The fake Telegram world most Telegram tests sync against."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.telegram import FakeTelegram, use_world
from tests.telegram.fake_account import PHONE


@pytest.fixture
def world() -> Iterator[FakeTelegram]:
    """A fake Telegram with the test account's phone registered, in use for the test."""
    fake = FakeTelegram()
    fake.add_account(PHONE, 1000)
    with use_world(fake):
        yield fake
