"""The cycle collector helpers of kit/collector.py: what a server holds for life is frozen
out of the collector's passes, and garbage made afterwards is still collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from pingcrm.kit.collector import fewer_collections, freeze_long_lived


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    try:
        yield
    finally:
        gc.unfreeze()


@pytest.mark.usefixtures("unfrozen")
def test_long_lived_objects_are_frozen_and_later_cycles_still_collected() -> None:
    kept = Node()
    tracked_before = len(gc.get_objects())

    frozen = freeze_long_lived()

    assert frozen >= tracked_before // 2
    assert not any(o is kept for o in gc.get_objects())  # out of every generation
    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    assert gone() is None


def test_fewer_collections_raises_the_threshold_only_inside_the_block() -> None:
    before = gc.get_threshold()
    with fewer_collections(), fewer_collections():
        assert gc.get_threshold()[0] >= 20_000
    assert gc.get_threshold() == before
