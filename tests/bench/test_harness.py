"""``make bench`` on a tiny dataset: the harness builds, caches, measures, and prints
one table with a row per workload."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from bench.contacts_pages import contacts_pages
from bench.registry import BenchContext, Row, Size, benchmarks, percentile, register
from bench.runner import report, run
from sqlalchemy import delete, text

from pingcrm.db import make_engine
from pingcrm.models import Contact
from tests.support import postgres_url, require

TINY = Size("T", 60, 400)
ONLY = ["contacts pages"]
WORKLOADS = [
    "contacts list API, default",
    "contacts list HTML, default",
    "contacts list API, search",
    "contacts list HTML, search",
    "contacts list API, sort by score",
    "contacts list HTML, sort by score",
    "contact page with timeline, HTML",
    "contact API",
    "contact timeline API",
]


def test_harness_prints_a_row_per_workload(tmp_path: Path) -> None:
    lines: list[str] = []
    stale = tmp_path / "T-60c-400i-seed5-0001-0123456789"
    stale.mkdir()
    rows, notes = run(
        TINY, seed=5, cache_dir=tmp_path, requests=3, warmup=1, only=ONLY, log=lines.append
    )
    table = report(rows, notes)
    assert "| workload | backend | p50 ms | p95 ms | target | ok |" in table
    assert [r.workload for r in rows] == WORKLOADS
    assert {r.backend for r in rows} == {"sqlite"}
    for row in rows:
        # Every page answers: a timing, not an HTTP error, in each row.
        assert row.p50_ms is not None, row
        assert row.p95_ms is not None, row
        assert row.p50_ms <= row.p95_ms
        assert row.ok in ("yes", "no")
        assert f"| {row.workload} | sqlite |" in table
    assert "60 contacts, 400 interactions" in notes[0]
    assert "(built)" in notes[0]
    assert not stale.exists(), "a cache of an older schema or generator is removed"

    # The dataset is cached: a second run reuses it.
    _, again = run(
        TINY, seed=5, cache_dir=tmp_path, requests=1, warmup=0, only=ONLY, log=lines.append
    )
    assert "(cached)" in again[0]
    assert [p.name[:2] for p in tmp_path.iterdir()] == ["T-"]  # no working copy left


def test_benchmarks_run_on_a_copy_of_the_cached_dataset(tmp_path: Path) -> None:
    """A benchmark that writes (an import, a score recomputation) leaves the cache as it
    was, so the next run measures the same data."""

    def writer(ctx: BenchContext) -> list[Row]:
        with ctx.session_factory() as session:
            session.execute(delete(Contact))
            session.commit()
        return []

    register("writer (test)")(writer)
    try:
        run(TINY, seed=5, cache_dir=tmp_path, requests=1, warmup=0, only=["writer (test)"])
    finally:
        from bench import registry

        registry._REGISTRY[:] = [(n, f) for n, f in registry._REGISTRY if f is not writer]
    (cached,) = [p for p in tmp_path.iterdir() if p.name.startswith("T-")]
    with sqlite3.connect(cached / "pingcrm.db") as db:
        assert db.execute("SELECT count(*) FROM contacts").fetchone() == (60,)


def test_a_missing_page_is_reported_plainly(tmp_path: Path) -> None:
    from bench.registry import measure_http

    def missing(ctx: BenchContext) -> list[Row]:
        return [measure_http(ctx, "not built yet", 50, lambda i: ("/no-such-page", {}))]

    register("missing page (test)")(missing)
    try:
        rows, _ = run(
            TINY,
            seed=5,
            cache_dir=tmp_path,
            requests=1,
            warmup=0,
            only=["missing page (test)"],
            log=print,
        )
    finally:
        from bench import registry

        registry._REGISTRY[:] = [(n, f) for n, f in registry._REGISTRY if f is not missing]
    (row,) = [r for r in rows if r.workload == "not built yet"]
    assert row.p50_ms is None
    assert row.ok == "no: HTTP 404 on /no-such-page (route missing)"
    assert ("contacts pages", contacts_pages) in benchmarks()


def test_percentiles_use_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile([3.0], 95) == 3.0
    with pytest.raises(ValueError, match="twice"):
        register("contacts pages")(contacts_pages)


def test_harness_on_postgresql_builds_a_fresh_database_and_drops_it(tmp_path: Path) -> None:
    server = postgres_url()
    require(server is not None, "PostgreSQL benchmarks need PINGCRM_TEST_DATABASE_URL")
    assert server is not None
    rows, notes = run(
        TINY, seed=5, cache_dir=tmp_path, requests=1, warmup=0, postgres_url=server, only=ONLY
    )
    pg_rows = [r for r in rows if r.backend == "postgresql"]
    assert [r.workload for r in pg_rows] == WORKLOADS
    assert all(r.p50_ms is not None for r in pg_rows)
    assert notes[1].startswith("postgresql: size T, 60 contacts")
    engine = make_engine(server)
    try:
        with engine.connect() as conn:
            left = conn.execute(
                text("SELECT count(*) FROM pg_database WHERE datname LIKE 'pingcrm_bench_t_%'")
            ).scalar_one()
    finally:
        engine.dispose()
    assert left == 0
