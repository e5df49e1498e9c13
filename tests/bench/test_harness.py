"""``make bench`` on a tiny dataset: the harness builds, caches, measures, and prints
one table with a row per workload."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.runtime.migration import MigrationContext
from bench.contacts_pages import contacts_pages
from bench.dataset import cache_key, schema_revision, template_name
from bench.registry import BenchContext, Row, Size, benchmarks, percentile, register
from bench.runner import as_served, report, run
from fastapi.testclient import TestClient
from sqlalchemy import delete, make_url, text
from starlette.types import Receive, Scope, Send

from pingcrm.db import make_engine
from pingcrm.migrate import alembic_config, is_current
from pingcrm.models import Contact
from tests.support import postgres_url, require

TINY = Size("T", 60, 400)
ONLY = ["contacts pages"]
# The tables a bulk import leaves analyzed (the others have no statistics).
BULK_TABLES = {"contacts", "contact_scores", "contact_identifiers", "organizations", "interactions"}
WORKLOADS = [
    "contacts list API, default",
    "contacts list HTML, default",
    "contacts list API, search",
    "contacts list HTML, search",
    "contacts list API, search a broad word",
    "contacts list API, sort by score",
    "contacts list HTML, sort by score",
    "contact page with timeline, HTML",
    "contact API",
    "contact timeline API",
    "dashboard, HTML",
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
    # The broad-word row names the words it searched: "… a broad word (talk, data, update)".
    assert [r.workload.split(" (")[0] for r in rows] == WORKLOADS
    assert rows[4].workload.count(",") >= 2
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


def test_pages_are_measured_as_a_server_serves_them() -> None:
    """The test client's debug extension (which no server offers, and which keeps each
    page's template context in a reference cycle) is not offered to the measured app;
    the rest of the scope is."""
    seen: list[dict[str, object]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(dict(scope.get("extensions") or {}))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    assert TestClient(as_served(app)).get("/contacts").text == "ok"

    assert "http.response.debug" not in seen[0]
    assert "http.response.trailers" in seen[0]


def test_percentiles_use_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile([3.0], 95) == 3.0
    with pytest.raises(ValueError, match="twice"):
        register("contacts pages")(contacts_pages)


def test_a_cache_of_an_older_schema_is_migrated_not_rebuilt(tmp_path: Path) -> None:
    """After a new migration the cached dataset is brought to the head (the lead re-runs
    size M after a merge without a rebuild)."""
    run(TINY, seed=5, cache_dir=tmp_path, requests=1, warmup=0, only=ONLY)
    (cached,) = [p for p in tmp_path.iterdir() if p.name.startswith("T-")]
    heads = schema_revision()
    engine = make_engine(f"sqlite:///{cached / 'pingcrm.db'}")
    try:
        command.downgrade(alembic_config(engine), "-1")
        with engine.connect() as conn:
            older = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    assert older is not None
    assert older != heads
    renamed = cached.with_name(cached.name.replace(f"-{heads}-", f"-{older}-"))
    cached.rename(renamed)

    _, notes = run(TINY, seed=5, cache_dir=tmp_path, requests=1, warmup=0, only=ONLY)

    assert "(migrated in" in notes[0]
    assert "60 contacts, 400 interactions" in notes[0]
    (current,) = [p for p in tmp_path.iterdir() if p.name.startswith("T-")]
    assert current.name == cached.name, "the older cache is replaced by the migrated one"
    engine = make_engine(f"sqlite:///{current / 'pingcrm.db'}")
    try:
        assert is_current(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM contacts")).scalar_one() == 60
    finally:
        engine.dispose()


def test_the_dataset_has_the_statistics_an_import_leaves(tmp_path: Path) -> None:
    """No ANALYZE of the bench's own: the tables a bulk import grows are analyzed by the
    app's refresh; the others have no statistics."""
    _, notes = run(TINY, seed=5, cache_dir=tmp_path, requests=1, warmup=0, only=ONLY)
    assert "statistics as a bulk import leaves them" in notes[0]
    (cached,) = [p for p in tmp_path.iterdir() if p.name.startswith("T-")]
    with sqlite3.connect(cached / "pingcrm.db") as db:
        analyzed = {row[0] for row in db.execute("SELECT DISTINCT tbl FROM sqlite_stat1")}
    assert analyzed == BULK_TABLES


def _pg_databases(server: str, pattern: str) -> list[str]:
    engine = make_engine(server)
    try:
        with engine.connect() as conn:
            return list(
                conn.execute(
                    text("SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": pattern}
                ).scalars()
            )
    finally:
        engine.dispose()


def test_harness_on_postgresql_copies_a_cached_database_and_drops_the_copy(
    tmp_path: Path,
) -> None:
    server = postgres_url()
    require(server is not None, "PostgreSQL benchmarks need PINGCRM_TEST_DATABASE_URL")
    assert server is not None
    template = template_name(tmp_path / "postgresql" / cache_key(TINY, 5))
    try:
        rows, notes = run(
            TINY, seed=5, cache_dir=tmp_path, requests=1, warmup=0, postgres_url=server, only=ONLY
        )
        pg_rows = [r for r in rows if r.backend == "postgresql"]
        assert [r.workload.split(" (")[0] for r in pg_rows] == WORKLOADS
        assert all(r.p50_ms is not None for r in pg_rows)
        assert notes[1].startswith("postgresql: size T, 60 contacts")
        assert "(built)" in notes[1]
        assert _pg_databases(server, "pingcrm_bench_t_%") == []
        assert _pg_databases(server, template) == [template]
        engine = make_engine(
            make_url(server).set(database=template).render_as_string(hide_password=False)
        )
        try:
            with engine.connect() as conn:
                options = conn.execute(
                    text("SELECT reloptions FROM pg_class WHERE relname = 'contacts'")
                ).scalar_one()
                analyzed = set(
                    conn.execute(
                        text(
                            "SELECT DISTINCT c.relname FROM pg_statistic s JOIN pg_class c "
                            "ON c.oid = s.starelid WHERE c.relkind = 'r' "
                            "AND c.relnamespace = current_schema()::regnamespace"
                        )
                    ).scalars()
                )
        finally:
            engine.dispose()
        assert "autovacuum_enabled=false" in options
        assert analyzed == BULK_TABLES

        _, again = run(
            TINY, seed=5, cache_dir=tmp_path, requests=1, warmup=0, postgres_url=server, only=ONLY
        )
        assert "(cached)" in again[1]
        assert _pg_databases(server, "pingcrm_bench_t_%") == []
    finally:
        admin = make_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
        admin.dispose()


def test_web_memory_row_reads_the_live_servers_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BENCH_MEMORY_REQUESTS", "60")
    rows, _ = run(TINY, seed=5, cache_dir=tmp_path, requests=1, warmup=0, only=["web memory"])
    (row,) = rows
    assert row.workload == "web process RSS, 60 mixed requests (4 clients)"
    assert row.target == "< 250 MB"
    assert row.p50_ms is not None
    match = re.search(r"start (\d+) MB, after 60 (\d+) MB, after 60 (\d+) MB", row.ok)
    assert match is not None, row.ok
    assert int(match.group(1)) > 20
    assert int(match.group(3)) > 20
    assert "; 0 errors;" in row.ok
