"""``python -m bench``. Environment: BENCH_SIZE=S|M, BENCH_SEED, BENCH_REQUESTS,
BENCH_BUDGET_S (seconds per workload), BENCH_ONLY (comma-separated benchmark names),
PINGCRM_BENCH_DATABASE_URL (a PostgreSQL server: measured there too when set) and
BENCH_BACKENDS (``postgresql`` to skip SQLite, e.g. to run the backends in parallel)."""

from __future__ import annotations

import os
import sys

from bench.registry import SIZES
from bench.runner import report, run


def main() -> int:
    """Run the benchmarks and print the table."""
    size_name = os.environ.get("BENCH_SIZE", "S").upper()
    if size_name not in SIZES:
        print(f"BENCH_SIZE must be one of {', '.join(SIZES)}", file=sys.stderr)
        return 2
    backends = {b.strip() for b in os.environ.get("BENCH_BACKENDS", "sqlite,postgresql").split(",")}
    if not backends <= {"sqlite", "postgresql"}:
        print("BENCH_BACKENDS is a comma list of sqlite, postgresql", file=sys.stderr)
        return 2
    postgres_url = os.environ.get("PINGCRM_BENCH_DATABASE_URL") or None
    rows, notes = run(
        SIZES[size_name],
        seed=int(os.environ.get("BENCH_SEED", "42")),
        postgres_url=postgres_url if "postgresql" in backends else None,
        sqlite="sqlite" in backends,
        requests=int(os.environ.get("BENCH_REQUESTS", "50")),
        budget_seconds=float(os.environ.get("BENCH_BUDGET_S", "120")),
        only=[n.strip() for n in os.environ["BENCH_ONLY"].split(",")]
        if os.environ.get("BENCH_ONLY")
        else None,
    )
    print(report(rows, notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
