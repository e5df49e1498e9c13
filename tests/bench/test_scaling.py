"""The scaling rows: each bulk path at two sizes on fresh databases, with the ratio."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any, cast

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
