"""Python's cycle collector, kept off the hot paths: fewer passes while a bulk path
allocates millions of small objects (rows, tuples, dicts) that die young and form no
cycles, and no full pass over the objects a server holds for life."""

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


def freeze_long_lived() -> int:
    """Collect what is garbage now, then move every remaining object (modules, the ORM's
    registries, routes, templates: ~200k objects once the app is built) to the permanent
    generation, which the collector's passes skip; returns how many were frozen.

    Call once, when a long-running process has loaded what it keeps for life (before a
    server starts serving). Without it each full pass walks all of them: 100-200 ms on
    this project's 2-core machine, which a request that triggers it pays (every few
    dozen requests, the whole p95 of the contacts list). Objects created later are
    collected as usual."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
