"""Run every registered benchmark on each backend and print one Markdown table."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Collection
from pathlib import Path

from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

import bench.suites  # noqa: F401  (registers the benchmarks)
from bench import identity_book, identity_splink
from bench.dataset import (
    CACHE_DIR,
    describe,
    drop_postgres_dataset,
    postgres_dataset,
    sqlite_dataset,
    working_copy,
)
from bench.registry import (
    BenchContext,
    Benchmark,
    Dataset,
    Row,
    Size,
    bench_settings,
    benchmarks,
    render_row,
    render_table,
)
from pingcrm.app import create_app
from pingcrm.db import make_engine, make_session_factory
from pingcrm.kit.collector import freeze_long_lived

IDENTITY_BOOK = "identity"
# Splink side by side with our tier-2 model on the identity book (needs `.[splink]`).
IDENTITY_SPLINK = "identity splink"
# Fixed secrets: the benchmark app never sees real data.


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _sign_in(client: TestClient, dataset: Dataset) -> dict[str, str]:
    """Sign the client in for pages (session cookie) and return API bearer headers."""
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if match is None:
        raise RuntimeError("the login page carries no CSRF token")
    response = client.post(
        "/login",
        data={
            "email": dataset.user_email,
            "password": dataset.user_password,
            "csrf_token": match.group(1),
        },
        follow_redirects=False,
    )
    if response.status_code != 303:
        raise RuntimeError(f"signing in failed with HTTP {response.status_code}")
    token = client.post(
        "/api/v1/auth/token",
        json={"email": dataset.user_email, "password": dataset.user_password},
    )
    if token.status_code != 200:
        raise RuntimeError(f"getting an API token failed with HTTP {token.status_code}")
    return {"Authorization": f"Bearer {token.json()['data']['access_token']}"}


def as_served(app: ASGIApp) -> ASGIApp:
    """``app`` without the test client's ``http.response.debug`` extension, which no
    server offers. With it, every page handed its template context (the contacts loaded,
    their rows and states) to the client through a closure the request also holds: a
    reference cycle per page (2,600 objects for a list of 50), freed only by the cycle
    collector's full passes, which then set off every 16th page (27 ms each) and made
    the p95 of the HTML rows twice their median. Served by uvicorn, a page leaves 130
    such objects, as an API request does."""

    async def served(scope: Scope, receive: Receive, send: Send) -> None:
        extensions = scope.get("extensions") or {}
        if "http.response.debug" in extensions:
            others = {k: v for k, v in extensions.items() if k != "http.response.debug"}
            scope = {**scope, "extensions": others}
        await app(scope, receive, send)

    return served


def _selected(only: Collection[str] | None) -> list[tuple[str, Benchmark]]:
    chosen = benchmarks()
    if only is None:
        return chosen
    unknown = set(only) - {name for name, _ in chosen}
    if unknown:
        raise ValueError(f"no benchmark named {', '.join(sorted(unknown))}")
    return [(name, fn) for name, fn in chosen if name in only]


def measure(
    dataset: Dataset,
    *,
    requests: int,
    warmup: int,
    budget_seconds: float = 120.0,
    only: Collection[str] | None = None,
) -> list[Row]:
    """Run the registered benchmarks (or the ``only`` ones) against ``dataset`` through
    the real app."""
    settings = bench_settings(
        dataset.directory,
        dataset.database_url,
        broker_url="",
        log_level="WARNING",
        login_attempts_per_address=1_000_000,
    )
    # Sized like the engine of ``pingcrm serve``.
    engine = make_engine(dataset.database_url, request_pool=True)
    rows: list[Row] = []
    try:
        app = create_app(settings, engine=engine)
        with TestClient(as_served(app), base_url="http://testserver") as client:
            headers = _sign_in(client, dataset)
            # As `pingcrm serve` does before serving (measured requests must not pay
            # full collector passes over the bench's own long-lived objects either).
            freeze_long_lived()
            ctx = BenchContext(
                dataset=dataset,
                engine=engine,
                session_factory=make_session_factory(engine),
                client=client,
                api_headers=headers,
                requests=requests,
                warmup=warmup,
                budget_seconds=budget_seconds,
            )
            done = 0
            for name, benchmark in _selected(only):
                _log(f"bench: {name} on {dataset.backend}…")
                # The previous benchmark's writes (a 100k import, a sync) reach the disk
                # now, not while this one is timed.
                os.sync()
                started = time.perf_counter()
                try:
                    rows.extend(benchmark(ctx))
                except Exception as exc:  # a broken benchmark must not hide the others
                    rows.append(Row(name, dataset.backend, None, None, "-", f"no: {exc!r}"[:160]))
                _log(f"bench: {name} on {dataset.backend}: {time.perf_counter() - started:.0f} s")
                for row in rows[done:]:
                    _log(render_row(row))
                done = len(rows)
    finally:
        engine.dispose()
    return rows


def run(
    size: Size,
    *,
    seed: int = 42,
    postgres_url: str | None = None,
    cache_dir: Path = CACHE_DIR,
    requests: int = 50,
    warmup: int = 5,
    budget_seconds: float = 120.0,
    only: Collection[str] | None = None,
    log: Callable[[str], None] = _log,
    sqlite: bool = True,
) -> tuple[list[Row], list[str]]:
    """Build (or reuse) the datasets, measure, and return the rows and dataset notes.

    Benchmarks may write (imports, score recomputation), so they run on a working copy of
    the cached dataset, which stays pristine for the next run. ``sqlite=False`` measures
    PostgreSQL only. Each row is also logged as it is measured (a long run interrupted
    keeps what it measured).
    """
    rows: list[Row] = []
    notes: list[str] = []
    # "identity" selects the independent identity book (its own empty databases, no
    # demo dataset to build); it runs last in a full run.
    book = only is None or IDENTITY_BOOK in only
    splink = only is None or IDENTITY_SPLINK in only
    only = None if only is None else [n for n in only if n not in (IDENTITY_BOOK, IDENTITY_SPLINK)]
    if only is None or only:
        _selected(only)
        if sqlite:
            log(f"bench: preparing the SQLite dataset (size {size.name})…")
            dataset = sqlite_dataset(size, seed, cache_dir)
            notes.append(describe(dataset))
            log(f"bench: {notes[-1]}")
            with working_copy(dataset) as work:
                rows += measure(
                    work, requests=requests, warmup=warmup, budget_seconds=budget_seconds, only=only
                )
        if postgres_url:
            log(f"bench: preparing the PostgreSQL dataset (size {size.name})…")
            pg = postgres_dataset(postgres_url, size, seed, cache_dir / "postgresql")
            try:
                notes.append(describe(pg))
                log(f"bench: {notes[-1]}")
                rows += measure(
                    pg, requests=requests, warmup=warmup, budget_seconds=budget_seconds, only=only
                )
            finally:
                drop_postgres_dataset(postgres_url, pg)
    if book:
        log(f"bench: identity book ({size.contacts:,} records)…")
        book_rows = identity_book.run(size.contacts, seed, postgres_url, cache_dir, sqlite=sqlite)
        for row in book_rows:
            log(render_row(row))
        rows += book_rows
        notes.append(
            f"identity book: {size.contacts:,} records from bench/identity_book.py "
            f"(its own generator), seed {seed}"
        )
    if splink and sqlite:
        log(f"bench: Splink beside our model on the identity book ({size.contacts:,} records)…")
        splink_rows = identity_splink.run(size.contacts, seed, cache_dir)
        for row in splink_rows:
            log(render_row(row))
        rows += splink_rows
    return rows, notes


def report(rows: list[Row], notes: list[str]) -> str:
    """The printed report: dataset lines, then the table."""
    return "\n".join([*(f"- {note}" for note in notes), "", render_table(rows)])
