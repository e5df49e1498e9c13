"""The identity scan in a fresh process, as the worker runs it: its wall and CPU time and
the process's real peak memory (RSS high-water mark), apart from the benchmark's own
memory (the generated book, the other measurements)."""

from __future__ import annotations

import pickle
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pingcrm.identity.scan import ScanResult


@dataclass
class Scanned:
    """One scan measured in its own process."""

    result: ScanResult
    wall_s: float
    cpu_s: float
    store_s: float
    rss_start_mb: float
    rss_peak_mb: float


def _peak_rss_mb() -> float:
    """This process's RSS high-water mark (``VmHWM``: ``ru_maxrss`` would include the
    parent's RSS at the fork, which Linux carries across ``exec``)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _scan(url: str, user_id: int, max_block: int) -> Scanned:
    from pingcrm.config import Settings
    from pingcrm.db import make_engine, make_session_factory
    from pingcrm.identity import repository
    from pingcrm.identity.scan import scan_chunks, store_pairs
    from pingcrm.identity.service import thresholds

    limits = thresholds(Settings())
    engine = make_engine(url)
    factory = make_session_factory(engine)
    rss_start = _peak_rss_mb()
    with factory() as session:
        started, cpu_started = time.perf_counter(), time.process_time()
        result = scan_chunks(repository.scan_chunks(session, user_id), limits, max_block)
        scanned = time.perf_counter()
        store_pairs(session, user_id, result)
        session.flush()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        session.rollback()
    engine.dispose()
    return Scanned(result, wall, cpu, started + wall - scanned, rss_start, _peak_rss_mb())


def scan_in_process(url: str, user_id: int, max_block: int) -> Scanned:
    """Scan (read, compare, store; rolled back) ``user_id``'s contacts in a new Python
    process that imports only what the scan needs."""
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / "scanned.pickle"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.scan_process",
                url,
                str(user_id),
                str(max_block),
                str(out),
            ],
            check=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        with out.open("rb") as handle:
            scanned: Scanned = pickle.load(handle)  # noqa: S301 (written by our child)
    return scanned


if __name__ == "__main__":
    # Through the module's own name, so that the pickle names bench.scan_process.Scanned.
    from bench.scan_process import _scan as scan

    measured = scan(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
    with open(sys.argv[4], "wb") as handle:
        pickle.dump(measured, handle)
