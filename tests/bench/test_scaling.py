"""The scaling rows: each bulk path at two sizes on fresh databases, with the ratio."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any, cast

import bench.scaling
import pytest
from bench.registry import BenchContext, benchmarks
from bench.scaling import scaling


def test_scaling_prints_both_times_and_the_ratio_of_each_bulk_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BENCH_SCALING_SIZES", "100,1000")
    ctx: Any = SimpleNamespace(
        backend="sqlite", dataset=SimpleNamespace(database_url="sqlite:///unused")
    )

    rows = scaling(cast(BenchContext, ctx))

    assert [r.workload for r in rows] == [
        "scaling: LinkedIn CSV import, 100 → 1k",
        "scaling: ingest, 10 interactions/contact, 100 → 1k",
        "scaling: score recompute (10 days on), 100 → 1k",
        "scaling: merge 1% of contacts in pairs, 100 → 1k",
    ]
    for row in rows:
        assert row.p50_ms is not None
        assert row.p95_ms is not None
        assert min(row.p50_ms, row.p95_ms) > 0
        assert row.target == "ratio <= 12x"
        match = re.fullmatch(r"(yes|no) \(100 [\d.]+ s, 1k [\d.]+ s, x([\d.]+)\)", row.ok)
        assert match, row.ok
        ratio = row.p95_ms / row.p50_ms
        assert match.group(1) == ("yes" if ratio <= 12 else "no")
    assert "scaling" in [name for name, _fn in benchmarks()]


def test_each_size_keeps_its_best_time_per_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sizes take turns, the small one three times per turn: a run slowed down by other
    load does not make the ratio."""
    monkeypatch.setenv("BENCH_SCALING_SIZES", "100,1000")
    monkeypatch.setenv("BENCH_SCALING_RUNS", "2")

    @contextmanager
    def no_database(_ctx: Any) -> Iterator[None]:
        yield None

    # Seconds per call at each size, in call order.
    imports = {100: [2.0, 1.5, 1.8, 1.7, 1.0, 1.9], 1000: [11.0, 14.0]}
    ingests = {100: [3.5, 3.6, 3.7, 4.0, 3.0, 3.9], 1000: [40.0, 30.0]}
    sizes: list[int] = []

    def csv_import(_db: Any, size: int) -> float:
        sizes.append(size)
        return imports[size].pop(0)

    monkeypatch.setattr(bench.scaling, "_fresh_database", no_database)
    monkeypatch.setattr(bench.scaling, "_csv_import", csv_import)
    monkeypatch.setattr(bench.scaling, "_ingest", lambda _db, n: ingests[n].pop(0))
    monkeypatch.setattr(bench.scaling, "_recompute", lambda _db: 1.0)
    monkeypatch.setattr(bench.scaling, "_merge", lambda _db, _n: 1.0)

    rows = scaling(cast(BenchContext, SimpleNamespace(backend="sqlite")))

    assert sizes == [100, 100, 100, 1000, 100, 100, 100, 1000]
    assert rows[0].ok == "yes (100 1.0 s, 1k 11.0 s, x11.0)"
    assert rows[1].ok == "yes (100 3.0 s, 1k 30.0 s, x10.0)"
