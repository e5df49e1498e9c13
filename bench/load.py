"""Mixed API load with Locust, headless, on loopback: 1, 10 and 50 concurrent clients
against a real ``pingcrm serve`` process (uvicorn and its thread pool, as users run it).

Targets (quality.md): 0 errors at every level, and no throughput collapse: req/s at 50
clients >= req/s at 10. ``run_locust`` is shared with the smoke test
(tests/web/test_load.py).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.live import live_server
from bench.registry import BenchContext, Row, bench_settings, register

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
LEVELS = (1, 10, 50)
SECONDS_PER_LEVEL = 20


@dataclass(frozen=True)
class LoadResult:
    """The aggregated Locust statistics of one run."""

    clients: int
    requests: int
    failures: int
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    failure_lines: tuple[str, ...] = ()

    def line(self) -> str:
        return (
            f"{self.clients} clients: {self.requests_per_second:.1f} req/s, "
            f"p50 {self.p50_ms:.0f} ms, p95 {self.p95_ms:.0f} ms, "
            f"{self.failures} errors in {self.requests} requests"
        )


def run_locust(base_url: str, token: str, clients: int, seconds: int, workdir: Path) -> LoadResult:
    """Run the mixed workload headless with ``clients`` users for ``seconds`` (all users
    start at once) and read Locust's aggregated CSV statistics."""
    prefix = workdir / f"load-{clients}"
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        base_url,
        "--users",
        str(clients),
        "--spawn-rate",
        str(clients),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    env = {**os.environ, "PINGCRM_LOAD_TOKEN": token}
    completed = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    stats_path = Path(f"{prefix}_stats.csv")
    if not stats_path.exists():
        raise RuntimeError(f"locust wrote no statistics: {completed.stderr[-2000:]}")
    with stats_path.open(encoding="utf-8") as handle:
        total = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    failures_path = Path(f"{prefix}_failures.csv")
    failure_lines: tuple[str, ...] = ()
    if failures_path.exists():
        with failures_path.open(encoding="utf-8") as handle:
            failure_lines = tuple(
                f"{row['Method']} {row['Name']}: {row['Error']} (x{row['Occurrences']})"
                for row in csv.DictReader(handle)
            )
    return LoadResult(
        clients=clients,
        requests=int(total["Request Count"]),
        failures=int(total["Failure Count"]),
        requests_per_second=float(total["Requests/s"]),
        p50_ms=float(total["50%"]),
        p95_ms=float(total["95%"]),
        failure_lines=failure_lines,
    )


@register("mixed API load (Locust)")
def mixed_api_load(ctx: BenchContext) -> list[Row]:
    """One row per level of concurrent clients, the collapse check on the 50 row."""
    with tempfile.TemporaryDirectory(prefix="pingcrm-load-") as tmp:
        workdir = Path(tmp)
        settings = bench_settings(ctx.dataset.directory, ctx.dataset.database_url)
        results: dict[int, LoadResult] = {}
        with live_server(settings, workdir) as server:
            token = server.token(ctx.dataset.user_email, ctx.dataset.user_password)
            for clients in LEVELS:
                results[clients] = run_locust(
                    server.base_url, token, clients, SECONDS_PER_LEVEL, workdir
                )
    rows = []
    for clients, result in results.items():
        ok = "yes" if result.failures == 0 else f"no: {result.failures} errors"
        target = "0 errors"
        if clients == LEVELS[-1]:
            target = f"0 errors; req/s >= {results[10].requests_per_second:.1f} (at 10)"
            if result.requests_per_second < results[10].requests_per_second:
                ok = "no: throughput collapsed"
        rows.append(
            Row(
                f"mixed API load, {clients} clients: {result.requests_per_second:.1f} req/s, "
                f"{result.requests} requests, {result.failures} errors",
                ctx.backend,
                result.p50_ms,
                result.p95_ms,
                target,
                ok,
            )
        )
    return rows
