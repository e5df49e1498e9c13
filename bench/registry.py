"""The benchmark registry: each benchmark module registers a function that measures its
workloads on a prepared backend and returns table rows.

Add a benchmark by writing a module with::

    from bench.registry import BenchContext, Row, register

    @register("identity scan")
    def identity_scan(ctx: BenchContext) -> list[Row]:
        ...

and listing the module in ``bench/suites.py``.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings, load_settings
from pingcrm.models import User


@dataclass(frozen=True)
class Size:
    """A dataset size of quality.md."""

    name: str
    contacts: int
    interactions: int


SIZES = {
    "S": Size("S", 10_000, 100_000),
    "M": Size("M", 100_000, 1_000_000),
}


@dataclass
class Dataset:
    """A built dataset on one backend."""

    backend: str
    database_url: str
    size: Size
    seed: int
    user_email: str
    user_password: str
    user_id: int
    contacts: int
    interactions: int
    duplicate_pairs: list[dict[str, Any]]
    build_seconds: float
    cached: bool
    directory: Path
    # "built", "cached" or "migrated in N s": how this run got the dataset.
    origin: str = ""


@dataclass
class BenchContext:
    """What a benchmark gets: the dataset, an app client signed in both ways."""

    dataset: Dataset
    engine: Engine
    session_factory: sessionmaker[Session]
    client: TestClient
    api_headers: dict[str, str]
    requests: int = 50
    warmup: int = 5
    # Wall-clock budget of one workload: a pathologically slow page stops early (and
    # says so) instead of stalling the whole run.
    budget_seconds: float = 120.0
    rng: random.Random = field(default_factory=lambda: random.Random(1))

    @property
    def backend(self) -> str:
        return self.dataset.backend


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    workload: str
    backend: str
    p50_ms: float | None
    p95_ms: float | None
    target: str
    ok: str


Benchmark = Callable[[BenchContext], list[Row]]
_REGISTRY: list[tuple[str, Benchmark]] = []


def register(name: str) -> Callable[[Benchmark], Benchmark]:
    """Register ``fn`` as the benchmark called ``name`` (run in registration order)."""

    def decorate(fn: Benchmark) -> Benchmark:
        if any(existing == name for existing, _ in _REGISTRY):
            raise ValueError(f"benchmark {name!r} is registered twice")
        _REGISTRY.append((name, fn))
        return fn

    return decorate


def benchmarks() -> list[tuple[str, Benchmark]]:
    """Every registered benchmark, in registration order."""
    return list(_REGISTRY)


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def measure_http(
    ctx: BenchContext,
    workload: str,
    target_ms: float,
    make_request: Callable[[int], tuple[str, dict[str, str]]],
) -> Row:
    """Time ``ctx.requests`` GETs (after ``ctx.warmup`` untimed ones); ``make_request(i)``
    gives the i-th URL and headers. A non-200 answer stops the workload and is reported
    plainly in the ``ok`` column (e.g. a page that does not exist yet)."""
    timings: list[float] = []
    deadline = time.perf_counter() + ctx.budget_seconds
    for index in range(ctx.warmup + ctx.requests):
        if timings and time.perf_counter() > deadline:
            break
        url, headers = make_request(index)
        started = time.perf_counter()
        response = ctx.client.get(url, headers=headers, follow_redirects=False)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            reason = "route missing" if response.status_code == 404 else "error"
            return Row(
                workload,
                ctx.backend,
                None,
                None,
                f"p95 < {target_ms:g} ms",
                f"no: HTTP {response.status_code} on {url} ({reason})",
            )
        if index >= ctx.warmup:
            timings.append(elapsed)
    if not timings:
        return Row(workload, ctx.backend, None, None, f"p95 < {target_ms:g} ms", "no: timed out")
    p50, p95 = percentile(timings, 50), percentile(timings, 95)
    ok = "yes" if p95 < target_ms else "no"
    if len(timings) < ctx.requests:
        ok += f" ({len(timings)} of {ctx.requests} requests: {ctx.budget_seconds:g} s budget)"
    return Row(workload, ctx.backend, p50, p95, f"p95 < {target_ms:g} ms", ok)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def render_row(r: Row) -> str:
    """One row of the results table."""
    return (
        f"| {r.workload} | {r.backend} | {_ms(r.p50_ms)} | {_ms(r.p95_ms)} | {r.target} | {r.ok} |"
    )


def render_table(rows: list[Row]) -> str:
    """The results as one Markdown table."""
    lines = [
        "| workload | backend | p50 ms | p95 ms | target | ok |",
        "|---|---|---:|---:|---|---|",
    ]
    lines += [render_row(r) for r in rows]
    return "\n".join(lines)


# Throw-away secrets of benchmark runs (never used outside a benchmark's own database).
BENCH_SECRETS: dict[str, str] = {
    "secret_key": "bench-secret-key-" + "x" * 32,
    "encryption_keys": "u1yI1C7l8m3rhSn6bxk6mQ6jU6QlfvI9ovwlN8QZ2pA=",
    "mcp_hmac_secret": "bench-mcp-secret-" + "y" * 32,
}


def bench_settings(data_dir: Path, database_url: str, **overrides: Any) -> Settings:
    """Settings of a benchmark run: its data directory and database, the benchmark
    secrets, and ``overrides``."""
    return load_settings(
        data_dir=data_dir, database_url=database_url, **{**BENCH_SECRETS, **overrides}
    )


# The tables a benchmark user's rows are deleted from (by cascade) that later rows write.
_USER_TABLES = ("contacts", "contact_identifiers", "contact_scores", "interactions")


def drop_bench_user(engine: Engine, factory: sessionmaker[Session], user_id: int) -> None:
    """Delete a benchmark's own user and everything it owns, so the next row measures
    the dataset as it was prepared: on PostgreSQL the dead rows are vacuumed away too
    (autovacuum is off on the bench server; the rows the Gmail, X and Telegram rows
    deleted, left in the indexes, cost the import row after them about 1.8 s). A plain
    ``VACUUM``: the statistics stay as the bulk import left them."""
    with factory() as session:
        session.execute(delete(User).where(User.id == user_id))
        session.commit()
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            autocommit.exec_driver_sql("VACUUM " + ", ".join(_USER_TABLES))
