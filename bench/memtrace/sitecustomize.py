"""Loaded by a benchmark server started with ``BENCH_TRACEMALLOC=1`` (``bench/web_memory.py``
puts this folder first on ``PYTHONPATH``). On SIGUSR1 it reads a label from
``$PINGCRM_BENCH_TRACEMALLOC_DIR/label``: ``start`` starts tracing allocations (after
start-up, which tracing would slow tenfold), any other label writes a ``tracemalloc``
snapshot ``<label>.snapshot``; ``<label>.done`` says it is there."""

from __future__ import annotations

import gc
import os
import signal
import tracemalloc
from pathlib import Path
from types import FrameType

_DIRECTORY = os.environ.get("PINGCRM_BENCH_TRACEMALLOC_DIR")


def _on_signal(_signum: int, _frame: FrameType | None) -> None:
    directory = Path(_DIRECTORY or ".")
    label = (directory / "label").read_text(encoding="utf-8").strip()
    if label == "start":
        tracemalloc.start(12)
    else:
        gc.collect()
        snapshot = tracemalloc.take_snapshot().filter_traces(
            (tracemalloc.Filter(False, tracemalloc.__file__),)
        )
        snapshot.dump(str(directory / f"{label}.snapshot"))
    (directory / f"{label}.done").write_text("", encoding="utf-8")


if _DIRECTORY:
    signal.signal(signal.SIGUSR1, _on_signal)
