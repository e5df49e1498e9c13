"""Fewer passes of Python's cycle collector while a bulk path allocates millions of small
objects (rows, tuples, dicts) that die young and form no cycles."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between two young-generation passes inside the block (CPython's default is
# 700). A bulk import allocates tens of objects per row and keeps a batch of rows alive
# for a while: at the default, a batch promotes enough survivors to set off a full pass
# over every object of the process (~200k: modules, the ORM's registries) every few
# thousand rows, about 15% of an import's CPU. Garbage cycles, rare here, are still
# collected, a little later.
BULK_THRESHOLD = 20_000

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the collector's first threshold for the block; nestable and thread-safe (the
    threshold is the process's: it is restored when the last block of any thread ends)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(max(_saved[0], BULK_THRESHOLD), *_saved[1:])
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.set_threshold(*_saved)
